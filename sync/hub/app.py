"""The platform's HTTP API (FastAPI). docs/openapi.json is generated from it.

Kiosks authenticate with ``Authorization: Bearer <credential>``; the
credential is bound to one kiosk id and one site. Residents authenticate
reservation calls with their membership number and card code (or PIN).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from kiosk import __version__
from kiosk.clock import to_iso, utcnow
from kiosk.errors import KioskError, NotFound, Refused
from kiosk.i18n import LANGUAGES, N_, translate
from kiosk.limits import SEQ_MAX, echo
from kiosk.store.events import HybridClock
from kiosk.throttle import TooManyTries
from sync.hub import admin, feed, fleet, rollout
from sync.hub import recovery as own_log
from sync.hub import reservations as resv
from sync.hub.db import Database
from sync.hub.guard import Guard, GuardSettings
from sync.hub.models import Item, Kiosk, Notice, Reservation, Site
from sync.hub.push import PushError, push
from sync.protocol import (
    API_PREFIX,
    BUSY,
    CURSOR_EXPIRED,
    FORBIDDEN,
    INVALID,
    MAX_PAGE,
    NOT_FOUND,
    OPTIONAL_KINDS,
    PROTOCOL_VERSION,
    REFUSED,
    UNAUTHORISED,
    ErrorBody,
    Heartbeat,
    HeartbeatAck,
    ItemAvailability,
    MemberAuth,
    NoticeView,
    OwnEventsResponse,
    PullResponse,
    PushRequest,
    PushResponse,
    ReservationRequest,
    ReservationView,
    Stats,
)

_T = TypeVar("_T")
bearer = HTTPBearer(auto_error=False, description="the kiosk's credential")
ERRORS: dict[int | str, dict[str, Any]] = {401: {"model": ErrorBody}, 403: {"model": ErrorBody},
                                           503: {"model": ErrorBody}}
#: residents' calls with a PIN: too many wrong PINs, try again after ``Retry-After`` seconds
TOO_MANY_TRIES: dict[int | str, dict[str, Any]] = {429: {"model": ErrorBody, "headers": {
    "Retry-After": {"description": "seconds before the next try", "schema": {"type": "integer"}}}}}
#: what any operation may answer, whoever calls: a body that is not JSON (400), one sent too
#: slowly (408) or too large (413), a request the schema refuses (422), too many requests (429)
ANY_CALL: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody}, 408: {"model": ErrorBody}, 413: {"model": ErrorBody},
    422: {"model": ErrorBody}, **TOO_MANY_TRIES}
_STATUS = {"forbidden": 403, "bad_batch": 422, "fork": 409, "chain_broken": 422}
UNAUTH_MSG = N_("This kiosk's credential is unknown or revoked.")
SITE_MSG = N_("A kiosk can only read its own site.")
EXPIRED_MSG = N_("The cursor has expired: download everything again (pull without a cursor).")
BUSY_MSG = N_("The platform is busy. Please try again.")
INVALID_MSG = N_("The request does not match the protocol: {fields}")
ADMIN_MSG = N_("This needs an administrator's token.")
#: the framework's own refusals: (error code, message)
HTTP_ERRORS = {400: ("bad_request", N_("The request body could not be read: send UTF-8 JSON.")),
               404: (NOT_FOUND, N_("There is nothing at this address.")),
               405: ("method_not_allowed", N_("This address does not take that method."))}
#: fields named in a 422 answer (the rest are counted, not listed)
INVALID_FIELDS_MAX = 20


class ApiError(Exception):
    def __init__(self, status: int, code: str, msgid: str, **params: Any) -> None:
        self.status, self.code, self.msgid, self.params = status, code, msgid, params


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang") or request.headers.get("accept-language", "ko")[:2]
    return lang if lang in LANGUAGES else "ko"


def now_iso() -> str:
    return to_iso(utcnow())


def create_app(db: Database, *, page_limit: int = 500, guard: GuardSettings | None = None,
               clock: Callable[[], dt.datetime] = utcnow) -> FastAPI:
    """The platform application on database ``db``; ``guard`` overrides the limits on
    request rates, body sizes and body read times (kiosk/limits.py's by default)."""
    app = FastAPI(title="Nanum city platform", version=__version__, responses=ANY_CALL,
                  description="Reference platform for Nanum sharing-centre kiosks "
                              f"(sync protocol v{PROTOCOL_VERSION}, see docs/sync-protocol.md).")
    app.state.db = db
    app.state.clock = clock  # residents' PIN waits are counted on it
    app.state.started = time.monotonic()
    app.add_middleware(Guard, settings=guard)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # Where and what, never the refused value itself: an answer must not echo a
        # megabyte of junk back (nor what a client should not see again in a log).
        errors = [{"loc": [echo(part) for part in e.get("loc", ())][:10],
                   "type": echo(e.get("type", "")), "msg": echo(e.get("msg", ""))}
                  for e in exc.errors()[:INVALID_FIELDS_MAX]]
        fields = ", ".join(".".join(str(p) for p in e["loc"][1:] or e["loc"]) for e in errors)
        return JSONResponse(status_code=422, content={
            "error": INVALID, "message": translate(INVALID_MSG, _lang(request), fields=fields),
            "detail": {"errors": errors, "count": len(exc.errors())}})

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # The framework's own answers (an unknown path, a method not allowed, a body that is
        # not JSON) in the documented error shape, not the framework's {"detail": "..."}.
        code, msgid = HTTP_ERRORS.get(exc.status_code, ("http_error", ""))
        message = translate(msgid, _lang(request)) if msgid else echo(str(exc.detail))
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # every method of the address, not only those of its first route
            headers["Allow"] = ", ".join(sorted({m for r in app.router.routes if isinstance(r, APIRoute)
                                                 and r.matches(request.scope)[0] != Match.NONE
                                                 for m in r.methods or ()}))
        return JSONResponse(status_code=exc.status_code, headers=headers, content={
            "error": code, "message": message, "detail": {}})

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(status_code=exc.status, content={
            "error": exc.code, "message": translate(exc.msgid, _lang(request), **exc.params),
            "detail": exc.params})

    @app.exception_handler(TooManyTries)
    async def _too_many_tries(request: Request, exc: TooManyTries) -> JSONResponse:
        # No sleeping in the server: the client is told when it may try again.
        return JSONResponse(status_code=429, headers={"Retry-After": str(exc.seconds)}, content={
            "error": exc.reason, "message": exc.render(_lang(request)),
            "detail": {"reason": exc.reason, "retry_after": exc.seconds}})

    @app.exception_handler(KioskError)
    async def _domain_error(request: Request, exc: KioskError) -> JSONResponse:
        status = 409 if isinstance(exc, Refused) else 404 if isinstance(exc, NotFound) else 400
        code = REFUSED if status == 409 else NOT_FOUND if status == 404 else "bad_input"
        return JSONResponse(status_code=status, content={
            "error": code, "message": exc.render(_lang(request)),
            "detail": {"reason": getattr(exc, "reason", None)}})

    @app.exception_handler(DBAPIError)
    async def _db_error(request: Request, exc: DBAPIError) -> JSONResponse:
        # Deadlocks, serialisation failures, lost connections: the kiosk retries.
        return JSONResponse(status_code=503, content={
            "error": BUSY, "message": translate(BUSY_MSG, _lang(request)), "detail": {}})

    def in_tx(fn: Callable[[Session], _T]) -> _T:
        with db.transaction() as s:
            return fn(s)

    def kiosk_of(s: Session, creds: HTTPAuthorizationCredentials | None, lock: bool = False) -> Kiosk:
        k = admin.authenticate_kiosk(s, creds.credentials if creds else None, lock=lock)
        if k is None:
            raise ApiError(401, UNAUTHORISED, UNAUTH_MSG)
        return k

    def administrator(creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> str:
        """The administrator's name for an administrator's token; kiosks' credentials do not do."""
        name = in_tx(lambda s: admin.authenticate_admin(s, creds.credentials if creds else None))
        if name is None:
            raise ApiError(401, UNAUTHORISED, ADMIN_MSG)
        return name

    def signed_in(request: Request, number: str, secret: str) -> str:
        """A resident's number and PIN or card code, throttled per (number, client address)."""
        try:
            return resv.sign_in(db, number, secret, client_address(request), clock())
        except KioskError as exc:
            # a well-formed number with the wrong secret is a failed sign-in (401), not a bad request
            if exc.message.msgid == resv.WRONG_SECRET:
                raise ApiError(401, UNAUTHORISED, resv.WRONG_SECRET) from exc
            raise

    api = API_PREFIX

    @app.get(api + "/info", tags=["sync"])
    def info() -> dict[str, Any]:
        return {"protocol": PROTOCOL_VERSION, "server_version": __version__, "time": now_iso()}

    @app.post(api + "/push", tags=["sync"], response_model=PushResponse,
              responses={**ERRORS, 409: {"model": ErrorBody}, 422: {"model": ErrorBody}})
    def push_events(req: PushRequest, creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> dict[str, Any]:
        """Store a batch of events: all or nothing; duplicates are ignored; a gap asks for a resend."""
        def run(s: Session) -> dict[str, Any]:
            k = kiosk_of(s, creds, lock=True)
            return push(s, k, req, now_iso())
        try:
            return in_tx(run)
        except PushError as exc:
            raise ApiError(_STATUS.get(exc.code, 422), exc.code, exc.message, **exc.detail) from exc

    @app.get(api + "/changes", tags=["sync"], response_model=PullResponse,
             responses={**ERRORS, 410: {"model": ErrorBody}})
    def pull_changes(cursor: str | None = None, limit: int = Query(page_limit, ge=1, le=MAX_PAGE),
                     site: str | None = None,
                     kinds: str | None = Query(None, max_length=200, description=(
                         "comma-separated optional kinds the kiosk reads besides the four every "
                         "kiosk reads: " + ", ".join(OPTIONAL_KINDS))),
                     creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> dict[str, Any]:
        """Changes of the catalogue, members, reservations and closed days for the kiosk's site
        (and, for a kiosk that asks for them, the transfers of items to or from it and the
        loans its centre's other kiosks made)."""
        def run(s: Session) -> dict[str, Any]:
            k = kiosk_of(s, creds)
            if site is not None and site != k.site:
                raise ApiError(403, FORBIDDEN, SITE_MSG)
            try:
                page = feed.pull(s, k.site, cursor, limit, db.postgres,
                                 tuple((kinds or "").split(",")), k.kiosk_id)
            except feed.CursorExpired as exc:
                raise ApiError(410, CURSOR_EXPIRED, EXPIRED_MSG) from exc
            wall = int(utcnow().timestamp() * 1000)
            page["server_hlc"] = HybridClock.tick(page.pop("newest_hlc") or None, wall)
            page["member_block"] = k.member_block
            page["held"] = k.held_seq
            return page
        return in_tx(run)

    @app.get(api + "/events", tags=["sync"], response_model=OwnEventsResponse, responses=ERRORS)
    def own_events(after: int = Query(0, ge=0, le=SEQ_MAX), limit: int = Query(page_limit, ge=1, le=MAX_PAGE),
                   creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> dict[str, Any]:
        """The kiosk's own events past ``after`` as the platform holds them, quarantined ones
        included: a kiosk restored from a backup fetches what it had sent since."""
        return in_tx(lambda s: own_log.own_events(s, kiosk_of(s, creds), after, limit))

    @app.post(api + "/heartbeat", tags=["sync"], response_model=HeartbeatAck, responses=ERRORS)
    def heartbeat(beat: Heartbeat, creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> dict[str, Any]:
        """Kiosk health: version, uptime, camera and printer, outbox depth, last sync."""
        def run(s: Session) -> dict[str, Any]:
            k = kiosk_of(s, creds)
            fleet.record_heartbeat(k, beat.model_dump(), to_iso(clock()))  # the fleet view's clock
            rollout.observe(s, k, beat.model_dump(), to_iso(clock()))  # a staged update's health
            return {"ok": True, "server_time": now_iso()}
        return in_tx(run)

    # -- residents' reservations --------------------------------------------------
    @app.get(api + "/sites", tags=["reservations"])
    def sites() -> list[dict[str, str]]:
        return in_tx(lambda s: [{"code": x.code, "name": x.name}
                                for x in s.execute(select(Site).order_by(Site.code)).scalars()])

    @app.get(api + "/sites/{site}/items", tags=["reservations"], response_model=list[ItemAvailability],
             responses={404: {"model": ErrorBody}})
    def site_items(site: str, q: str = "", available: bool | None = None) -> list[dict[str, Any]]:
        """The centre's items with their availability (search by code or name)."""
        return in_tx(lambda s: list_items(s, site, q, available))

    @app.get(api + "/sites/{site}/reservations", tags=["reservations"],
             response_model=list[ReservationView], responses=ERRORS)
    def site_reservations(site: str, status: str | None = None,
                          creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> list[dict[str, Any]]:
        """Reservations to pick up at a centre (for that centre's kiosks and staff)."""
        def run(s: Session) -> list[dict[str, Any]]:
            if kiosk_of(s, creds).site != site:
                raise ApiError(403, FORBIDDEN, SITE_MSG)
            q = select(Reservation).where(Reservation.site == site)
            if status:
                q = q.where(Reservation.status == status)
            return [view(r) for r in s.execute(q.order_by(Reservation.created_at)).scalars()]
        return in_tx(run)

    @app.post(api + "/reservations", tags=["reservations"], status_code=201,
              response_model=ReservationView,
              responses={400: {"model": ErrorBody}, 401: {"model": ErrorBody}, 404: {"model": ErrorBody},
                         409: {"model": ErrorBody}, **TOO_MANY_TRIES})
    def create_reservation(req: ReservationRequest, request: Request) -> dict[str, Any]:
        """Reserve an item for pickup at its centre. It is a request until the centre's kiosk takes it."""
        number = signed_in(request, req.member, req.secret)

        def run(s: Session) -> dict[str, Any]:
            member = resv.member_of(s, number)
            item = resv.resolve_item(s, req.item, prefer=member.home_site)
            return view(resv.create(s, member, item, now_iso(), feed.Notifier(s)))
        return in_tx(run)

    @app.post(api + "/reservations/{uid}/cancel", tags=["reservations"], response_model=ReservationView,
              responses={400: {"model": ErrorBody}, 401: {"model": ErrorBody}, 404: {"model": ErrorBody},
                         409: {"model": ErrorBody}, **TOO_MANY_TRIES})
    def cancel_reservation(uid: str, auth: MemberAuth, request: Request) -> dict[str, Any]:
        number = signed_in(request, auth.member, auth.secret)

        def run(s: Session) -> dict[str, Any]:
            member = resv.member_of(s, number)
            return view(resv.cancel(s, member, uid, now_iso(), feed.Notifier(s)))
        return in_tx(run)

    @app.post(api + "/members/reservations", tags=["reservations"], response_model=list[ReservationView],
              responses={400: {"model": ErrorBody}, 401: {"model": ErrorBody}, **TOO_MANY_TRIES})
    def member_reservations(auth: MemberAuth, request: Request) -> list[dict[str, Any]]:
        number = signed_in(request, auth.member, auth.secret)

        def run(s: Session) -> list[dict[str, Any]]:
            member = resv.member_of(s, number)
            return [view(r) for r in s.execute(select(Reservation).where(
                Reservation.member_number == member.number).order_by(Reservation.created_at)).scalars()]
        return in_tx(run)

    @app.post(api + "/members/notices", tags=["reservations"], response_model=list[NoticeView],
              responses={400: {"model": ErrorBody}, 401: {"model": ErrorBody}, **TOO_MANY_TRIES})
    def member_notices(auth: MemberAuth, request: Request) -> list[dict[str, Any]]:
        """Messages for the member, e.g. a reservation moved to another copy."""
        lang = _lang(request)
        number = signed_in(request, auth.member, auth.secret)

        def run(s: Session) -> list[dict[str, Any]]:
            member = resv.member_of(s, number)
            return [{"created_at": n.created_at, "reservation": n.reservation_uid,
                     "message": translate(n.msgid, lang, **n.params)}
                    for n in s.execute(select(Notice).where(Notice.member_number == member.number)
                                       .order_by(Notice.id)).scalars()]
        return in_tx(run)

    from sync.hub import roles

    @app.get(api + "/stats", tags=["statistics"], response_model=Stats, responses=ERRORS)
    def city_stats(who: roles.Principal = Depends(roles.principal)) -> dict[str, Any]:
        """Sharing indicators: loans, members reached, value shared, per kiosk, for the sites the
        account covers (``Authorization: Bearer <token from 'nanum hub add-admin'>``; a district
        officer's district, a centre manager's centre, a city administrator's whole city)."""
        return admin.stats(db, in_tx(lambda s: roles.visible_sites(who, s)))

    roles.register_admin_signin(app, db)
    fleet.register_fleet(app, db)
    rollout.register_rollout(app, db, kiosk_of, bearer)  # staged updates (docs/updates.md)

    from sync.hub.web import register_pages

    register_pages(app, db)
    from sync.hub.resident import register_resident_pages

    register_resident_pages(app, db)
    from sync.hub.photos import register_photos

    register_photos(app, db, kiosk_of, bearer)
    from sync.hub.oauth import register_oauth
    from sync.hub.partners_api import register_partner_api

    register_oauth(app, db)
    register_partner_api(app, db)
    from sync.hub.indicators_report import register_indicators

    register_indicators(app, db)  # the city's indicator page and the public-data export
    return app


def client_address(request: Request) -> str:
    """The address wrong PINs are counted under (the proxy's view of it behind a trusted proxy)."""
    return request.client.host if request.client is not None else "unknown"


def view(r: Reservation) -> dict[str, Any]:
    return {"uid": r.uid, "item": r.item_key.rpartition("/")[2], "item_site": r.item_key.rpartition("/")[0],
            "site": r.site, "member": r.member_number,
            "status": r.status, "created_at": r.created_at, "hold_until": r.hold_until,
            "moved_from": r.moved_from}


def list_items(s: Session, site: str, q: str = "", available: bool | None = None) -> list[dict[str, Any]]:
    if s.get(Site, site) is None:
        raise NotFound("No site {site} on the platform.", site=site)
    query = select(Item).where(Item.home_site == site, Item.origin != "placeholder").order_by(Item.code)
    needle = (q or "").strip()
    if needle:
        like = f"%{needle}%"
        query = query.where(Item.code.ilike(like) | Item.name_ko.ilike(like) | Item.name_en.ilike(like))
    counts: dict[str, int] = {}
    for code in s.execute(select(Reservation.item_key).where(
            Reservation.site == site, Reservation.status.in_(feed.ACTIVE_RESERVATION))).scalars():
        counts[code] = counts.get(code, 0) + 1
    out = []
    for item in s.execute(query.limit(500)).scalars():
        free = item.status == "available" and not item.retired and counts.get(item.key, 0) == 0
        if available is not None and free != available:
            continue
        out.append({"code": item.code, "name_ko": item.name_ko, "name_en": item.name_en,
                    "category": item.category, "site": site,
                    "status": "retired" if item.retired else item.status,
                    "available": free, "waiting": counts.get(item.key, 0)})
    return out


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (several workers): the database from NANUM_HUB_DB."""
    return create_app(Database.open(os.environ["NANUM_HUB_DB"]), guard=GuardSettings.from_env(os.environ))
