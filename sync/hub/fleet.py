"""The kiosk fleet for the city's IT: every kiosk's health, flagged and told by e-mail.

Each kiosk's last heartbeat (:class:`sync.protocol.Heartbeat`: version, camera
and printer, outbox depth, last sync and the last sync error) is shown on
``/admin/fleet`` and in ``GET /api/v1/fleet``, each scoped to the sites the
signed-in account covers (:mod:`sync.hub.roles`).

A kiosk is flagged when it has sent no heartbeat for ``NANUM_FLEET_SILENT_MINUTES``
(30 by default; a kiosk that never sent one counts from its registration) and
when its camera or printer is failing (a state other than ok, none, off or
unknown). Each such problem is an *incident* (``fleet_incidents``): opened when
the job queue's periodic check (:mod:`sync.hub.jobs`, ``fleet.check``) first sees
it, closed when it is over. Every incident is e-mailed once to the addresses in
``NANUM_FLEET_EMAIL`` (comma-separated) through the notices' e-mail channel
(``NANUM_SMTP_*``, :mod:`sync.hub.notices`); the message's key is the
incident's, so a retry after a dead worker is recognisable as a repeat.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
from collections.abc import Mapping
from typing import Any

import procrastinate
from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from kiosk.calendar import SEOUL
from kiosk.clock import from_iso, to_iso, utcnow
from kiosk.i18n import N_, translate
from sync.hub import notices, roles
from sync.hub.db import Database
from sync.hub.models import Base, BigId, Kiosk, Site
from sync.protocol import API_PREFIX, ErrorBody

log = logging.getLogger(__name__)

SILENT_ENV, SILENT_MINUTES = "NANUM_FLEET_SILENT_MINUTES", 30
EMAIL_ENV = "NANUM_FLEET_EMAIL"
CHECK_CRON_ENV, CHECK_CRON = "NANUM_FLEET_CHECK_CRON", "* * * * *"  # every minute
MAIL_LANG = "ko"  # the city's IT reads the alerts in Korean
#: device states that are not a failure (kiosk.devices.DEVICE_STATES: "none" is no printer
#: at all, "off" a camera switched off on purpose, "unknown" not reported yet)
FINE = ("ok", "none", "off", "unknown")
DEVICES = ("camera", "printer")

SUBJECT = N_("Kiosk {kiosk} needs attention")
SILENT_MAIL = N_("Kiosk {kiosk} at {centre} has sent no heartbeat since {since}.")
DEVICE_MAIL = N_("Kiosk {kiosk} at {centre}: the {device} reports \u2018{state}\u2019 (since {since}).")
DEVICE_NAMES = {"camera": N_("camera"), "printer": N_("printer")}
#: a resident's call for help at a kiosk: an incident too, e-mailed to the centre's duty
#: volunteer (``NANUM_DUTY_EMAIL``) instead of the city's IT, closed when the call is
HELP = "help"
DUTY_ENV = "NANUM_DUTY_EMAIL"
HELP_SUBJECT = N_("Help asked at {centre}")
HELP_MAIL = N_("A resident asked for help at kiosk {kiosk} of {centre} at {since}. Please go to the kiosk.")
TEXTS = {
    "fleet_title": N_("Kiosk fleet"), "centre": N_("Centre"), "district": N_("District"),
    "kiosk": N_("Kiosk"), "version": N_("Version"), "heartbeat": N_("Last heartbeat"),
    "camera": N_("Camera"), "printer": N_("Printer"), "outbox": N_("Waiting to send"),
    "last_sync": N_("Last sync"), "last_error": N_("Last sync error"), "status": N_("Status"),
    "fine": N_("working"), "never": N_("never"), "signout": N_("Sign out"),
    "none_here": N_("No kiosks here yet."),
}
SUMMARY = N_("{kiosks} kiosks, {flagged} need attention. Silent means no heartbeat for {minutes} minutes.")
SIGNED_IN_AS = N_("Signed in as {name} ({scope}).")
PROBLEMS = {"silent": N_("silent"), "camera": N_("camera failing"), "printer": N_("printer failing")}
#: kiosk.devices.DEVICE_STATES as the page says them (any other state is shown as sent)
STATES = {"ok": N_("working"), "degraded": N_("unreliable"), "missing": N_("not found"),
          "off": N_("switched off"), "none": N_("not installed"), "unknown": N_("not known")}


class FleetIncident(Base):
    """A problem of one kiosk (``kind``: silent, camera or printer) from when the check
    first saw it until it was over; e-mailed once (``notified_at``)."""

    __tablename__ = "fleet_incidents"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(40))  # the device's state, or "silent"
    opened_at: Mapped[str] = mapped_column(String(32))
    closed_at: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    queued_at: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    notified_at: Mapped[str | None] = mapped_column(String(32), nullable=True)


class FleetKiosk(BaseModel):
    kiosk_id: str
    site: str
    site_name: str
    district: str | None = Field(description="the site's 자치구 (unset: null)")
    version: str | None
    last_heartbeat: str | None = Field(description="when the platform received the last heartbeat")
    camera: str
    printer: str
    outbox_depth: int | None = Field(description="events the kiosk had not sent yet")
    last_sync: str | None
    last_error: str | None = Field(description="the last sync error the kiosk told (kept until a new one)")
    last_error_at: str | None
    crashes_24h: int | None
    disk_free_mb: int | None
    silent: bool = Field(description="no heartbeat for the fleet's silent time")
    problems: list[str] = Field(description="silent, camera, printer: what is flagged")


class Fleet(BaseModel):
    """The kiosks the account covers, flagged ones first."""

    now: str
    silent_minutes: int
    kiosks: list[FleetKiosk]


def silent_minutes(env: Mapping[str, str] | None = None) -> int:
    """The silent time: ``NANUM_FLEET_SILENT_MINUTES`` (whole minutes, at least 1) or 30."""
    text = (os.environ if env is None else env).get(SILENT_ENV, "").strip()
    return max(1, int(text)) if text.isdigit() else SILENT_MINUTES


def recipients(env: Mapping[str, str] | None = None) -> list[str]:
    text = (os.environ if env is None else env).get(EMAIL_ENV, "")
    return [a.strip() for a in text.split(",") if "@" in a.strip()]


def duty_recipients(site: str, env: Mapping[str, str] | None = None) -> list[str]:
    """The duty volunteer's addresses of ``site`` from ``NANUM_DUTY_EMAIL``
    (``GN01=a@example.kr,b@example.kr;MP01=c@example.kr``); none when the site has none."""
    text = (os.environ if env is None else env).get(DUTY_ENV, "")
    for entry in text.split(";"):
        code, _, addresses = entry.partition("=")
        if code.strip() == site:
            return [a.strip() for a in addresses.split(",") if "@" in a.strip()]
    return []


def open_help_call(s: Session, kiosk_id: str, call_id: str, at: str) -> None:
    """A resident asked for help at ``kiosk_id`` (``help.requested``): the call is an open
    incident until it is cancelled or answered; the check queues its e-mail."""
    if s.execute(select(FleetIncident.id).where(FleetIncident.kind == HELP,
                                                FleetIncident.state == call_id)).first() is None:
        s.add(FleetIncident(kiosk_id=kiosk_id, kind=HELP, state=call_id, opened_at=at))


def close_help_call(s: Session, kiosk_id: str, call_id: str, at: str) -> None:
    """The call was cancelled by the resident or answered by staff (an e-mail not sent yet
    is not sent)."""
    s.execute(update(FleetIncident).where(
        FleetIncident.kind == HELP, FleetIncident.kiosk_id == kiosk_id, FleetIncident.state == call_id,
        FleetIncident.closed_at.is_(None)).values(closed_at=at))


def record_heartbeat(k: Kiosk, beat: dict[str, Any], at: str) -> None:
    """Keep kiosk ``k``'s heartbeat; the last sync error it told stays until it tells another."""
    before = k.heartbeat if isinstance(k.heartbeat, dict) else {}
    if not beat.get("last_error") and before.get("last_error"):
        beat = beat | {"last_error": before["last_error"], "last_error_at": before.get("last_error_at")}
    k.heartbeat = beat | {"received_at": at}
    k.last_seen_at = at


def _failing(state: object) -> bool:
    return isinstance(state, str) and state not in FINE


def problems_of(k: Kiosk, now: dt.datetime, minutes: int) -> dict[str, str]:
    """What is wrong with kiosk ``k`` at ``now``: kind -> state (silent, camera, printer)."""
    beat = k.heartbeat if isinstance(k.heartbeat, dict) else {}
    heard = beat.get("received_at") or k.created_at
    out = {}
    try:
        if now - from_iso(heard) > dt.timedelta(minutes=minutes):
            out["silent"] = "silent"
    except (TypeError, ValueError):
        out["silent"] = "silent"  # a time that does not read is no sign of life
    for device in DEVICES:
        if _failing(beat.get(device)):
            out[device] = str(beat[device])[:40]
    return out


def _row(k: Kiosk, site: Site | None, now: dt.datetime, minutes: int) -> dict[str, Any]:
    beat = k.heartbeat if isinstance(k.heartbeat, dict) else {}

    def text(key: str) -> str | None:
        value = beat.get(key)
        return value if isinstance(value, str) else None

    def number(key: str) -> int | None:
        value = beat.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    flagged = problems_of(k, now, minutes)
    return {"kiosk_id": k.kiosk_id, "site": k.site, "site_name": site.name if site else k.site,
            "district": site.district if site else None, "version": text("version"),
            "last_heartbeat": text("received_at"), "camera": text("camera") or "unknown",
            "printer": text("printer") or "unknown", "outbox_depth": number("outbox_depth"),
            "last_sync": text("last_sync"), "last_error": text("last_error"),
            "last_error_at": text("last_error_at"), "crashes_24h": number("crashes_24h"),
            "disk_free_mb": number("disk_free_mb"), "silent": "silent" in flagged,
            "problems": [kind for kind in ("silent", *DEVICES) if kind in flagged]}


def fleet(s: Session, sites: set[str] | None, now: dt.datetime, minutes: int) -> list[dict[str, Any]]:
    """Every kiosk (not revoked) of ``sites`` (None: all), flagged ones first."""
    q = select(Kiosk).where(Kiosk.revoked_at.is_(None))
    if sites is not None:
        q = q.where(Kiosk.site.in_(sites))
    names = {x.code: x for x in s.execute(select(Site)).scalars()}
    rows = [_row(k, names.get(k.site), now, minutes) for k in s.execute(q).scalars()]
    rows.sort(key=lambda r: (not r["problems"], r["district"] or "", r["site"], r["kiosk_id"]))
    return rows


def check(db: Database, now: dt.datetime, minutes: int) -> list[int]:
    """Open an incident for every new problem, close those that are over; returns the
    incidents not yet queued for their e-mail."""
    with db.transaction() as s:
        kiosks = {k.kiosk_id: k for k in s.execute(select(Kiosk)).scalars()}
        open_ = {(i.kiosk_id, i.kind): i for i in s.execute(
            select(FleetIncident).where(FleetIncident.closed_at.is_(None),
                                        FleetIncident.kind != HELP)).scalars()}
        seen = set()
        for k in kiosks.values():
            if k.revoked_at is not None:
                continue
            for kind, state in problems_of(k, now, minutes).items():
                seen.add((k.kiosk_id, kind))
                if (k.kiosk_id, kind) not in open_:
                    s.add(FleetIncident(kiosk_id=k.kiosk_id, kind=kind, state=state, opened_at=to_iso(now)))
        for key, incident in open_.items():
            if key not in seen:
                incident.closed_at = to_iso(now)
        s.flush()
        return list(s.execute(select(FleetIncident.id).where(
            FleetIncident.closed_at.is_(None), FleetIncident.queued_at.is_(None))
            .order_by(FleetIncident.id)).scalars())


def mark_queued(db: Database, incident_id: int, now: dt.datetime) -> None:
    with db.transaction() as s:
        s.execute(update(FleetIncident).where(FleetIncident.id == incident_id).values(queued_at=to_iso(now)))


def _seoul(iso: str | None) -> str:
    """An ISO time as people in Seoul read it (``2026-03-10 10:00``)."""
    if not iso:
        return ""
    try:  # the platform's own times, or any ISO 8601 time a kiosk sent
        at = dt.datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return iso[:32]
    return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).astimezone(SEOUL).strftime("%Y-%m-%d %H:%M")


def message(s: Session, incident: FleetIncident, lang: str = MAIL_LANG) -> tuple[str, str]:
    """(subject, text) of an incident's e-mail."""
    k = s.get(Kiosk, incident.kiosk_id)
    site = s.get(Site, k.site) if k is not None else None
    centre = f"{site.name} ({site.code}, {site.district})" if site and site.district else \
        f"{site.name} ({site.code})" if site else "?"
    if incident.kind == HELP:
        return (translate(HELP_SUBJECT, lang, centre=centre),
                translate(HELP_MAIL, lang, kiosk=incident.kiosk_id, centre=centre,
                          since=_seoul(incident.opened_at)))
    if incident.kind == "silent":
        beat = k.heartbeat if k is not None and isinstance(k.heartbeat, dict) else {}
        since = beat.get("received_at") or (k.created_at if k else incident.opened_at)
        text = translate(SILENT_MAIL, lang, kiosk=incident.kiosk_id, centre=centre, since=_seoul(since))
    else:
        text = translate(DEVICE_MAIL, lang, kiosk=incident.kiosk_id, centre=centre,
                         device=translate(DEVICE_NAMES.get(incident.kind, incident.kind), lang),
                         state=incident.state, since=_seoul(incident.opened_at))
    return translate(SUBJECT, lang, kiosk=incident.kiosk_id), text


def notify(db: Database, incident_id: int, channel: notices.Channel | None, to: list[str],
           now: dt.datetime) -> str:
    """E-mail incident ``incident_id`` to ``to`` once (raises when the channel fails: the
    job queue retries with the same message key)."""
    with db.transaction() as s:
        incident = s.get(FleetIncident, incident_id)
        if incident is None or incident.notified_at is not None:
            return "already told"
        if incident.kind == HELP:
            if incident.closed_at is not None:
                return "closed before it was sent"  # cancelled, or staff were already there
            k = s.get(Kiosk, incident.kiosk_id)
            to = duty_recipients(k.site) if k is not None else []
        if channel is None or not to:
            return "no e-mail configured"
        subject, text = message(s, incident)
    for n, address in enumerate(to):
        channel.send(address, subject, text, f"nanum-fleet-{incident_id}-{n}")
    with db.transaction() as s:
        s.execute(update(FleetIncident).where(FleetIncident.id == incident_id).values(notified_at=to_iso(now)))
    log.info("fleet incident %s: e-mailed", incident_id)
    return "sent"


def register_tasks(app: procrastinate.App, db: Database, sending: Mapping[str, notices.Channel],
                   cron: str | None = None) -> None:
    """The job queue's ``fleet.check`` (periodic) and ``fleet.notify`` tasks, queue ``fleet``."""
    cron = cron or os.environ.get(CHECK_CRON_ENV, CHECK_CRON)
    minutes, to = silent_minutes(), recipients()

    @app.task(name="fleet.notify", queue="fleet", pass_context=False,
              retry=procrastinate.RetryStrategy(max_attempts=5, exponential_wait=5))
    async def notify_task(incident_id: int) -> str:
        return await asyncio.to_thread(notify, db, incident_id, sending.get("email"), to, utcnow())

    @app.periodic(cron=cron, periodic_id="fleet")
    @app.task(name="fleet.check", queue="fleet", queueing_lock="fleet.check")
    async def check_task(timestamp: int) -> int:
        """Flag silent kiosks and failing devices; queue one e-mail per new incident."""
        fresh = await asyncio.to_thread(check, db, utcnow(), minutes)
        for incident_id in fresh:
            try:  # first the job, then the mark: a crash between them only queues it twice
                await notify_task.configure(queueing_lock=f"fleet-{incident_id}").defer_async(
                    incident_id=incident_id)
            except procrastinate.exceptions.AlreadyEnqueued:
                pass
            await asyncio.to_thread(mark_queued, db, incident_id, utcnow())
        return len(fresh)


# -- the page and the API -----------------------------------------------------------------
def _scope(who: roles.Principal, s: Session, district: str | None, site: str | None) -> set[str] | None:
    """The sites to show: the account's, narrowed by ``district`` or ``site`` (403 outside it)."""
    wanted_district = roles.normalise_district(district) if district else None
    roles.allow(who, s, sites=[site] if site else (), districts=[wanted_district] if wanted_district else ())
    sites = roles.visible_sites(who, s)
    if wanted_district:
        in_district = set(s.execute(select(Site.code).where(Site.district == wanted_district)).scalars())
        sites = in_district if sites is None else sites & in_district
    if site:
        sites = {site} if sites is None else sites & {site}
    return sites


def register_fleet(app: FastAPI, db: Database) -> None:
    """``GET /api/v1/fleet`` and the page ``/admin/fleet``."""
    from sync.hub import pages

    def now() -> dt.datetime:
        clock = app.state.clock
        at: dt.datetime = clock()
        return at

    def listing(who: roles.Principal, district: str | None, site: str | None) -> dict[str, Any]:
        minutes = silent_minutes()
        at = now()
        with db.transaction() as s:
            return {"now": to_iso(at), "silent_minutes": minutes,
                    "kiosks": fleet(s, _scope(who, s, district, site), at, minutes)}

    @app.get(API_PREFIX + "/fleet", tags=["fleet"], response_model=Fleet,
             responses={400: {"model": ErrorBody}, 401: {"model": ErrorBody}, 403: {"model": ErrorBody},
                        404: {"model": ErrorBody}})
    def fleet_api(district: str | None = Query(None, max_length=40, description="e.g. 강남구",
                                               json_schema_extra={"enum": list(roles.DISTRICTS)}),
                  site: str | None = Query(None, max_length=32),
                  who: roles.Principal = Depends(roles.principal)) -> dict[str, Any]:
        """Every kiosk the account covers (``Authorization: Bearer <administrator's token>``),
        flagged ones first; ``district`` or ``site`` narrow it (403 outside the account)."""
        return listing(who, district, site)

    @app.get("/admin/fleet", response_class=HTMLResponse, include_in_schema=False)
    def fleet_page(request: Request) -> Response:
        lang = pages.page_language(request)
        found = roles.session_of(db, request, now())
        if found is None:
            return roles.signin_redirect(request)
        who, csrf = found
        district = request.query_params.get("district", "")[:40] or None
        data = listing(who, district, None)  # ApiError (403) answers with the error body

        def state(value: str) -> str:
            return translate(STATES[value], lang) if value in STATES else value
        rows = [{**r, "heartbeat_seoul": _seoul(r["last_heartbeat"]) or translate(TEXTS["never"], lang),
                 "sync_seoul": _seoul(r["last_sync"]), "error_seoul": _seoul(r["last_error_at"]),
                 "camera_text": state(r["camera"]), "printer_text": state(r["printer"]),
                 "problem_texts": [translate(PROBLEMS[p], lang) for p in r["problems"]]}
                for r in data["kiosks"]]
        flagged = sum(1 for r in rows if r["problems"])
        page = pages.render("fleet.html", lang, translate(TEXTS["fleet_title"], lang), texts=TEXTS,
                            rows=rows, csrf=csrf, txt={
                                "summary": translate(SUMMARY, lang, kiosks=len(rows), flagged=flagged,
                                                     minutes=data["silent_minutes"]),
                                "signed_in_as": translate(SIGNED_IN_AS, lang, name=who.name, scope=who.scope)})
        page.headers["Cache-Control"] = "no-store"
        return page
