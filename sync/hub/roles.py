"""Platform accounts with roles, and what each one may see.

An administrator (``nanum hub add-admin NAME --role ...``) is one of:

- ``city``: a city administrator, who sees every site;
- ``district``: a district officer, who sees the sites of their 자치구 (one of
  Seoul's 25 districts, :data:`DISTRICTS`; a site's district is set with
  ``nanum hub set-district SITE 강남구``);
- ``centre``: a centre manager, who sees their one site.

The API takes the administrator's token as ``Authorization: Bearer <token>``;
the administrators' pages take a session cookie from ``/admin/signin`` (name and
token), kept hashed in ``admin_sessions`` like residents' sessions. Both give a
:class:`Principal` (the dependency :func:`principal`), and :func:`visible_sites`
says which sites it covers. A request outside them is refused with 403, an
unknown or revoked token with 401, both with the platform's error body.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from starlette.concurrency import run_in_threadpool

from kiosk.clock import from_iso, to_iso, utcnow
from kiosk.errors import BadInput, NotFound
from kiosk.i18n import N_, translate
from sync.hub.db import Database
from sync.hub.models import Administrator, Base, Site
from sync.protocol import FORBIDDEN, UNAUTHORISED

#: Seoul's 25 autonomous districts (자치구), in the city's usual order
DISTRICTS = ("종로구", "중구", "용산구", "성동구", "광진구", "동대문구", "중랑구", "성북구", "강북구",
             "도봉구", "노원구", "은평구", "서대문구", "마포구", "양천구", "강서구", "구로구", "금천구",
             "영등포구", "동작구", "관악구", "서초구", "강남구", "송파구", "강동구")
ROLES = ("city", "district", "centre")
COOKIE = "nanum_admin"
SESSION_HOURS = 8  # a working day; a screen left signed in signs itself out
bearer = HTTPBearer(auto_error=False, scheme_name="AdminToken",
                    description="an administrator's token ('nanum hub add-admin')")

NEEDS_ACCOUNT = N_("This needs an administrator's token.")
OUTSIDE = N_("This account covers only {scope}.")
CITY_ONLY = N_("This needs a city administrator.")
NOT_DISTRICT = N_("Not one of Seoul's districts: {district}")
BAD_ROLE = N_("A role is city, district or centre.")
NEEDS_DISTRICT = N_("A district officer needs a district (--district).")
NEEDS_SITE = N_("A centre manager needs a site (--site).")
NO_ADMIN = N_("No administrator {name} on the platform.")
NO_SITE = N_("No site {site} on the platform.")
SIGNIN_TEXTS = {
    "signin_title": N_("Administrator sign-in"), "signin": N_("Sign in"),
    "signin_why": N_("Sign in with your administrator name and token (from 'nanum hub add-admin')."),
    "admin_name": N_("Administrator name"), "admin_token": N_("Token"),
    "signout": N_("Sign out"), "fleet": N_("Kiosk fleet"),
}
WRONG_SIGNIN = N_("Could not sign in: the name or the token is wrong.")


@dataclass(frozen=True)
class Principal:
    """Who is asking: an administrator's name, role and what the role is bound to."""

    name: str
    role: str  # one of ROLES
    district: str | None  # a district officer's 자치구
    site: str | None  # a centre manager's site

    @property
    def scope(self) -> str:
        """What the account covers, as people read it (a district, a site, or 'Seoul')."""
        return self.district if self.role == "district" and self.district else \
            self.site if self.role == "centre" and self.site else "서울특별시"


class AdminSession(Base):
    """An administrator signed in on the platform's pages (name + token).

    Only the SHA-256 of the cookie's token is kept; ``csrf`` is the token every
    form of the session carries.
    """

    __tablename__ = "admin_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[str] = mapped_column(String(32), index=True)


# -- districts and accounts ---------------------------------------------------------------
def normalise_district(text: str | None) -> str:
    """A district's name as the platform keeps it (``강남`` -> ``강남구``); BadInput otherwise."""
    name = "".join((text or "").split())[:16]
    if name.startswith("서울"):  # "서울특별시 강남구", "서울 강남구"
        name = name.removeprefix("서울특별시").removeprefix("서울시").removeprefix("서울")
    if name in DISTRICTS:
        return name
    if name + "구" in DISTRICTS:
        return name + "구"
    raise BadInput(NOT_DISTRICT, district=(text or "")[:40])


def check_role(s: Session, role: str, district: str | None, site: str | None) -> tuple[str, str | None, str | None]:
    """(role, district, site) as stored for an account: a district officer's district
    must be Seoul's, a centre manager's site must exist; the other field is cleared."""
    if role not in ROLES:
        raise BadInput(BAD_ROLE)
    if role == "district":
        if not district:
            raise BadInput(NEEDS_DISTRICT)
        return role, normalise_district(district), None
    if role == "centre":
        if not site:
            raise BadInput(NEEDS_SITE)
        if s.get(Site, site.strip()) is None:
            raise NotFound(NO_SITE, site=site.strip()[:40])
        return role, None, site.strip()
    return role, None, None


def set_district(db: Database, site: str, district: str) -> str:
    """Put ``site`` in ``district`` (one of :data:`DISTRICTS`); returns the stored name."""
    name = normalise_district(district)
    with db.transaction() as s:
        row = s.get(Site, (site or "").strip())
        if row is None:
            raise NotFound(NO_SITE, site=(site or "")[:40])
        row.district = name
    return name


def set_role(db: Database, name: str, role: str, district: str | None = None, site: str | None = None) -> None:
    """Give administrator ``name`` a role (see the module's description)."""
    with db.transaction() as s:
        a = s.get(Administrator, name)
        if a is None:
            raise NotFound(NO_ADMIN, name=name)
        a.role, a.district, a.site = check_role(s, role, district, site)


def _principal(a: Administrator | None) -> Principal | None:
    if a is None or a.revoked_at is not None:
        return None
    role = a.role if a.role in ROLES else "centre"  # an unknown role sees the least
    return Principal(a.name, role, a.district, a.site)


def principal_of_token(s: Session, token: str | None) -> Principal | None:
    """The account of an administrator's token, or None (unknown, revoked, a kiosk's)."""
    from sync.hub import admin

    name = admin.authenticate_admin(s, token)
    return None if name is None else _principal(s.get(Administrator, name))


def visible_sites(principal: Principal, session: Session) -> set[str] | None:
    """The codes of the sites ``principal`` may see; None: every site (a city administrator)."""
    if principal.role == "city":
        return None
    if principal.role == "district":
        if not principal.district:
            return set()
        return set(session.execute(select(Site.code).where(Site.district == principal.district)).scalars())
    return {principal.site} if principal.site else set()


def allow(principal: Principal, session: Session, *, sites: Any = (), districts: Any = ()) -> None:
    """Refuse (403, the platform's error body) unless ``principal`` covers every one of
    ``sites`` and ``districts``."""
    from sync.hub.app import ApiError

    wanted_sites, wanted_districts = set(sites or ()), set(districts or ())
    if principal.role == "city" or not (wanted_sites or wanted_districts):
        return
    if principal.role == "centre" and wanted_districts:
        raise ApiError(403, FORBIDDEN, OUTSIDE, scope=principal.scope)
    if principal.role == "district" and wanted_districts - {principal.district}:
        raise ApiError(403, FORBIDDEN, OUTSIDE, scope=principal.scope)
    seen = visible_sites(principal, session) or set()
    if wanted_sites - seen:
        raise ApiError(403, FORBIDDEN, OUTSIDE, scope=principal.scope)


def require_city(principal: Principal) -> None:
    """Refuse (403) anyone but a city administrator."""
    from sync.hub.app import ApiError

    if principal.role != "city":
        raise ApiError(403, FORBIDDEN, CITY_ONLY)


# -- sessions of the administrators' pages -------------------------------------------------
def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def open_session(db: Database, name: str, now: dt.datetime) -> tuple[str, str]:
    """A new page session for administrator ``name``: (cookie token, CSRF token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with db.transaction() as s:
        # Expired sessions go as new ones come: the table never grows without bound.
        s.execute(delete(AdminSession).where(AdminSession.expires_at < to_iso(now)))
        s.add(AdminSession(token_hash=_hash(token), name=name, csrf=csrf, created_at=to_iso(now),
                           expires_at=to_iso(now + dt.timedelta(hours=SESSION_HOURS))))
    return token, csrf


def session_of(db: Database, request: Request, now: dt.datetime) -> tuple[Principal, str] | None:
    """The signed-in administrator of this request's cookie and the session's CSRF token."""
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 100:
        return None
    with db.transaction() as s:
        row = s.get(AdminSession, _hash(token))
        if row is None or from_iso(row.expires_at) <= now:
            return None
        who = _principal(s.get(Administrator, row.name))  # a revoked account's sessions end too
        return None if who is None else (who, row.csrf)


def close_session(db: Database, request: Request) -> None:
    token = request.cookies.get(COOKIE)
    if token and len(token) <= 100:
        with db.transaction() as s:
            s.execute(delete(AdminSession).where(AdminSession.token_hash == _hash(token)))


def _clock(request: Request) -> dt.datetime:
    clock = getattr(request.app.state, "clock", utcnow)
    now: dt.datetime = clock()
    return now


def page_principal(request: Request) -> Principal | None:
    """The administrator signed in on the pages (session cookie), or None."""
    found = session_of(request.app.state.db, request, _clock(request))
    return None if found is None else found[0]


def principal(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Principal:
    """FastAPI dependency: the administrator asking, by bearer token (the API) or by the
    pages' session cookie (reading only: a cookie never opens a change). 401 otherwise."""
    from sync.hub.app import ApiError

    db: Database = request.app.state.db
    if creds is not None:
        with db.transaction() as s:
            who = principal_of_token(s, creds.credentials)
    elif request.method in ("GET", "HEAD"):
        who = page_principal(request)
    else:
        who = None
    if who is None:
        raise ApiError(401, UNAUTHORISED, NEEDS_ACCOUNT)
    return who


def signin_redirect(request: Request) -> RedirectResponse:
    """Send a visitor without a session to the sign-in page, back here afterwards."""
    from urllib.parse import quote

    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/admin/signin?next=" + quote(target, safe=""), status_code=303)


def _safe_next(target: str) -> str:
    """Only a path on this platform (never another site: an open redirect)."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/admin/fleet"


def register_admin_signin(app: FastAPI, db: Database) -> None:
    """``/admin/signin`` (name + token) and ``/admin/signout`` for the administrators' pages."""
    from sync.hub import pages
    from sync.hub.resident import _secure

    def signin_page(lang: str, target: str, status: int = 200, message: str = "") -> HTMLResponse:
        return pages.render("admin_signin.html", lang, translate(SIGNIN_TEXTS["signin_title"], lang), status,
                            texts=SIGNIN_TEXTS, message=message, error=bool(message), target=target)

    @app.get("/admin/signin", response_class=HTMLResponse, include_in_schema=False)
    def signin_form(request: Request) -> HTMLResponse:
        lang = pages.page_language(request)
        return signin_page(lang, _safe_next(request.query_params.get("next", "/admin/fleet")[:300]))

    @app.post("/admin/signin", response_class=HTMLResponse, include_in_schema=False)
    async def signin(request: Request) -> Response:
        lang = pages.page_language(request)
        form = await pages.read_form(request)
        target = _safe_next(form.get("next", "/admin/fleet")[:300])
        name, token = form.get("name", "").strip()[:64], form.get("token", "").strip()[:200]

        def check() -> Principal | None:
            with db.transaction() as s:
                who = principal_of_token(s, token)
            # the token decides; the name only guards against using a colleague's by mistake
            return who if who is not None and secrets.compare_digest(who.name, name) else None
        who = await run_in_threadpool(check)
        if who is None:
            return signin_page(lang, target, 401, translate(WRONG_SIGNIN, lang))
        cookie, _csrf = await run_in_threadpool(open_session, db, who.name, _clock(request))
        out = RedirectResponse(target, status_code=303)
        out.set_cookie(COOKIE, cookie, max_age=SESSION_HOURS * 3600, httponly=True, samesite="strict",
                       secure=_secure(request), path="/")
        return out

    @app.post("/admin/signout", response_class=HTMLResponse, include_in_schema=False)
    async def signout(request: Request) -> Response:
        lang = pages.page_language(request)
        form = await pages.read_form(request)
        found = await run_in_threadpool(session_of, db, request, _clock(request))
        if found is not None and secrets.compare_digest(form.get("csrf", ""), found[1]):
            await run_in_threadpool(close_session, db, request)
        out = RedirectResponse(f"/admin/signin?lang={lang}", status_code=303)
        out.delete_cookie(COOKIE, path="/")
        return out
