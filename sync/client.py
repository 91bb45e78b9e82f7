"""The kiosk's HTTP client for the platform (httpx, HTTPS with a CA bundle).

Every failure becomes a :class:`SyncError` carrying a translatable message:
transient ones (network, timeouts, 5xx, a cut answer) are retried by the
worker; refusals (credential revoked, forked log) need a person.
"""

from __future__ import annotations

import json
import ssl
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from kiosk.i18n import N_, Message
from kiosk.limits import echo
from kiosk.platform_url import INSECURE_URL, insecure_url
from sync.protocol import (
    API_PREFIX,
    CURSOR_EXPIRED,
    FORK,
    OPTIONAL_KINDS,
    PROTOCOL_VERSION,
    HeartbeatAck,
    OwnEventsResponse,
    PullResponse,
    PushResponse,
)

USER_AGENT = f"nanum-kiosk-sync/{PROTOCOL_VERSION}"


class SyncError(Exception):
    """A sync step failed; ``transient`` says whether retrying later can help."""

    transient = True

    def __init__(self, msgid: str, detail: str = "", **params: Any) -> None:
        self.message = Message(msgid, params)
        self.detail = detail
        super().__init__(f"{msgid.format(**params) if params else msgid} {detail}".strip())


class SyncRefused(SyncError):
    transient = False


class CursorExpired(SyncError):
    pass


class Forked(SyncRefused):
    pass


class TooLarge(SyncRefused):
    """The request was larger than the platform takes (HTTP 413): send less at a time."""


NETWORK = N_("The city platform cannot be reached. Loans are kept and sent later.")
SERVER = N_("The city platform had a problem. Sync will try again.")
REFUSED = N_("The city platform refused this kiosk's credential. Ask the administrator.")
FORKED = N_("This kiosk's event log differs from the platform's copy. Ask the administrator.")
INVALID = N_("The city platform refused the data: {reason}")
CA_BUNDLE = N_("The CA bundle {path} cannot be read. Check the sync settings.")
MALFORMED = N_("The city platform sent an answer this kiosk cannot use. Sync will try again.")


def checked(model: type[BaseModel], body: dict[str, Any]) -> dict[str, Any]:
    """``body`` when it is the answer ``model`` describes, else a transient SyncError.

    A proxy's page or a platform of another version must not reach the round
    as a dict missing a key (a crash there); strict, because JSON gives exact types.
    """
    try:
        model.model_validate(body, strict=True)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(map(str, first["loc"])) or "answer"
        raise SyncError(MALFORMED, f"{model.__name__} {where}: {first['msg']}"[:300]) from exc
    return body


class SyncClient:
    """Push, pull and heartbeat against one platform, as one kiosk."""

    def __init__(self, base_url: str, credential: str, *, ca_bundle: str | None = None,
                 timeout: float = 15.0, keepalive: bool = True,
                 transport: httpx.BaseTransport | None = None,
                 allow_insecure_http: bool | None = None) -> None:
        # The credential travels in every request: never over plain HTTP to another machine.
        if insecure_url(base_url, allow_insecure_http):
            raise SyncRefused(INSECURE_URL, url=echo(base_url))
        limits = httpx.Limits(max_keepalive_connections=2 if keepalive else 0)
        # A CA bundle from the kiosk config (a city CA); otherwise the system's CAs.
        verify: ssl.SSLContext | bool = True
        if ca_bundle:
            try:
                verify = ssl.create_default_context(cafile=ca_bundle)
            except (OSError, ssl.SSLError) as exc:
                raise SyncRefused(CA_BUNDLE, str(exc), path=ca_bundle) from exc
        self._http = httpx.Client(
            base_url=base_url.rstrip("/") + API_PREFIX, timeout=timeout, limits=limits,
            verify=verify, transport=transport,
            headers={"Authorization": f"Bearer {credential}", "User-Agent": USER_AGENT})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **kw: Any) -> dict[str, Any]:
        try:
            resp = self._http.request(method, path, **kw)
            body = resp.json() if resp.content else {}
        except httpx.HTTPError as exc:  # connect, read, write, timeout, protocol errors
            raise SyncError(NETWORK, f"{type(exc).__name__}: {exc}") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SyncError(SERVER, "unreadable answer") from exc
        if resp.status_code < 300:
            if not isinstance(body, dict):
                raise SyncError(SERVER, "unreadable answer")
            return body
        code = body.get("error") if isinstance(body, dict) else None
        detail = f"HTTP {resp.status_code} {code or ''}".strip()
        if resp.status_code == 410 and code == CURSOR_EXPIRED:
            raise CursorExpired(SERVER, detail)
        if resp.status_code == 409 and code == FORK:
            raise Forked(FORKED, detail)
        if resp.status_code in (401, 403):
            raise SyncRefused(REFUSED, detail)
        if resp.status_code == 413:
            raise TooLarge(INVALID, detail, reason=detail)
        if resp.status_code in (400, 404, 409, 422):
            raise SyncRefused(INVALID, detail, reason=str(body.get("message", detail))
                              if isinstance(body, dict) else detail)
        raise SyncError(SERVER, detail)

    def push(self, kiosk_id: str, events: list[dict[str, Any]]) -> dict[str, Any]:
        return checked(PushResponse, self._call("POST", "/push", json={"kiosk_id": kiosk_id, "events": events}))

    def pull(self, cursor: str | None, limit: int = 500) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": limit, "kinds": ",".join(OPTIONAL_KINDS)}
        if cursor:
            params["cursor"] = cursor
        return checked(PullResponse, self._call("GET", "/changes", params=params))

    def own_events(self, after: int, limit: int = 500) -> dict[str, Any]:
        """This kiosk's events past ``after`` as the platform holds them (recovery)."""
        return checked(OwnEventsResponse, self._call("GET", "/events", params={"after": after, "limit": limit}))

    def heartbeat(self, beat: dict[str, Any]) -> dict[str, Any]:
        return checked(HeartbeatAck, self._call("POST", "/heartbeat", json=beat))

    def update_advice(self) -> dict[str, Any]:
        """The version the platform's staged rollout says this kiosk should install (docs/updates.md)."""
        return self._call("GET", "/update")

    def upload_photo(self, site: str, code: str, jpeg: bytes) -> dict[str, Any]:
        """Send an item's display-size photo (sync.photos); the platform re-encodes it."""
        return self._call("PUT", f"/photos/{quote(site, safe='')}/{quote(code, safe='')}", content=jpeg,
                          headers={"Content-Type": "image/jpeg"})

    def delete_photo(self, site: str, code: str) -> dict[str, Any]:
        return self._call("DELETE", f"/photos/{quote(site, safe='')}/{quote(code, safe='')}")
