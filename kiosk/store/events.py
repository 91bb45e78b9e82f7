"""The append-only event log: outbox for sync and tamper-evident audit trail.

Every change of state appends exactly one event in the same transaction as the
change. Events of one kiosk carry a gap-free sequence number; each event's hash
is SHA-256 over the previous hash and the canonical JSON of the event, so an
edited, removed or reordered event breaks the chain at that point.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from kiosk.i18n import N_
from kiosk.store.models import Event
from kiosk.store.seal import reseal

GENESIS = "0" * 64


def canonical_json(obj: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(prev_hash: str, seq: int, event_id: str, kiosk_id: str, type_: str,
               at: str, hlc: str, actor: str | None, payload: str) -> str:
    body = canonical_json({"seq": seq, "event_id": event_id, "kiosk_id": kiosk_id,
                           "type": type_, "at": at, "hlc": hlc, "actor": actor,
                           "payload": payload})
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


class HybridClock:
    """A hybrid logical clock: orders events even when the wall clock jumps back.

    Stamps are ``"<physical ms, 15 digits>.<counter, 5 digits>"`` so they sort
    as strings.
    """

    @staticmethod
    def parse(stamp: str | None) -> tuple[int, int]:
        if not stamp:
            return (0, 0)
        ms, counter = stamp.split(".")
        return int(ms), int(counter)

    @staticmethod
    def format(ms: int, counter: int) -> str:
        return f"{ms:015d}.{counter:05d}"

    @classmethod
    def tick(cls, last: str | None, wall_ms: int, remote: str | None = None) -> str:
        l_ms, l_c = cls.parse(last)
        if remote:
            r_ms, r_c = cls.parse(remote)
            if r_ms > l_ms or (r_ms == l_ms and r_c > l_c):
                l_ms, l_c = r_ms, r_c
        if wall_ms > l_ms:
            return cls.format(wall_ms, 0)
        return cls.format(l_ms, l_c + 1)


def append_event(session: Session, *, kiosk_id: str, type_: str, payload: dict[str, Any],
                 at: str, wall_ms: int, actor: str | None = None) -> Event:
    """Append one event in the caller's transaction and return it.

    The caller's transaction began with ``BEGIN IMMEDIATE``, so reading the
    last sequence here cannot race another writer.
    """
    session.flush()  # the state change this event records goes first
    last = session.connection().execute(_LAST_EVENT).first()
    seq = (last.seq + 1) if last else 1
    prev = last.hash if last else GENESIS
    hlc = HybridClock.tick(last.hlc if last else None, wall_ms)
    event_id = str(uuid.uuid4())
    body = canonical_json(payload)
    row = dict(seq=seq, event_id=event_id, kiosk_id=kiosk_id, type=type_, at=at, hlc=hlc,
               actor=actor, payload=body, prev_hash=prev,
               hash=event_hash(prev, seq, event_id, kiosk_id, type_, at, hlc, actor, body))
    # Core statements on the session's connection: events are never updated,
    # so the ORM's unit of work and statement handling buy nothing here.
    session.connection().execute(_INSERT_EVENT, row)
    log_key = session.info.get("log_key")
    if log_key is not None and log_key.key is not None:
        # The seal moves to the head once, as the transaction commits (kiosk.store.seal).
        session.info["seal_head"] = (kiosk_id, seq, row["hash"])
    return Event(**row)


@sa_event.listens_for(Session, "before_commit")
def _seal_head(session: Session) -> None:
    head = session.info.pop("seal_head", None)
    if head is not None:
        reseal(session.connection(), session.info["log_key"].key, *head)


@sa_event.listens_for(Session, "after_rollback")
def _forget_head(session: Session) -> None:
    session.info.pop("seal_head", None)


_INSERT_EVENT = insert(Event)
_LAST_EVENT = select(Event.seq, Event.hash, Event.hlc).order_by(Event.seq.desc()).limit(1)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    count: int
    first_bad_seq: int | None = None
    reason: str | None = None


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Walk the whole log and check sequence and hashes."""
    prev = GENESIS
    expected = 1
    count = 0
    last_seq = 0
    while True:
        rows = session.execute(select(Event).where(Event.seq > last_seq)
                               .order_by(Event.seq).limit(batch)).scalars().all()
        if not rows:
            break
        for ev in rows:
            if ev.seq != expected:
                return ChainReport(False, count, expected, N_("missing event"))
            if ev.prev_hash != prev:
                return ChainReport(False, count, ev.seq, N_("previous hash does not match"))
            want = event_hash(prev, ev.seq, ev.event_id, ev.kiosk_id, ev.type, ev.at, ev.hlc,
                              ev.actor, ev.payload)
            if ev.hash != want:
                return ChainReport(False, count, ev.seq, N_("content does not match its hash"))
            prev = ev.hash
            expected += 1
            count += 1
            last_seq = ev.seq
        session.expunge_all()
    return ChainReport(True, count)


def event_count(session: Session, type_: str | None = None) -> int:
    q = select(func.count()).select_from(Event)
    if type_:
        q = q.where(Event.type == type_)
    return session.execute(q).scalar_one()
