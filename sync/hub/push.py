"""Push: store a kiosk's events idempotently, then apply them (sync.hub.ingest).

A batch is applied completely or not at all (one transaction). Events are
stored under ``event_id`` (primary key) and ``(kiosk_id, seq)`` (unique); the
answer is the highest contiguous sequence held; a batch that starts past it
is refused as a gap and the kiosk resends from there. The hash chain is
checked on arrival, so the platform's copy of the log verifies like the kiosk's.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from kiosk.clock import from_iso
from kiosk.store.events import HybridClock
from sync.hub.bulk import insert_rows
from sync.hub.fastapply import BatchApplier
from sync.hub.models import Event, Kiosk
from sync.protocol import PushRequest, WireEvent

EVENT_COLUMNS = ("event_id", "kiosk_id", "seq", "type", "at", "hlc", "actor", "payload",
                 "prev_hash", "hash", "received_at")
_quote = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) writes for a str


class PushError(Exception):
    def __init__(self, code: str, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail


def push(s: Session, kiosk: Kiosk, req: PushRequest, now: str) -> dict[str, Any]:
    """Store and apply one batch for the (authenticated, row-locked) ``kiosk``."""
    events = sorted(req.events, key=lambda e: e.seq)
    if any(e.kiosk_id != kiosk.kiosk_id for e in events) or req.kiosk_id != kiosk.kiosk_id:
        raise PushError("forbidden", "events of another kiosk")
    for a, b in zip(events, events[1:]):
        if b.seq != a.seq + 1:
            raise PushError("bad_batch", "a batch must be contiguous", seq=b.seq)
    held = kiosk.held_seq
    old = [e for e in events if e.seq <= held]
    if old:
        stored = dict(s.execute(select(Event.seq, Event.event_id).where(
            Event.kiosk_id == kiosk.kiosk_id, Event.seq.in_([e.seq for e in old]))).all())
        for e in old:
            if stored.get(e.seq) != e.event_id:
                raise PushError("fork", "the kiosk's log differs from the one already received "
                                "(restored from an old backup?)", seq=e.seq)
    new = [e for e in events if e.seq > held]
    server_hlc = HybridClock.tick(None, _ms(now), events[-1].hlc if events else None)
    if new and new[0].seq != held + 1:
        return {"status": "gap", "held": held, "resend_from": held + 1, "accepted": 0,
                "duplicates": len(old), "server_hlc": server_hlc}
    prev = kiosk.head_hash
    for e in new:
        if e.prev_hash != prev or e.hash != chain_hash(prev, e):
            raise PushError("chain_broken", "the event's hash does not match the chain", seq=e.seq)
        prev = e.hash
    if new:
        if s.connection().dialect.name == "postgresql":
            # Plan this push's lookups for the tables as they are now: a plan cached
            # while the tables were nearly empty would scan them whole once they grow.
            s.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        insert_rows(s, Event.__table__, EVENT_COLUMNS,
                    [(e.event_id, e.kiosk_id, e.seq, e.type, e.at, e.hlc, e.actor, e.payload,
                      e.prev_hash, e.hash, now) for e in new])
        BatchApplier(s, kiosk, now).apply_all(new)
        kiosk.held_seq = new[-1].seq
        kiosk.head_hash = prev
        kiosk.last_push_at = now
    kiosk.last_seen_at = now
    return {"status": "ok", "held": kiosk.held_seq, "resend_from": None, "accepted": len(new),
            "duplicates": len(old), "server_hlc": server_hlc}


def chain_hash(prev: str, e: WireEvent) -> str:
    """kiosk.store.events.event_hash of a wire event, without building a dict per event.

    The text is the same canonical JSON (keys sorted, no spaces, UTF-8 kept);
    tests/sync/test_sync_ingest_fast.py checks the two agree.
    """
    body = (f'{{"actor":{"null" if e.actor is None else _quote(e.actor)},"at":{_quote(e.at)},'
            f'"event_id":{_quote(e.event_id)},"hlc":{_quote(e.hlc)},"kiosk_id":{_quote(e.kiosk_id)},'
            f'"payload":{_quote(e.payload)},"seq":{int.__repr__(e.seq)},"type":{_quote(e.type)}}}')
    return hashlib.sha256((prev + body).encode("utf-8")).hexdigest()


def _ms(iso: str) -> int:
    return int(from_iso(iso).timestamp() * 1000)
