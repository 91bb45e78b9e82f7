"""The platform's OAuth2 authorisation server for partners (Authlib's generic server).

* ``POST /oauth/token``: client credentials (the partner's own token, scope
  ``catalogue``) and the authorisation code with PKCE (a token acting for one
  member, under that member's consent). Partners authenticate with HTTP Basic
  or the client id and secret in the form.
* ``GET /oauth/authorize``: the consent page. The member signs in with their
  number and PIN (or card code, throttled exactly as everywhere else), sees the
  partner's name and what it asks for, and allows or denies. PKCE with S256 is
  required of every partner.

Codes and tokens are stored as SHA-256 hashes; a code lives ten minutes and is
used once. Revoking a consent (the member's page /me) revokes its tokens.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from authlib.oauth2 import AuthorizationServer, OAuth2Error, ResourceProtector
from authlib.oauth2.rfc6749 import (
    AuthorizationCodeMixin,
    ClientMixin,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Payload,
    OAuth2Request,
    TokenMixin,
    grants,
)
from authlib.oauth2.rfc6750 import BearerTokenGenerator, BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import delete, select
from starlette.concurrency import run_in_threadpool

from kiosk.clock import from_iso, to_iso
from kiosk.errors import KioskError
from kiosk.i18n import N_, translate
from kiosk.throttle import TooManyTries
from sync.hub import pages
from sync.hub import partners as P
from sync.hub import reservations as resv
from sync.hub.admin import hash_credential
from sync.hub.db import Database
from sync.hub.partners_models import OAuthCode, OAuthToken, Partner, PartnerGrant

CODE_TTL = dt.timedelta(minutes=10)
#: a partner's own token (client credentials) and a token acting for a member
CLIENT_TOKEN_S = 3600
MEMBER_TOKEN_S = 30 * 24 * 3600
AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

TEXTS = {"consent_title": N_("Link your account"),
         "asks": N_("{partner} asks to use your membership:"),
         "number": N_("Membership number"), "pin": N_("PIN or card code"),
         "allow": N_("Allow"), "deny": N_("Deny"),
         "revocable": N_("You can take this back at any time on your page."),
         "bad_request": N_("This link from the partner is not valid: {reason}")}
NOT_SIGNED_IN = N_("Could not sign in: {reason}")


#: the token request as OpenAPI describes it (form-encoded; the client authenticates with
#: HTTP Basic or client_id and client_secret in the form)
TOKEN_FORM: dict[str, Any] = {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {
    "type": "object", "required": ["grant_type"], "properties": {
        "grant_type": {"type": "string", "enum": ["client_credentials", "authorization_code"]},
        "scope": {"type": "string", "description": "catalogue (client credentials)"},
        "code": {"type": "string"}, "redirect_uri": {"type": "string"},
        "code_verifier": {"type": "string", "minLength": 43, "maxLength": 128},
        "client_id": {"type": "string"}, "client_secret": {"type": "string"}}}}}}
TOKEN_ANSWER: dict[str, Any] = {"type": "object", "required": ["access_token", "token_type", "expires_in"],
                                "properties": {"access_token": {"type": "string"},
                                               "token_type": {"type": "string", "enum": ["Bearer"]},
                                               "expires_in": {"type": "integer"}, "scope": {"type": "string"}}}
#: the consent form the member submits on the consent page (the partner's request, repeated)
CONSENT_FORM: dict[str, Any] = {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {
    "type": "object", "properties": {
        "response_type": {"type": "string", "enum": ["code"]}, "client_id": {"type": "string"},
        "redirect_uri": {"type": "string"}, "scope": {"type": "string"}, "state": {"type": "string"},
        "code_challenge": {"type": "string"}, "code_challenge_method": {"type": "string", "enum": ["S256"]},
        "member": {"type": "string", "description": "membership number"},
        "secret": {"type": "string", "description": "PIN or card code"},
        "decision": {"type": "string", "enum": ["allow", "deny"]}}}}}}
_PAGE = {"content": {"text/html": {"schema": {"type": "string"}}}}
CONSENT_ANSWERS: dict[int | str, dict[str, Any]] = {
    400: {"description": "the partner's request is not valid (shown to the member)", **_PAGE},
    401: {"description": "the number and PIN or card code do not sign in (the page again)", **_PAGE},
    429: {"description": "too many wrong PINs: the page again, with Retry-After", **_PAGE}}
OAUTH_ERROR: dict[str, Any] = {"type": "object", "required": ["error"], "properties": {
    "error": {"type": "string"}, "error_description": {"type": "string"}}}


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


@dataclass
class Incoming:
    """What Authlib reads of an HTTP request: method, URL, headers, parameters."""

    method: str
    url: str
    headers: Mapping[str, str]  # case-insensitive (Starlette's): Authlib asks for 'Authorization'
    params: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    async def read(cls, request: Request) -> Incoming:
        params: dict[str, list[str]] = defaultdict(list)
        for k, v in request.query_params.multi_items():
            params[k].append(v)
        if request.method == "POST":
            raw = (await request.body())[:pages.FORM_MAX].decode("utf-8", "replace")
            for k, vs in parse_qs(raw).items():
                params[k].extend(vs)
        url = str(request.url)
        if request.headers.get("x-forwarded-proto") == "https" and url.startswith("http://"):
            url = "https://" + url[len("http://"):]
        return cls(request.method, url, request.headers, dict(params))


class _Payload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, params: dict[str, list[str]]) -> None:
        self._params = params

    @property
    def data(self) -> dict[str, str]:
        return {k: v[0] for k, v in self._params.items() if v}

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return defaultdict(list, self._params)


class _Request(OAuth2Request):  # type: ignore[misc]
    def __init__(self, incoming: Incoming) -> None:
        super().__init__(incoming.method, incoming.url, headers=incoming.headers)
        self.payload = _Payload(incoming.params)

    @property
    def args(self) -> dict[str, str]:
        return self.payload.data

    @property
    def form(self) -> dict[str, str]:
        return self.payload.data


class PartnerClient(ClientMixin):  # type: ignore[misc]
    """A registered partner as Authlib's client."""

    def __init__(self, p: Partner) -> None:
        self.client_id, self.name = p.client_id, p.name
        self.redirect_uris, self.scopes = list(p.redirect_uris), list(p.scopes)
        self.secret_hash = p.secret_hash

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in (scope or "").split() if s in self.scopes)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(hash_credential(client_secret or ""), self.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "client_credentials")


@dataclass(frozen=True)
class Linked:
    """A member as the owner of a consent (Authlib's "user")."""

    number: str
    grant_id: int

    def get_user_id(self) -> str:
        return self.number


@dataclass(frozen=True)
class Code(AuthorizationCodeMixin):  # type: ignore[misc]
    row_hash: str
    partner_id: str
    member_number: str
    grant_id: int
    redirect_uri: str
    scope: str
    code_challenge: str
    code_challenge_method: str

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


@dataclass(frozen=True)
class Token(TokenMixin):  # type: ignore[misc]
    """A stored access token, as the partner endpoints see it."""

    partner_id: str
    member_number: str | None
    grant_id: int | None
    scope: str
    expires_at: dt.datetime
    revoked: bool
    now: dt.datetime

    def check_client(self, client: Any) -> bool:
        return bool(client.get_client_id() == self.partner_id)

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return int((self.expires_at - self.now).total_seconds())

    def is_expired(self) -> bool:
        return self.expires_at <= self.now

    def is_revoked(self) -> bool:
        return self.revoked


class _CodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def validate_authorization_request(self) -> str:
        uri: str = super().validate_authorization_request()
        data = self.request.payload.data
        # PKCE for every partner, with S256 only: a stolen code is useless without the verifier.
        if not data.get("code_challenge") or data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE is required: code_challenge with code_challenge_method=S256.")
        if not self.request.payload.scope:
            raise InvalidRequestError("Name the scope asked for.")
        return uri

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        server: PartnerServer = self.server
        user: Linked = request.user
        data = request.payload.data
        with server.db.transaction() as s:
            s.execute(delete(OAuthCode).where(OAuthCode.expires_at < to_iso(server.clock())))
            s.add(OAuthCode(code_hash=_hash(code), partner_id=request.client.get_client_id(),
                            member_number=user.number, grant_id=user.grant_id,
                            redirect_uri=request.payload.redirect_uri or "",
                            scope=request.client.get_allowed_scope(request.payload.scope),
                            code_challenge=data.get("code_challenge", "")[:128],
                            code_challenge_method=data.get("code_challenge_method", "")[:8],
                            expires_at=to_iso(server.clock() + CODE_TTL)))

    def query_authorization_code(self, code: str, client: PartnerClient) -> Code | None:
        server: PartnerServer = self.server
        with server.db.transaction() as s:
            row = s.get(OAuthCode, _hash(code or ""))
            if row is None or row.partner_id != client.get_client_id() \
                    or from_iso(row.expires_at) <= server.clock():
                return None
            return Code(row.code_hash, row.partner_id, row.member_number, row.grant_id, row.redirect_uri,
                        row.scope, row.code_challenge, row.code_challenge_method)

    def delete_authorization_code(self, authorization_code: Code) -> None:
        server: PartnerServer = self.server
        with server.db.transaction() as s:
            s.execute(delete(OAuthCode).where(OAuthCode.code_hash == authorization_code.row_hash))

    def authenticate_user(self, authorization_code: Code) -> Linked | None:
        server: PartnerServer = self.server
        with server.db.transaction() as s:
            g = s.get(PartnerGrant, authorization_code.grant_id)
            if g is None or g.revoked_at is not None:
                return None  # the member took their consent back before the code was used
            return Linked(g.member_number, g.id)


class _ClientGrant(grants.ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def validate_token_request(self) -> None:
        super().validate_token_request()
        # A partner's own token reads the catalogue and nothing else; members' data
        # needs a member's consent (the authorisation code).
        client: PartnerClient = self.request.client
        if set((self.request.payload.scope or "").split()) != {P.CATALOGUE} or P.CATALOGUE not in client.scopes:
            raise InvalidScopeError("Client credentials give the scope catalogue, to partners registered for it.")


class PartnerServer(AuthorizationServer):  # type: ignore[misc]
    """Authlib's generic authorisation server on the platform's database."""

    def __init__(self, db: Database, clock: Callable[[], dt.datetime]) -> None:
        super().__init__(scopes_supported=list(P.SCOPES))
        self.db, self.clock = db, clock
        self.register_token_generator("default", BearerTokenGenerator(
            access_token_generator=lambda **_kw: secrets.token_urlsafe(32),
            expires_generator=lambda client, grant_type: (
                CLIENT_TOKEN_S if grant_type == "client_credentials" else MEMBER_TOKEN_S)))
        self.register_grant(_CodeGrant, [CodeChallenge(required=True)])
        self.register_grant(_ClientGrant)

    def query_client(self, client_id: str) -> PartnerClient | None:
        with self.db.transaction() as s:
            p = P.active_partner(s, client_id)
            return PartnerClient(p) if p is not None else None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        user: Linked | None = request.user
        now = self.clock()
        client_id = request.client.get_client_id()
        with self.db.transaction() as s:
            s.add(OAuthToken(token_hash=_hash(token["access_token"]), partner_id=client_id,
                             member_number=user.number if user else None,
                             grant_id=user.grant_id if user else None, scope=token.get("scope", ""),
                             issued_at=to_iso(now),
                             expires_at=to_iso(now + dt.timedelta(seconds=int(token["expires_in"])))))
            s.execute(delete(OAuthToken).where(OAuthToken.expires_at < to_iso(now)))
            P.audit(s, client_id, "token", 200, member=user.number if user else None,
                    grant_type=request.payload.grant_type)

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        return request if isinstance(request, OAuth2Request) else _Request(request)

    def create_json_request(self, request: Any) -> Any:
        raise NotImplementedError("no JSON endpoints")

    def handle_response(self, status: int, body: Any, headers: Any) -> Response:
        hdrs = dict(headers or [])
        if status in (301, 302, 303, 307) and "Location" in hdrs:
            return RedirectResponse(hdrs["Location"], status_code=302)
        return JSONResponse(body if isinstance(body, dict) else {}, status_code=status,
                            headers={k: v for k, v in hdrs.items() if k.lower() != "content-type"})

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None


class _Validator(BearerTokenValidator):  # type: ignore[misc]
    def __init__(self, db: Database, clock: Callable[[], dt.datetime]) -> None:
        super().__init__()
        self.db, self.clock = db, clock

    def authenticate_token(self, token_string: str) -> Token | None:
        if not token_string or len(token_string) > 200:
            return None
        with self.db.transaction() as s:
            row = s.get(OAuthToken, _hash(token_string))
            if row is None:
                return None
            revoked = row.revoked_at is not None or P.active_partner(s, row.partner_id) is None
            if row.grant_id is not None:
                g = s.get(PartnerGrant, row.grant_id)
                revoked = revoked or g is None or g.revoked_at is not None
            return Token(row.partner_id, row.member_number, row.grant_id, row.scope,
                         from_iso(row.expires_at), revoked, self.clock())


def protector(db: Database, clock: Callable[[], dt.datetime]) -> ResourceProtector:
    """Authlib's resource protector for the partner endpoints (bearer tokens of this server)."""
    rp = ResourceProtector()
    rp.register_token_validator(_Validator(db, clock))
    return rp


def bearer_request(request: Request) -> OAuth2Request:
    return _Request(Incoming(request.method, str(request.url), request.headers))


def _grant_for(db: Database, partner_id: str, number: str, scope: str, now: str) -> int:
    """The member's consent for the partner, made or widened to ``scope``."""
    with db.transaction() as s:
        g = s.execute(select(PartnerGrant).where(
            PartnerGrant.partner_id == partner_id, PartnerGrant.member_number == number,
            PartnerGrant.revoked_at.is_(None))).scalars().first()
        wanted = sorted(set(scope.split()))
        if g is None:
            g = PartnerGrant(partner_id=partner_id, member_number=number, scopes=wanted, granted_at=now)
            s.add(g)
        else:
            g.scopes = sorted(set(g.scopes) | set(wanted))
        s.flush()
        P.audit(s, partner_id, "consent.granted", 200, member=number, subject=str(g.id), scope=scope)
        return g.id


def register_oauth(app: FastAPI, db: Database) -> PartnerServer:
    """Add /oauth/authorize and /oauth/token to ``app``."""
    server = PartnerServer(db, app.state.clock)
    keep = ("response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge",
            "code_challenge_method")

    def consent_page(grant: Any, incoming: Incoming, lang: str, status: int = 200,
                     message: str = "") -> HTMLResponse:
        client: PartnerClient = grant.client
        scope = client.get_allowed_scope(grant.request.payload.scope)
        hidden = [(k, incoming.params[k][0]) for k in keep if incoming.params.get(k)]
        return pages.render(
            "partner_consent.html", lang, translate(TEXTS["consent_title"], lang), status,
            texts=TEXTS, message=message, error=bool(message), hidden=hidden,
            scopes=[translate(P.SCOPES[s], lang) for s in scope.split() if s in P.SCOPES],
            txt={"asks": translate(TEXTS["asks"], lang, partner=client.name)})

    def consent_grant(incoming: Incoming) -> Any:
        """The partner's authorisation request, checked (an OAuth2Error when it is not valid)."""
        try:
            grant = server.get_consent_grant(incoming)
            grant.validate_authorization_request()
        except ValueError as exc:
            # Authlib will not describe an error that quotes non-ASCII input (e.g. response_type=Ú)
            if isinstance(exc, OAuth2Error):
                raise
            raise InvalidRequestError("The request contains characters outside ASCII.") from exc
        return grant

    def bad(lang: str, error: OAuth2Error) -> HTMLResponse:
        reason = error.description or error.error
        return pages.render("message.html", lang, translate(TEXTS["consent_title"], lang), 400, error=True,
                            message=translate(TEXTS["bad_request"], lang, reason=reason))

    @app.get("/oauth/authorize", response_class=HTMLResponse, tags=["partners"],
             responses={400: {"description": "the partner's request is not valid (shown to the member)"}})
    async def authorize_page(request: Request) -> Response:
        """The consent page a partner sends the member to (authorisation code with PKCE)."""
        lang = pages.page_language(request)
        incoming = await Incoming.read(request)
        try:
            grant = await run_in_threadpool(consent_grant, incoming)
        except OAuth2Error as error:
            return bad(lang, error)
        return consent_page(grant, incoming, lang)

    @app.post("/oauth/authorize", tags=["partners"], response_class=HTMLResponse, status_code=302,
              response_description="back to the partner's redirect_uri with a code, or with error=access_denied",
              openapi_extra={"requestBody": CONSENT_FORM}, responses=CONSENT_ANSWERS)
    async def authorize(request: Request) -> Response:
        """The member's answer on the consent page: signed in and allowed, the partner gets a code."""
        from sync.hub.app import client_address

        lang = pages.page_language(request)
        incoming = await Incoming.read(request)
        form = {k: v[0] for k, v in incoming.params.items() if v}
        incoming.params = {k: v for k, v in incoming.params.items() if k in keep}
        try:
            grant = await run_in_threadpool(consent_grant, incoming)
        except OAuth2Error as error:
            return bad(lang, error)
        if form.get("decision") != "allow":
            return await run_in_threadpool(server.create_authorization_response, incoming, None, grant)
        now = app.state.clock()

        def check() -> str:
            return resv.sign_in(db, form.get("member", "")[:16], form.get("secret", "")[:64],
                                client_address(request), now)
        try:
            number = await run_in_threadpool(check)
        except TooManyTries as exc:
            page = consent_page(grant, incoming, lang, 429, translate(NOT_SIGNED_IN, lang, reason=exc.render(lang)))
            page.headers["Retry-After"] = str(exc.seconds)
            return page
        except KioskError as exc:
            return consent_page(grant, incoming, lang, 401, translate(NOT_SIGNED_IN, lang, reason=exc.render(lang)))
        client: PartnerClient = grant.client
        grant_id = await run_in_threadpool(_grant_for, db, client.client_id, number,
                                           client.get_allowed_scope(grant.request.payload.scope), to_iso(now))
        return await run_in_threadpool(server.create_authorization_response, incoming,
                                       Linked(number, grant_id), grant)

    @app.post("/oauth/token", tags=["partners"], openapi_extra={"requestBody": TOKEN_FORM}, responses={
        200: {"description": "an access token (RFC 6749 section 5.1)", "content": {"application/json": {
            "schema": TOKEN_ANSWER}}},
        400: {"description": "an OAuth2 error (RFC 6749 section 5.2)", "content": {"application/json": {
            "schema": OAUTH_ERROR}}},
        401: {"description": "the partner's id or secret is wrong", "content": {"application/json": {
            "schema": OAUTH_ERROR}}}})
    async def token(request: Request) -> Response:
        """Exchange client credentials, or an authorisation code with its PKCE verifier, for
        an access token (form-encoded, RFC 6749)."""
        incoming = await Incoming.read(request)
        out: Response = await run_in_threadpool(server.create_token_response, incoming)
        return out

    return server
