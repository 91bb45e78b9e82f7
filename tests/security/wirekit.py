"""Hostile kiosks for the wire probes: events with valid hash chains and any content.

A :class:`Forger` holds a real kiosk credential and writes its own log: each
event continues the chain (kiosk.store.events.event_hash), so the platform's
chain check passes and every event reaches the per-event checks and handlers.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import httpx

from kiosk import limits as L
from kiosk.clock import to_iso, utcnow
from kiosk.store.events import GENESIS, HybridClock, event_hash

HLC_RE = re.compile(r"^[0-9]{15}\.[0-9]{5}$")


class Forger:
    """A kiosk credential with a hand-written log."""

    def __init__(self, platform, site: str, kiosk_id: str) -> None:
        self.url = platform.url + "/api/v1"
        self.kiosk_id = kiosk_id
        self.site = site
        self.credential = platform.credential(kiosk_id, site)
        self.seq = 0
        self.prev = GENESIS
        self.hlc: str | None = None
        self.http = httpx.Client(timeout=120, headers={"Authorization": f"Bearer {self.credential}"})

    def close(self) -> None:
        self.http.close()

    def event(self, type_: str, payload: Any, **envelope: Any) -> dict[str, Any]:
        """The next event of the log; ``envelope`` overrides any field but the chain's."""
        now = utcnow()
        self.seq += 1
        self.hlc = HybridClock.tick(self.hlc, int(now.timestamp() * 1000))
        body = payload if isinstance(payload, str) else json.dumps(payload, sort_keys=True,
                                                                   separators=(",", ":"),
                                                                   ensure_ascii=False)
        e = {"event_id": str(uuid.uuid4()), "kiosk_id": self.kiosk_id, "seq": self.seq,
             "type": type_, "at": to_iso(now), "hlc": self.hlc, "actor": None, "payload": body}
        e.update(envelope)
        e["prev_hash"] = self.prev
        e["hash"] = self.prev = event_hash(self.prev, e["seq"], e["event_id"], e["kiosk_id"],
                                           e["type"], e["at"], e["hlc"], e["actor"], e["payload"])
        return e

    def push(self, events: list[dict[str, Any]]) -> httpx.Response:
        return self.http.post(self.url + "/push", json={"kiosk_id": self.kiosk_id, "events": events})


def pull_all(client) -> list[dict[str, Any]]:
    """Every row a kiosk's full download gives (pages from no cursor)."""
    rows, cursor = [], None
    while True:
        page = client.pull(cursor, 500)
        assert HLC_RE.match(page["server_hlc"]), page["server_hlc"]
        rows += page["rows"]
        cursor = page["cursor"]
        if not page["more"]:
            return rows


def site_rows(rows: list[dict[str, Any]], site: str) -> list[tuple]:
    """The rows that describe ``site``'s own records (other centres' items and members,
    which every kiosk also receives, left out)."""
    out = []
    for r in rows:
        if r["kind"] in ("item", "member") and (r["body"] or {}).get("home_site") != site:
            continue
        out.append((r["kind"], r["key"], r["deleted"], json.dumps(r["body"], sort_keys=True)))
    return sorted(out)


# -- what every stored row must satisfy ---------------------------------------------------
def _text_ok(value: Any, limit: int, *, null: bool = False, multiline: bool = False) -> bool:
    if value is None:
        return null
    return isinstance(value, str) and len(value) <= limit and not L.has_forbidden_chars(
        value, multiline=multiline)


def _key_ok(value: Any) -> bool:
    """An item's city-wide key: ``SITE/CODE``."""
    from sync import events as schema

    site, _, code = value.rpartition("/") if isinstance(value, str) else ("", "", None)
    return bool(site) and _match(schema.SITE_PATTERN, site) and _code_ok(code)


def _code_ok(value: Any) -> bool:
    from kiosk.codes import normalise_item_code

    return isinstance(value, str) and normalise_item_code(value) == value


def _match(pattern: str, value: Any, *, null: bool = False) -> bool:
    if value is None:
        return null
    return isinstance(value, str) and re.match(pattern, value) is not None


def _date_ok(value: Any, *, null: bool = False) -> bool:
    import datetime as dt

    if value is None:
        return null
    try:
        dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return len(value) == 10


def schema_violations(db) -> list[str]:
    """Every stored event and record that does not fit the protocol's schema."""
    from sqlalchemy import select

    from sync import events as schema
    from sync.hub.models import ClosedDay, Event, Item, Loan, Member, Reservation

    bad: list[str] = []
    now_ms = int(utcnow().timestamp() * 1000)
    with db.transaction() as s:
        for e in s.execute(select(Event)).scalars():
            fields = {c: getattr(e, c) for c in ("event_id", "kiosk_id", "seq", "type", "at", "hlc",
                                                 "actor", "payload", "prev_hash", "hash")}
            try:
                schema.check_event(fields, now_ms)
            except schema.EventRefused as exc:
                bad.append(f"event {e.kiosk_id}/{e.seq}: {exc.detail}")
        for i in s.execute(select(Item)).scalars():
            ok = (_code_ok(i.code) and _text_ok(i.name_ko, L.ITEM_NAME_MAX)
                  and _text_ok(i.name_en, L.ITEM_NAME_MAX) and _text_ok(i.category, L.CATEGORY_MAX)
                  and _match(schema.SITE_PATTERN, i.home_site) and _match(schema.SITE_PATTERN, i.location)
                  and 0 <= i.replacement_value <= L.REPLACEMENT_VALUE_MAX
                  and isinstance(i.parts, list) and len(i.parts) <= L.PARTS_ENTRIES_MAX
                  and all(_valid(schema.Part, p) for p in i.parts)
                  and isinstance(i.aliases, list) and len(i.aliases) <= L.ALIASES_MAX
                  and all(_text_ok(a, L.ALIAS_MAX) for a in i.aliases)
                  and (i.updated_hlc == "" or schema.hlc_in_range(i.updated_hlc, now_ms)))
            if not ok:
                bad.append(f"item {i.code!r}")
        for m in s.execute(select(Member)).scalars():
            ok = (_match(schema.MEMBER_PATTERN, m.number) and _match(schema.SITE_PATTERN, m.home_site)
                  and _text_ok(m.member_type, L.MEMBER_TYPE_MAX) and _date_ok(m.expires_on)
                  and m.status in ("active", "suspended")
                  and (m.updated_hlc == "" or schema.hlc_in_range(m.updated_hlc, now_ms)))
            if not ok:
                bad.append(f"member {m.number!r}")
        for ln in s.execute(select(Loan)).scalars():
            ok = (_match(schema.UID_PATTERN, ln.uid) and _key_ok(ln.item_key)
                  and _match(schema.MEMBER_PATTERN, ln.member_number, null=True)
                  and _match(schema.SITE_PATTERN, ln.site, null=True)
                  and _match(schema.SITE_PATTERN, ln.return_site, null=True)
                  and _date_ok(ln.due_on, null=True) and 0 <= ln.renewals <= L.RENEWALS_MAX
                  and _match(r"^[a-z][a-z_]*$", ln.condition, null=True))
            if not ok:
                bad.append(f"loan {ln.uid!r}")
        for r in s.execute(select(Reservation)).scalars():
            ok = (_match(schema.UID_PATTERN, r.uid) and _key_ok(r.item_key)
                  and _match(schema.MEMBER_PATTERN, r.member_number) and _date_ok(r.hold_until, null=True))
            if not ok:
                bad.append(f"reservation {r.uid!r}")
        for d in s.execute(select(ClosedDay)).scalars():
            if not _date_ok(d.day):
                bad.append(f"closed day {d.day!r}")
    return bad


def _valid(model, value: Any) -> bool:
    try:
        model.model_validate(value)
    except Exception:
        return False
    return True


def chain_verifies(db, kiosk_id: str) -> int:
    """Recompute the kiosk's hash chain over the stored events and the quarantined
    ones (from their raw copies); returns its length, raises AssertionError on a break."""
    from sqlalchemy import select

    from sync.hub.models import Event, Kiosk, Quarantined

    with db.transaction() as s:
        rows = {e.seq: {c: getattr(e, c) for c in ("event_id", "kiosk_id", "seq", "type", "at", "hlc",
                                                    "actor", "payload", "prev_hash", "hash")}
                for e in s.execute(select(Event).where(Event.kiosk_id == kiosk_id)).scalars()}
        for q in s.execute(select(Quarantined).where(Quarantined.kiosk_id == kiosk_id)).scalars():
            assert q.seq not in rows, q.seq
            rows[q.seq] = json.loads(q.raw)
            assert (rows[q.seq]["prev_hash"], rows[q.seq]["hash"]) == (q.prev_hash, q.hash)
        head = s.get(Kiosk, kiosk_id)
        held, head_hash = head.held_seq, head.head_hash
    prev = GENESIS
    for seq in range(1, held + 1):
        e = rows[seq]
        assert e["prev_hash"] == prev, seq
        prev = event_hash(prev, e["seq"], e["event_id"], e["kiosk_id"], e["type"], e["at"], e["hlc"],
                          e["actor"], e["payload"])
        assert prev == e["hash"], seq
    assert prev == head_hash and len(rows) == held
    return held
