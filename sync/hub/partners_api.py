"""The partner API: what a registered private platform may do, and for whom.

With its own token (client credentials, scope ``catalogue``) a partner reads the
centres and the live availability of their items. With a token a member gave it
(authorisation code with PKCE, scope ``reservations``) it creates, lists and
cancels that member's reservations, through the same code as a resident's own
reservation: the centre's kiosk takes it on its next sync and holds the item.

Every call is counted against the partner's quota (requests a minute; over it:
429 with Retry-After) and written to the partner audit log. See
docs/partner-guide.md.
"""

from __future__ import annotations

import secrets
import threading
from typing import Any

from authlib.oauth2 import OAuth2Error
from fastapi import Depends, FastAPI, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.calendar import SEOUL
from kiosk.errors import KioskError, NotFound
from kiosk.i18n import N_
from kiosk.throttle import TooManyTries
from sync.hub import feed, oauth, roles
from sync.hub import partners as P
from sync.hub import reservations as resv
from sync.hub.db import Database
from sync.hub.guard import RATE_MSG, MovingWindow
from sync.hub.models import Reservation, Site
from sync.hub.partners_models import Partner, PartnerReservation
from sync.protocol import API_PREFIX, FORBIDDEN, UNAUTHORISED, ErrorBody, ItemAvailability, ReservationView

TOKEN_MSG = N_("The partner's access token is missing, unknown, expired or revoked.")
SCOPE_MSG = N_("This token does not allow that: it needs the scope {scope} granted by a member.")
NO_SUCH = N_("No such reservation.")
QUOTA_WINDOW_S = 60

_bearer = HTTPBearer(auto_error=False, scheme_name="PartnerToken",
                     description="a partner's access token from POST /oauth/token")
ANSWERS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody}, 403: {"model": ErrorBody},
    429: {"model": ErrorBody, "headers": {"Retry-After": {
        "description": "seconds before the partner's next request is allowed", "schema": {"type": "integer"}}}}}
RESERVING: dict[int | str, dict[str, Any]] = {**ANSWERS, 400: {"model": ErrorBody}, 404: {"model": ErrorBody},
                                              409: {"model": ErrorBody}}


class PartnerReservationRequest(BaseModel):
    item: str = Field(max_length=200, description="SITE/CODE (as the catalogue lists it) or an item label URL")


class PartnerUsage(BaseModel):
    client_id: str
    name: str
    revoked: bool
    reservations: int = Field(description="reservations the partner made")
    pickups: int = Field(description="of those, picked up at the centre")
    cancelled: int
    expired: int
    members_linked: int = Field(description="members whose consent stands now")
    calls: int = Field(description="API calls and tokens issued")
    refused_calls: int
    webhooks_pending: int


class Quotas:
    """Requests a minute per partner: the moving window the platform's front door uses."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, MovingWindow]] = {}

    def hit(self, partner: str, quota: int) -> float | None:
        with self._lock:
            known = self._windows.get(partner)
            if known is None or known[0] != quota:
                known = self._windows[partner] = (quota, MovingWindow(quota, QUOTA_WINDOW_S))
        return known[1].hit(partner)


def _view(r: Reservation) -> dict[str, Any]:
    from sync.hub.app import view

    return view(r)


def register_partner_api(app: FastAPI, db: Database) -> None:
    """Add the partner endpoints (and the city's usage figures) to ``app``."""
    from sync.hub.app import ApiError, list_items, now_iso

    protector = oauth.protector(db, app.state.clock)
    quotas = Quotas()

    def caller(request: Request, scope: str, action: str, member: bool = False) -> oauth.Token:
        try:
            token: oauth.Token = protector.validate_request(None, oauth.bearer_request(request))
        except OAuth2Error as exc:
            raise ApiError(401, UNAUTHORISED, TOKEN_MSG) from exc
        if scope not in token.scope.split() or (member and token.member_number is None):
            P.audit_now(db, token.partner_id, action, 403)
            raise ApiError(403, FORBIDDEN, SCOPE_MSG, scope=scope)
        with db.transaction() as s:
            p = s.get(Partner, token.partner_id)
            quota = p.quota_per_minute if p is not None else 1
        wait = quotas.hit(token.partner_id, quota)
        if wait is not None:
            P.audit_now(db, token.partner_id, action, 429, member=token.member_number)
            seconds = max(1, int(wait + 0.999))
            raise TooManyTries(seconds, RATE_MSG)
        return token

    def acting(s: Session, token: oauth.Token, action: str, fn: Any, subject: str | None = None) -> Any:
        """Run ``fn`` for the token's member; a refusal is audited in its own transaction."""
        try:
            return fn()
        except KioskError as exc:
            status = 404 if isinstance(exc, NotFound) else 409
            P.audit_now(db, token.partner_id, action, status, member=token.member_number, subject=subject,
                        reason=getattr(exc, "reason", None))
            raise

    api = API_PREFIX + "/partner"

    @app.get(api + "/sites", tags=["partners"], responses=ANSWERS)
    def partner_sites(request: Request, _c: HTTPAuthorizationCredentials | None = Depends(_bearer)
                      ) -> list[dict[str, str]]:
        """Every sharing centre (scope ``catalogue``)."""
        token = caller(request, P.CATALOGUE, "sites")
        with db.transaction() as s:
            P.audit(s, token.partner_id, "sites", 200, member=token.member_number)
            return [{"code": x.code, "name": x.name} for x in s.execute(select(Site).order_by(Site.code)).scalars()]

    @app.get(api + "/sites/{site}/items", tags=["partners"], response_model=list[ItemAvailability],
             responses={**ANSWERS, 404: {"model": ErrorBody}})
    def partner_items(site: str, request: Request, q: str = Query("", max_length=60),
                      available: bool | None = None,
                      _c: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> list[dict[str, Any]]:
        """A centre's items with their live availability (scope ``catalogue``)."""
        token = caller(request, P.CATALOGUE, "items")
        with db.transaction() as s:
            out = acting(s, token, "items", lambda: list_items(s, site, q, available), site[:32])
            P.audit(s, token.partner_id, "items", 200, member=token.member_number, subject=site[:32])
            return list(out)

    @app.post(api + "/reservations", tags=["partners"], status_code=201, response_model=ReservationView,
              responses=RESERVING)
    def partner_reserve(req: PartnerReservationRequest, request: Request,
                        _c: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> dict[str, Any]:
        """Reserve an item for the member who granted this token (scope ``reservations``).
        It is a request until the centre's kiosk takes it; webhooks tell what follows."""
        token = caller(request, P.RESERVATIONS, "reserve", member=True)
        number = token.member_number or ""
        with db.transaction() as s:
            def run() -> Reservation:
                m = resv.member_of(s, number)
                item = resv.resolve_item(s, req.item, prefer=m.home_site)
                return resv.create(s, m, item, now_iso(), feed.Notifier(s))
            r = acting(s, token, "reserve", run, req.item[:64])
            s.add(PartnerReservation(reservation_uid=r.uid, partner_id=token.partner_id, member_number=number,
                                     created_at=r.created_at, told_status=r.status, seq=0))
            P.audit(s, token.partner_id, "reserve", 201, member=number, subject=r.uid)
            return _view(r)

    @app.get(api + "/reservations", tags=["partners"], response_model=list[ReservationView], responses=ANSWERS)
    def partner_reservations(request: Request, _c: HTTPAuthorizationCredentials | None = Depends(_bearer)
                             ) -> list[dict[str, Any]]:
        """The reservations this partner made for the token's member (scope ``reservations``)."""
        token = caller(request, P.RESERVATIONS, "list", member=True)
        with db.transaction() as s:
            rows = s.execute(select(Reservation).join(
                PartnerReservation, PartnerReservation.reservation_uid == Reservation.uid).where(
                PartnerReservation.partner_id == token.partner_id,
                Reservation.member_number == token.member_number).order_by(Reservation.created_at)).scalars()
            out = [_view(r) for r in rows]
            P.audit(s, token.partner_id, "list", 200, member=token.member_number)
            return out

    @app.post(api + "/reservations/{uid}/cancel", tags=["partners"], response_model=ReservationView,
              responses=RESERVING)
    def partner_cancel(uid: str, request: Request,
                       _c: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> dict[str, Any]:
        """Cancel a reservation this partner made for the token's member (scope ``reservations``)."""
        token = caller(request, P.RESERVATIONS, "cancel", member=True)
        number = token.member_number or ""
        with db.transaction() as s:
            def run() -> Reservation:
                link = s.get(PartnerReservation, uid[:36])
                if link is None or link.partner_id != token.partner_id or link.member_number != number:
                    raise NotFound(NO_SUCH)
                return resv.cancel(s, resv.member_of(s, number), link.reservation_uid, now_iso(),
                                   feed.Notifier(s))
            r = acting(s, token, "cancel", run, uid[:64])
            P.audit(s, token.partner_id, "cancel", 200, member=number, subject=r.uid)
            return _view(r)

    register_revoke_page(app, db)
    from sync.hub.app import ERRORS

    @app.get(API_PREFIX + "/partners/usage", tags=["partners"], response_model=list[PartnerUsage],
             responses=ERRORS)
    def partner_usage(who: roles.Principal = Depends(roles.principal)) -> list[dict[str, Any]]:
        """Per partner: reservations, pickups, members linked, calls (for city administrators:
        ``Authorization: Bearer <token from 'nanum hub add-admin --role city'>``). Partners serve
        the whole city, so a district officer or a centre manager is refused (403)."""
        roles.require_city(who)
        return P.usage(db)


def register_revoke_page(app: FastAPI, db: Database) -> None:
    """/me/partners/{grant}/revoke: the member takes back a partner's access (a form on /me)."""
    from fastapi.responses import HTMLResponse, Response
    from starlette.concurrency import run_in_threadpool

    from kiosk.i18n import translate
    from sync.hub import pages
    from sync.hub.resident import Sessions, account_page, expired

    sessions = Sessions(db, app.state.clock)

    @app.post("/me/partners/{grant}/revoke", response_class=HTMLResponse, include_in_schema=False)
    async def revoke(grant: int, request: Request) -> Response:
        lang = pages.page_language(request)
        form = await pages.read_form(request)
        row = sessions.current(request)
        if row is None or not secrets.compare_digest(form.get("csrf", ""), row.csrf):
            return expired(lang)
        number = row.member_number

        def run() -> str | None:
            with db.transaction() as s:
                return P.revoke_grant(s, number, grant)
        name = await run_in_threadpool(run)
        today = app.state.clock().astimezone(SEOUL).date().isoformat()
        if name is None:
            return account_page(db, row, lang, today, translate(P.NOT_REVOKED, lang), error=True, status=404)
        return account_page(db, row, lang, today, translate(P.REVOKED, lang, partner=name))
