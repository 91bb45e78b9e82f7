"""A kiosk's own events, served back to it: recovery after the kiosk was restored.

A kiosk restored from an older backup has a log that ends before the
platform's copy of it. It fetches its events past a sequence (``GET
/api/v1/events?after=SEQ``) and replays them. Only the authenticated kiosk's
own events are served. Quarantined events belong to its log too (their
sequence numbers count as received and the chain runs through them), so
they are served as the kiosk sent them, from ``quarantined_events.raw``:
the pages carry the complete chain.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.hub.models import Event, Kiosk, Quarantined

_FIELDS = ("event_id", "kiosk_id", "seq", "type", "at", "hlc", "actor", "payload", "prev_hash", "hash")


def own_events(s: Session, kiosk: Kiosk, after: int, limit: int) -> dict[str, Any]:
    """Up to ``limit`` of ``kiosk``'s events with ``seq > after``, oldest first.

    ``held`` and ``head_hash`` say where the platform's copy ends; ``more``
    whether another page follows.
    """
    held = kiosk.held_seq
    upper = min(held, after + limit)  # never past what is held contiguously
    rows: dict[int, dict[str, Any]] = {}
    if upper > after:
        for e in s.execute(select(Event).where(Event.kiosk_id == kiosk.kiosk_id, Event.seq > after,
                                               Event.seq <= upper)).scalars():
            rows[e.seq] = {f: getattr(e, f) for f in _FIELDS}
        for q in s.execute(select(Quarantined).where(Quarantined.kiosk_id == kiosk.kiosk_id,
                                                     Quarantined.seq > after,
                                                     Quarantined.seq <= upper)).scalars():
            rows[q.seq] = _raw(q)
    events = [rows[seq] for seq in sorted(rows)]
    return {"events": events, "held": held, "head_hash": kiosk.head_hash,
            "more": upper < held}


def _raw(q: Quarantined) -> dict[str, Any]:
    """A quarantined event as its kiosk sent it (the fields the hash covers)."""
    try:
        raw = json.loads(q.raw)
    except ValueError:
        raw = {}
    out = {f: raw.get(f) for f in _FIELDS}
    out.update(seq=q.seq, prev_hash=q.prev_hash, hash=q.hash, kiosk_id=q.kiosk_id)
    return out
