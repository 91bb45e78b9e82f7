"""Push: store a kiosk's events idempotently, then apply them (sync.hub.ingest).

A batch is applied completely or not at all (one transaction). Events are
stored under ``event_id`` (primary key) and ``(kiosk_id, seq)`` (unique); the
answer is the highest contiguous sequence held; a batch that starts past it
is refused as a gap and the kiosk resends from there. The hash chain is
checked on arrival, so the platform's copy of the log verifies like the kiosk's.

Every event is then checked on its own against the protocol's schema
(sync.events) and against what its kiosk may change (its own site's members
and items; circulation anywhere, flagged). An event that fails is
quarantined (table ``quarantined_events``, with the reason) instead of being
stored and applied; its sequence number counts as received, so the kiosk's
later events still flow and the answer names the quarantined ones.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from kiosk.clock import from_iso
from kiosk.limits import echo
from kiosk.store.events import HybridClock
from sync import events as schema
from sync.hub.bulk import insert_rows
from sync.hub.fastapply import BatchApplier
from sync.hub.ingest import name_items
from sync.hub.models import Conflict, Event, Item, Kiosk, Member, Quarantined, Reservation
from sync.protocol import PushedEvent, PushRequest, WireEvent

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
    now_ms = _ms(now)
    old = [e for e in events if e.seq <= held]
    held_aside: list[Quarantined] = []
    if old:
        seqs = [e.seq for e in old]
        stored = dict(s.execute(select(Event.seq, Event.event_id).where(
            Event.kiosk_id == kiosk.kiosk_id, Event.seq.in_(seqs))).all())
        held_aside = list(s.execute(select(Quarantined).where(
            Quarantined.kiosk_id == kiosk.kiosk_id, Quarantined.seq.in_(seqs))
            .order_by(Quarantined.seq)).scalars())
        aside = {q.seq: q.hash for q in held_aside}
        for e in old:
            if e.seq in aside:
                same = aside[e.seq] == e.hash
            else:
                same = stored.get(e.seq) == e.event_id
            if not same:
                raise PushError("fork", "the kiosk's log differs from the one already received "
                                "(restored from an old backup?)", seq=e.seq)
    new = [e for e in events if e.seq > held]
    if new and new[0].seq != held + 1:
        return {"status": "gap", "held": held, "resend_from": held + 1, "accepted": 0,
                "duplicates": len(old), "server_hlc": HybridClock.tick(None, now_ms),
                "quarantined": [_answer(q) for q in held_aside]}
    prev = kiosk.head_hash
    for e in new:
        if e.prev_hash != prev or e.hash != chain_hash(prev, e):
            raise PushError("chain_broken", "the event's hash does not match the chain", seq=e.seq)
        prev = e.hash
    good, refused = check_batch(s, kiosk, new, now_ms, now)
    if new:
        if s.connection().dialect.name == "postgresql":
            # Plan this push's lookups for the tables as they are now: a plan cached
            # while the tables were nearly empty would scan them whole once they grow.
            s.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        insert_rows(s, Event.__table__, EVENT_COLUMNS,
                    [(e.event_id, e.kiosk_id, e.seq, e.type, e.at, e.hlc, e.actor, e.payload,
                      e.prev_hash, e.hash, now) for e, _p in good])
        if refused:
            s.add_all(refused)
            s.flush()
        BatchApplier(s, kiosk, now).apply_parsed(good)
        kiosk.held_seq = new[-1].seq
        kiosk.head_hash = prev
        kiosk.last_push_at = now
    kiosk.last_seen_at = now
    newest = max((e.hlc for e, _p in good), default=None)
    return {"status": "ok", "held": kiosk.held_seq, "resend_from": None, "accepted": len(good),
            "duplicates": len(old), "server_hlc": HybridClock.tick(None, now_ms, newest),
            "quarantined": [_answer(q) for q in held_aside + refused]}


def check_batch(s: Session, kiosk: Kiosk, new: list[PushedEvent], now_ms: int, now: str
                ) -> tuple[list[tuple[WireEvent, dict[str, Any]]], list[Quarantined]]:
    """Split ``new`` into events to store and apply (validated, with their
    payloads) and events to quarantine (each with its reason, flagged)."""
    good: list[tuple[WireEvent, dict[str, Any]]] = []
    refused: dict[int, Quarantined] = {}
    for e in new:
        try:
            good.append(schema.check_event(e.model_dump(), now_ms))
        except schema.EventRefused as exc:
            refused[e.seq] = _quarantine(kiosk, e, exc.reason, exc.detail, now)
    name_items(good, kiosk.site)  # items by their city-wide key from here on
    for env in _reused_ids(s, good):
        refused[env.seq] = _quarantine(kiosk, env, schema.INVALID,
                                       f"event_id: {env.event_id} is already used", now)
    for env, reason in check_sites(s, kiosk, [(e, p) for e, p in good if e.seq not in refused], now):
        refused[env.seq] = _quarantine(kiosk, env, schema.FORBIDDEN, reason, now)
        s.add(Conflict(at=now, kiosk_id=kiosk.kiosk_id, event_id=env.event_id,
                       kind="foreign_site_refused", subject=_subject(env), detail={
                           "type": env.type, "seq": env.seq, "reason": reason}))
    for q in refused.values():
        if q.reason != schema.FORBIDDEN:
            s.add(Conflict(at=now, kiosk_id=kiosk.kiosk_id, event_id=None, kind="event_quarantined",
                           subject=f"seq {q.seq}", detail={"type": q.type, "reason": q.reason,
                                                           "detail": q.detail}))
    good = [(env, p) for env, p in good if env.seq not in refused]
    return good, sorted(refused.values(), key=lambda q: q.seq)


def _reused_ids(s: Session, good: list[tuple[WireEvent, dict[str, Any]]]) -> list[WireEvent]:
    """Events whose id another stored event (or an earlier one of the batch) has:
    storing them would fail the whole batch, again on every resend."""
    ids = [env.event_id for env, _p in good]
    taken: set[str] = set()
    for chunk in _chunks(sorted(set(ids))):
        taken.update(s.execute(select(Event.event_id).where(Event.event_id.in_(chunk))).scalars())
    out = []
    for env, _p in good:
        if env.event_id in taken:
            out.append(env)
        taken.add(env.event_id)
    return out


def check_sites(s: Session, kiosk: Kiosk, good: list[tuple[WireEvent, dict[str, Any]]], now: str
                ) -> list[tuple[WireEvent, str]]:
    """The events that change another site's records or speak for another site.

    Circulation is never refused (physical possession decides): a loan or
    return claiming another site is recorded at the kiosk's own site and
    flagged, a loan of another centre's item is flagged.
    """
    site = kiosk.site
    codes = {p["item"] for env, p in good
             if env.type in schema.ITEM_ADMIN | schema.CIRCULATION | schema.RESERVATIONS
             and isinstance(p.get("item"), str)}
    uids = {p["reservation"] for env, p in good if env.type in schema.RESERVATIONS
            and isinstance(p.get("reservation"), str)}
    numbers = {p["member"] for env, p in good if env.type in schema.MEMBER_ADMIN
               and isinstance(p.get("member"), str)}
    # site of each item, member and reservation, looked up with the payloads' values as sent
    homes: dict[object, str] = {}
    for chunk in _chunks(sorted(codes)):
        homes.update(s.execute(select(Item.key, Item.home_site).where(Item.key.in_(chunk))).all())
    members: dict[object, str] = {}
    for chunk in _chunks(sorted(numbers)):
        members.update(s.execute(select(Member.number, Member.home_site)
                                 .where(Member.number.in_(chunk))).all())
    queues: dict[object, str] = {}
    for chunk in _chunks(sorted(uids)):
        queues.update(s.execute(select(Reservation.uid, Reservation.site)
                                .where(Reservation.uid.in_(chunk))).all())
    out = []
    for env, p in good:
        claimed = p.get("home_site") if env.type == "item.added" else p.get("site")
        if env.type == "item.added" and isinstance(p.get("item"), str) \
                and p["item"].partition("/")[0] != site:
            claimed = p["item"].partition("/")[0]  # its item_site: a kiosk adds only its own items
        if env.type in schema.CIRCULATION:
            if claimed is not None and claimed != site:
                s.add(Conflict(at=now, kiosk_id=kiosk.kiosk_id, event_id=env.event_id,
                               kind="foreign_site_claimed", subject=_subject(env),
                               detail={"type": env.type, "claimed": claimed}))
                p["site"] = site  # it happened where the kiosk is
            home = homes.get(p.get("item"))
            if env.type == "loan.checked_out" and home is not None and home != site:
                s.add(Conflict(at=now, kiosk_id=kiosk.kiosk_id, event_id=env.event_id,
                               kind="foreign_item_lent", subject=p["item"],
                               detail={"home_site": home}))
        elif isinstance(claimed, str) and claimed != site:
            out.append((env, f"names site {claimed}, the kiosk is at {site}"))
        elif env.type in schema.ITEM_ADMIN and homes.get(p.get("item"), site) != site:
            out.append((env, f"item {p['item']} belongs to site {homes[p['item']]}"))
        elif env.type in schema.MEMBER_ADMIN and members.get(p.get("member"), site) != site:
            out.append((env, f"member {p['member']} belongs to site {members[p['member']]}"))
        elif env.type in schema.RESERVATIONS and queues.get(p.get("reservation"), site) != site:
            out.append((env, f"reservation {p['reservation']} is kept by site {queues[p['reservation']]}"))
        elif env.type == "reservation.created" and homes.get(p.get("item"), site) != site:
            out.append((env, f"item {p['item']} belongs to site {homes[p['item']]}"))
    return out


def _subject(env: Any) -> str:
    return echo(f"{env.type} seq {env.seq}")[:64]


def _quarantine(kiosk: Kiosk, e: Any, reason: str, detail: str, now: str) -> Quarantined:
    fields = {name: getattr(e, name) for name in EVENT_COLUMNS[:-1]}
    return Quarantined(kiosk_id=kiosk.kiosk_id, seq=e.seq, event_id=echo(e.event_id)[:80],
                       type=echo(e.type)[:80], reason=reason, detail=echo(detail)[:200],
                       prev_hash=e.prev_hash, hash=e.hash,
                       # ASCII JSON: every character escaped, so any text (NUL,
                       # lone surrogates) is kept as sent and fits any database.
                       raw=json.dumps(fields, ensure_ascii=True, sort_keys=True),
                       received_at=now)


def _answer(q: Quarantined) -> dict[str, Any]:
    return {"seq": q.seq, "event_id": q.event_id, "type": q.type, "reason": q.reason,
            "detail": q.detail}


def _chunks(values: list[str], n: int = 500) -> Iterator[list[str]]:
    for i in range(0, len(values), n):
        yield values[i:i + n]


def chain_hash(prev: str, e: PushedEvent | WireEvent) -> str:
    """kiosk.store.events.event_hash of a wire event, without building a dict per event.

    The text is the same canonical JSON (keys sorted, no spaces, UTF-8 kept);
    tests/sync/test_sync_ingest_fast.py checks the two agree.
    """
    body = (f'{{"actor":{"null" if e.actor is None else _quote(e.actor)},"at":{_quote(e.at)},'
            f'"event_id":{_quote(e.event_id)},"hlc":{_quote(e.hlc)},"kiosk_id":{_quote(e.kiosk_id)},'
            f'"payload":{_quote(e.payload)},"seq":{int.__repr__(e.seq)},"type":{_quote(e.type)}}}')
    try:
        return hashlib.sha256((prev + body).encode("utf-8")).hexdigest()
    except UnicodeEncodeError:
        return ""  # text no kiosk can hash (a lone surrogate): the chain cannot continue


def _ms(iso: str) -> int:
    return int(from_iso(iso).timestamp() * 1000)
