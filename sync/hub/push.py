"""Push: store a kiosk's events idempotently, then apply them (sync.hub.ingest).

A batch is applied completely or not at all (one transaction). Events are
stored under ``event_id`` (primary key) and ``(kiosk_id, seq)`` (unique); the
answer is the highest contiguous sequence held; a batch that starts past it
is refused as a gap and the kiosk resends from there. The hash chain is
checked on arrival, so the platform's copy of the log verifies like the kiosk's.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from kiosk.clock import from_iso
from kiosk.store.events import HybridClock, event_hash
from sync.hub.ingest import Applier
from sync.hub.models import Event, Kiosk
from sync.protocol import PushRequest


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
        want = event_hash(prev, e.seq, e.event_id, e.kiosk_id, e.type, e.at, e.hlc, e.actor, e.payload)
        if e.prev_hash != prev or e.hash != want:
            raise PushError("chain_broken", "the event's hash does not match the chain", seq=e.seq)
        prev = e.hash
    if new:
        s.execute(insert(Event), [dict(e.model_dump(), received_at=now) for e in new])
        Applier(s, kiosk, now).apply_all(new)
        kiosk.held_seq = new[-1].seq
        kiosk.head_hash = prev
        kiosk.last_push_at = now
    kiosk.last_seen_at = now
    return {"status": "ok", "held": kiosk.held_seq, "resend_from": None, "accepted": len(new),
            "duplicates": len(old), "server_hlc": server_hlc}


def _ms(iso: str) -> int:
    return int(from_iso(iso).timestamp() * 1000)
