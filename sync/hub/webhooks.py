"""Signed webhooks to partners: what happened to the reservations they made, and
when an item's availability changed.

A periodic job (``webhooks.sweep``) compares each partner reservation's status
with the status its webhooks last told, and each item's availability with what
was last told, and writes the missing webhooks, numbered per subject (``seq``:
1, 2, 3 ... for each reservation). A delivery job per (partner, subject) sends a
subject's webhooks in that order and stops at the first that fails, so a later
one never overtakes it; the job is retried with growing waits (procrastinate),
and the next sweep queues it again while webhooks are left.

Each delivery is signed with the partner's webhook secret::

    Nanum-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>

so the partner checks that the platform sent exactly this body recently; the
``id`` and ``seq`` in the body let it refuse a replay (docs/partner-guide.md).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import procrastinate
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from kiosk.clock import to_iso, utcnow
from sync.hub import partners as P
from sync.hub.db import Database
from sync.hub.feed import ACTIVE_RESERVATION
from sync.hub.models import Item, Reservation
from sync.hub.partners_models import Partner, PartnerAvailability, PartnerReservation, WebhookEvent

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "Nanum-Signature"
HELD, READY, COLLECTED = "reservation.held", "reservation.ready", "reservation.collected"
EXPIRED, CANCELLED, AVAILABILITY = "reservation.expired", "reservation.cancelled", "item.availability"
#: attempts of one delivery job (waits of 2, 4, 8 ... seconds between them)
JOB_ATTEMPTS = 8
#: a subject whose first webhook failed this many times is left for the city's staff
GIVE_UP = 200
TIMEOUT_S = 10.0
SWEEP_LOCK = 0x6E616E756D  # a PostgreSQL advisory lock: one sweep at a time


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Nanum-Signature`` header for ``body`` sent at ``timestamp`` (unix seconds)."""
    mac = hmac.new(secret.encode("utf-8"), str(timestamp).encode("ascii") + b"." + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance_s: int = 300) -> bool:
    """What a partner checks (the reference for docs/partner-guide.md): the signature
    matches the body and the timestamp is within ``tolerance_s`` of ``now``."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        t = int(fields.get("t", ""))
    except ValueError:
        return False
    if abs(now - t) > tolerance_s:
        return False
    expected = sign(secret, t, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


def transitions(told: str, now: str, accepted: bool = False, shelved: bool = False) -> list[str]:
    """The webhooks that take a partner from status ``told`` to status ``now``.

    A sweep may see a reservation only after it has passed through states (held,
    then collected, between two sweeps): ``accepted`` (the kiosk took it) and
    ``shelved`` (it was held on the shelf until a day) tell the steps it took, so
    the partner still hears held and ready before collected.
    """
    if told == now:
        return []
    steps: list[str] = []
    if told == "requested" and (accepted or now in ("waiting", "held")):
        steps.append(HELD)
    if told in ("requested", "waiting") and (now == "held" or (shelved and now in ("fulfilled", "expired"))):
        steps.append(READY)
    final = {"fulfilled": COLLECTED, "expired": EXPIRED, "cancelled": CANCELLED}.get(now)
    return steps + [final] if final else steps


def _event(s: Session, partner: str, subject: str, seq: int, kind: str, data: dict[str, Any], now: str) -> None:
    eid = str(uuid.uuid4())
    body = {"id": eid, "type": kind, "subject": subject, "seq": seq, "created_at": now, "data": data}
    s.add(WebhookEvent(event_id=eid, partner_id=partner, subject=subject, seq=seq, type=kind,
                       body=json.dumps(body, ensure_ascii=False, sort_keys=True), created_at=now, attempts=0))


def sweep(db: Database, now: dt.datetime) -> list[tuple[str, str]]:
    """Write the webhooks due; returns the (partner, subject) pairs with webhooks to deliver."""
    stamp = to_iso(now)
    with db.transaction() as s:
        if db.postgres:
            s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SWEEP_LOCK})
        hooked = {p.client_id: p for p in s.execute(select(Partner).where(
            Partner.revoked_at.is_(None), Partner.webhook_url.is_not(None))).scalars()}
        for link, r in s.execute(select(PartnerReservation, Reservation).join(
                Reservation, Reservation.uid == PartnerReservation.reservation_uid).where(
                PartnerReservation.told_status.in_(ACTIVE_RESERVATION))).all():
            if r.status == link.told_status:
                continue
            if link.partner_id in hooked:
                site, _, code = r.item_key.rpartition("/")
                data = {"reservation": r.uid, "item": f"{site}/{code}", "site": r.site, "status": r.status,
                        "hold_until": r.hold_until}
                for kind in transitions(link.told_status, r.status, r.accepted_at is not None,
                                        r.hold_until is not None):
                    link.seq += 1
                    _event(s, link.partner_id, r.uid, link.seq, kind, data, stamp)
            link.told_status = r.status
        watching = [pid for pid, p in hooked.items() if P.CATALOGUE in (p.scopes or [])]
        if watching:
            _availability(s, watching, stamp)
        s.flush()
        pending = s.execute(select(WebhookEvent.partner_id, WebhookEvent.subject).where(
            WebhookEvent.delivered_at.is_(None), WebhookEvent.attempts < GIVE_UP).distinct()).all()
        return [(p, subj) for p, subj in pending]


def _availability(s: Session, partners: list[str], stamp: str) -> None:
    """Webhooks for items whose availability changed since last told. An item seen for
    the first time is only recorded: a partner reads the current state from the catalogue."""
    waiting = dict(s.execute(select(Reservation.item_key, func.count()).where(
        Reservation.status.in_(ACTIVE_RESERVATION)).group_by(Reservation.item_key)).all())
    told = {a.item_key: a for a in s.execute(select(PartnerAvailability)).scalars()}
    for key, site, code, status, retired in s.execute(select(
            Item.key, Item.home_site, Item.code, Item.status, Item.retired).where(Item.origin != "placeholder")):
        free = status == "available" and not retired and not waiting.get(key)
        row = told.get(key)
        if row is None:
            s.add(PartnerAvailability(item_key=key, available=free, seq=0))
        elif row.available != free:
            row.available, row.seq = free, row.seq + 1
            data = {"item": key, "site": site, "code": code, "available": free,
                    "status": "retired" if retired else status}
            for pid in partners:
                _event(s, pid, key, row.seq, AVAILABILITY, data, stamp)


class Undelivered(Exception):
    """A webhook the partner did not accept: the job is retried later."""


Post = Callable[[str, bytes, dict[str, str]], int]


def http_post(url: str, body: bytes, headers: dict[str, str]) -> int:
    with httpx.Client(timeout=TIMEOUT_S, follow_redirects=False) as c:
        return c.post(url, content=body, headers=headers).status_code


def deliver(db: Database, partner_id: str, subject: str, post: Post = http_post,
            clock: Callable[[], dt.datetime] = utcnow) -> int:
    """Send the subject's undelivered webhooks in order; returns how many went.
    Raises :class:`Undelivered` at the first the partner does not accept."""
    sent = 0
    while True:
        with db.transaction() as s:
            p = s.get(Partner, partner_id)
            ev = s.execute(select(WebhookEvent).where(
                WebhookEvent.partner_id == partner_id, WebhookEvent.subject == subject,
                WebhookEvent.delivered_at.is_(None)).order_by(WebhookEvent.seq).limit(1)).scalars().first()
            if ev is None or p is None or p.revoked_at is not None or not p.webhook_url:
                return sent
            url, secret, body, eid, seq = p.webhook_url, p.webhook_secret, ev.body.encode(), ev.event_id, ev.seq
        now = clock()
        headers = {"Content-Type": "application/json", "Nanum-Webhook-Id": eid, "Nanum-Webhook-Seq": str(seq),
                   SIGNATURE_HEADER: sign(secret, int(now.timestamp()), body)}
        try:
            status, error = post(url, body, headers), None
        except httpx.HTTPError as exc:
            status, error = 0, type(exc).__name__
        with db.transaction() as s:
            row = s.execute(select(WebhookEvent).where(WebhookEvent.event_id == eid)).scalar_one()
            row.attempts += 1
            if 200 <= status < 300:
                row.delivered_at, row.error = to_iso(now), None
            else:
                row.error = error or f"HTTP {status}"
        if not 200 <= status < 300:
            log.warning("webhook %s (%s #%d) to %s not accepted: %s", eid, subject, seq, partner_id,
                        error or status)
            raise Undelivered(f"{subject} #{seq}: {error or status}")
        sent += 1


def register_tasks(app: procrastinate.App, db: Database, sweep_cron: str) -> None:
    """The webhook jobs on the platform's job queue (queue ``webhooks``)."""

    @app.task(name="webhooks.deliver", queue="webhooks", pass_context=False,
              retry=procrastinate.RetryStrategy(max_attempts=JOB_ATTEMPTS, exponential_wait=2,
                                                retry_exceptions={Undelivered}))
    async def deliver_job(partner_id: str, subject: str) -> int:
        return await asyncio.to_thread(deliver, db, partner_id, subject)

    @app.periodic(cron=sweep_cron, periodic_id="webhooks")
    @app.task(name="webhooks.sweep", queue="webhooks", queueing_lock="webhooks.sweep")
    async def sweep_job(timestamp: int) -> int:
        due = await asyncio.to_thread(sweep, db, utcnow())
        for partner_id, subject in due:
            lock = f"webhook:{partner_id}:{subject}"
            try:  # one job per subject at a time, run in the order queued: webhooks stay in order
                await deliver_job.configure(lock=lock, queueing_lock=lock).defer_async(
                    partner_id=partner_id, subject=subject)
            except procrastinate.exceptions.AlreadyEnqueued:
                pass
        return len(due)
