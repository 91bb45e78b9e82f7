"""Taking back the kiosk's own events after a restore from an older backup.

The platform holds a copy of every event the kiosk sent. A kiosk restored
from a backup has a log that ends earlier: the events it wrote after the
backup are gone from its database but not from the platform. Sync fetches
them (``GET /api/v1/events``) and hands them here:

* :func:`plan` compares them with the local log: where the two agree, where
  they part (``fork_seq``), and which local events the platform lacks;
* :func:`adopt` checks the fetched hash chain from the local event where they
  join, appends the fetched events to the log as they were (same ids, seqs and
  hashes), writes their effect into the tables through one applier
  (:class:`Replayer`), renumbers the kiosk's own later events after them (a
  true fork: they happened, so they are kept, never merged silently), records
  a ``sync.recovered`` event that the platform shows administrators, reseals
  the log and keeps the platform's acknowledged (seq, hash) as its anchor.

All of it happens in one transaction: after a crash the kiosk has either
recovered or not started, and the next round starts again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from kiosk.clock import to_iso
from kiosk.domain import Cause
from kiosk.services.integrity import RETURN_STATUS
from kiosk.store.events import GENESIS, event_hash
from kiosk.store.models import Event, Item, ItemStatus, Loan, Member, Reservation, Setting, Transfer

if TYPE_CHECKING:
    from kiosk.services.circulation import Circulation
    from kiosk.services.core import Kiosk

RECOVERY = "sync_recovery"  # the last recovery, for `nanum sync status` and staff
ACKED = "sync_acked_seq"  # kiosk.services.syncstate keeps both
ACKED_HASH = "sync_acked_hash"
_FIELDS = ("event_id", "kiosk_id", "seq", "type", "at", "hlc", "actor", "payload", "prev_hash", "hash")


class RecoveryRefused(ValueError):
    """The fetched events cannot be the kiosk's own log (a broken chain, another kiosk)."""


@dataclass
class Plan:
    after: int  # the local sequence the fetched events continue
    fork_seq: int | None  # first local seq the platform holds differently (None: only behind)
    fetched: list[dict[str, Any]] = field(default_factory=list)  # to append, from fork/after + 1
    held: int = 0
    head_hash: str = ""


def local_head(k: Kiosk) -> tuple[int, int]:
    """(acknowledged seq, last local seq)."""
    with k.reading() as s:
        acked = s.get(Setting, ACKED)
        last = s.execute(select(func.max(Event.seq))).scalar() or 0
        return int(acked.value if acked is not None else 0), last


def plan(k: Kiosk, fetched: list[dict[str, Any]], after: int, held: int, head_hash: str) -> Plan:
    """Compare events fetched past ``after`` with the local log past it."""
    with k.reading() as s:
        # seq -> event id, looked up with each seq as the platform sent it
        local: dict[Any, str] = dict(s.execute(select(Event.seq, Event.event_id).where(Event.seq > after)).all())
    common = after
    for e in fetched:
        if local.get(e.get("seq")) != e.get("event_id"):
            break
        common = e["seq"]
    rest = [e for e in fetched if isinstance(e.get("seq"), int) and e["seq"] > common]
    # A fork needs both sides past the common part; local events alone are merely unsent.
    fork = common + 1 if rest and any(seq > common for seq in local) else None
    return Plan(after=common, fork_seq=fork, fetched=rest, held=held, head_hash=head_hash)


def adopt(k: Kiosk, p: Plan) -> dict[str, Any]:
    """Append the fetched events, replay them, renumber the kiosk's own later
    events after them and record the recovery; one transaction. Returns the
    recovery record (also kept in the setting ``sync_recovery``)."""
    kiosk_id = k.kiosk_id
    with k.transaction() as s:
        start = s.execute(select(Event.hash).where(Event.seq == p.after)).scalar() if p.after else GENESIS
        if start is None:
            raise RecoveryRefused(f"no local event {p.after}")
        rows = _checked(p.fetched, kiosk_id, p.after, start)
        if rows and (rows[-1]["seq"] != p.held or rows[-1]["hash"] != p.head_hash):
            raise RecoveryRefused("the fetched events do not end at the platform's head")
        ours = [] if not rows else [dict(zip(_FIELDS, r, strict=True)) for r in s.execute(
            select(*[getattr(Event, f) for f in _FIELDS]).where(Event.seq > p.after)
            .order_by(Event.seq)).all()]
        theirs = {r["event_id"] for r in rows}
        if any(e["event_id"] in theirs for e in ours):
            raise RecoveryRefused("an event of this kiosk is on both sides of the fork")
        if rows:  # nothing fetched: the kiosk's own unsent events stay as they are
            s.execute(delete(Event).where(Event.seq > p.after))
            s.flush()
            s.connection().execute(insert(Event), rows)
        replayer = Replayer(s, k.site, k.circulation)
        for r in rows:
            replayer.apply(r)
        prev = rows[-1]["hash"] if rows else start
        seq = rows[-1]["seq"] if rows else p.after
        for e in ours:  # the kiosk's own events the platform lacks: kept, numbered after
            seq += 1
            e.update(seq=seq, prev_hash=prev)
            e["hash"] = event_hash(prev, seq, e["event_id"], e["kiosk_id"], e["type"], e["at"],
                                   e["hlc"], e["actor"], e["payload"])
            prev = e["hash"]
            s.connection().execute(insert(Event), [e])
        if rows:
            k.set_setting(s, ACKED, p.held)
            k.set_setting(s, ACKED_HASH, p.head_hash)
        # Read again inside the transaction: the kiosk may have lent something meanwhile.
        fork_seq = p.after + 1 if rows and ours else None
        record = {"state": "done", "at": to_iso(k.clock()), "after": p.after, "held": p.held,
                  "fetched": len(rows), "fork_seq": fork_seq, "renumbered": len(ours),
                  "skipped": replayer.skipped[:50]}
        k.record(s, "sync.recovered", {key: record[key] for key in
                                       ("after", "held", "fetched", "fork_seq", "renumbered", "skipped")})
        k.set_setting(s, RECOVERY, record)
    k.forget_cached_settings()
    return record


def mark_pending(k: Kiosk, source: str) -> None:
    """After a restore: the next sync round fetches what the kiosk sent since the backup."""
    with k.transaction() as s:
        k.set_setting(s, RECOVERY, {"state": "pending", "at": to_iso(k.clock()), "source": source})
    k.forget_cached_settings()


def pending(k: Kiosk) -> bool:
    """Whether a restore asked the next sync round to fetch what was sent since the backup."""
    rec = status(k)
    return bool(rec and rec.get("state") == "pending")


def status(k: Kiosk) -> dict[str, Any] | None:
    """The last recovery (state ``pending`` or ``done``), or None."""
    with k.reading() as s:
        row = s.get(Setting, RECOVERY)
        return dict(row.value) if row is not None and isinstance(row.value, dict) else None


def _checked(fetched: list[dict[str, Any]], kiosk_id: str, after: int, prev: str) -> list[dict[str, Any]]:
    """The fetched events as rows, once each proves to be the next link of this kiosk's chain."""
    rows = []
    seq = after
    for e in fetched:
        row: dict[str, Any] = {f: e.get(f) for f in _FIELDS}  # checked just below
        seq += 1
        strings = [row[f] for f in _FIELDS if f not in ("seq", "actor")]
        if row["seq"] != seq or not all(isinstance(v, str) for v in strings) \
                or not (row["actor"] is None or isinstance(row["actor"], str)):
            raise RecoveryRefused(f"event {seq} is missing or malformed")
        if row["kiosk_id"] != kiosk_id:
            raise RecoveryRefused(f"event {seq} belongs to another kiosk")
        want = event_hash(prev, seq, row["event_id"], kiosk_id, row["type"], row["at"], row["hlc"],
                          row["actor"], row["payload"])
        if row["prev_hash"] != prev or row["hash"] != want:
            raise RecoveryRefused(f"event {seq} does not continue the hash chain")
        prev = row["hash"]
        rows.append(row)
    return rows


class Replayer:
    """Writes what an event describes into the tables: the one place recovered
    events become rows (loans, returns, renewals, items, members, holds).

    Events are replayed as they happened, after the restored state; one that
    cannot apply (an item the database lacks, a second open loan of an item
    that the kiosk lent again after the restore) changes nothing and is named
    in ``skipped``.
    """

    def __init__(self, s: Session, site: str, circulation: Circulation) -> None:
        self.s, self.site, self.circulation = s, site, circulation
        self.skipped: list[str] = []

    def apply(self, row: dict[str, Any]) -> None:
        try:
            p = json.loads(row["payload"])
        except ValueError:
            p = None
        handler = getattr(self, "on_" + row["type"].replace(".", "_"), None)
        if handler is None or not isinstance(p, dict):
            return  # staff sign-ins, settings, pulls: nothing in the lending tables
        try:
            with self.s.begin_nested():
                if handler(row, p) is False:
                    self.skipped.append(f"{row['seq']} {row['type']}")
        except (KeyError, TypeError, ValueError, LookupError):
            self.skipped.append(f"{row['seq']} {row['type']}")

    def _item(self, p: dict[str, Any]) -> Item | None:
        """The item an event names: (``item_site``, ``item``); a missing site is this
        kiosk's own, or, for events written before sites were named, any item of that code."""
        code, site = p.get("item"), p.get("item_site")
        item = self.s.execute(select(Item).where(Item.home_site == (site or self.site), Item.code == code)
                              .limit(1)).scalar_one_or_none()
        if item is None and site is None:
            item = self.s.execute(select(Item).where(Item.code == code).order_by(Item.id)
                                  .limit(1)).scalar_one_or_none()
        return item

    def _member(self, number: Any) -> Member | None:
        if not isinstance(number, str):
            return None
        return self.s.execute(select(Member).where(Member.number == number)).scalar_one_or_none()

    def _loan(self, uid: Any) -> Loan | None:
        return self.s.execute(select(Loan).where(Loan.uid == uid)).scalar_one_or_none()

    def on_item_added(self, row: dict[str, Any], p: dict[str, Any]) -> bool:
        if self._item(p) is not None:
            return True
        self.s.add(Item(code=p["item"], name_ko=p.get("name_ko") or p["item"],
                        name_en=p.get("name_en") or "", name_zh=p.get("name_zh") or "",
                        name_vi=p.get("name_vi") or "", category=p.get("category") or "tool",
                        home_site=p.get("home_site") or self.site, parts=p.get("parts") or [],
                        replacement_value=int(p.get("replacement_value") or 0),
                        status=ItemStatus.AVAILABLE, created_at=row["at"]))
        return True

    def _status(self, p: dict[str, Any], status: Any) -> bool:
        """A status change the kiosk made (staff, inspection, retirement), by the one rule:
        the hold and the waiting list follow as they did then; nothing is logged again."""
        item = self._item(p)
        if item is None or status not in ItemStatus.ALL:
            return False
        self.s.flush()  # the rule reads the item's reservations
        if status == ItemStatus.HELD:
            status = ItemStatus.AVAILABLE  # put on the shelf, it went to the first member waiting
        self.circulation.move_item(self.s, item, status, Cause.SYNC)
        return True

    def on_item_status_changed(self, row: dict[str, Any], p: dict[str, Any]) -> bool:
        return self._status(p, p.get("to"))

    on_item_inspected = on_item_status_changed

    def on_item_retired(self, row: dict[str, Any], p: dict[str, Any]) -> bool:
        return self._status(p, ItemStatus.RETIRED)

    def on_member_registered(self, row: dict[str, Any], p: dict[str, Any]) -> bool:
        if self._member(p.get("member")) is not None:
            return True
        # Events never carry names, contacts or card tokens: staff complete the name
        # when the member next comes. The card's and PIN's hashes travel when the
        # kiosk shares its members with the platform, so the card keeps working.
        self.s.add(Member(number=p["member"], display_name=p["member"], member_type=p.get("type") or "standard",
                          expires_on=p["expires_on"], status="active", created_at=row["at"],
                          card_hash=self._free_card(p.get("card_hash")), pin_hash=_str(p.get("pin_hash"))))
        return True

    def _free_card(self, card_hash: Any) -> str | None:
        if not isinstance(card_hash, str) or self.s.execute(
                select(Member.id).where(Member.card_hash == card_hash)).first() is not None:
            return None
        return card_hash

    def on_member_card_reissued(self, row: dict[str, Any], p: dict[str, Any]) -> bool:
        m = self._member(p.get("member"))
        if m is None:
            return False
        if isinstance(p.get("card_hash"), str):  # else the new card's hash stayed on the kiosk lost
            m.card_hash = self._free_card(p["card_hash"])
        return True

    def on_member_pin_set(self, row: dict[str, Any], p: dict[str, Any]) -> bool:
        m = self._member(p.get("member"))
        if m is None:
            return False
        if isinstance(p.get("pin_hash"), str):
            m.pin_hash = p["pin_hash"]
        return True

    def on_member_status_changed(self, row: dict[str, Any], p: dict[str, Any]) -> bool:
        m = self._member(p.get("member"))
        if m is None:
            return False
        m.status = p["status"]
        return True

    def on_member_renewed(self, row: dict[str, Any], p: dict[str, Any]) -> bool:
        m = self._member(p.get("member"))
        if m is None:
            return False
        m.expires_on = p["expires_on"]
        return True

    def on_loan_checked_out(self, row: dict[str, Any], p: dict[str, Any]) -> bool:
        item, member = self._item(p), self._member(p.get("member"))
        if item is None or self._loan(p["loan"]) is not None:
            return item is not None
        if self.s.execute(select(Loan.id).where(Loan.item_id == item.id,
                                                Loan.returned_at.is_(None))).first() is not None:
            return False  # lent again here after the restore: the kiosk's own loan stays
        self.s.add(Loan(uid=p["loan"], item_id=item.id, member_id=member.id if member else None,
                        member_type=member.member_type if member else "standard",
                        site=p.get("site") or self.site, checked_out_at=row["at"], due_on=p["due"],
                        renewals=0))
        self.s.flush()
        self.circulation.move_item(self.s, item, ItemStatus.ON_LOAN, Cause.SYNC)  # a hold is fulfilled
        if isinstance(p.get("reservation"), str):
            res = self.s.execute(select(Reservation).where(Reservation.uid == p["reservation"])
                                 ).scalar_one_or_none()
            if res is not None:
                res.status = "fulfilled"
        self.s.flush()
        return True

    def on_loan_renewed(self, row: dict[str, Any], p: dict[str, Any]) -> bool:
        loan = self._loan(p.get("loan"))
        if loan is None:
            return False
        loan.due_on = p["due"]
        loan.renewals = int(p.get("renewals") or loan.renewals + 1)
        return True

    def on_loan_returned(self, row: dict[str, Any], p: dict[str, Any]) -> bool:
        loan = self._loan(p.get("loan"))
        if loan is None or loan.returned_at is not None:
            return False
        loan.returned_at = row["at"]
        loan.return_site = p.get("site") or self.site
        loan.parts_expected, loan.parts_counted = p.get("parts_expected"), p.get("parts_counted")
        loan.condition, loan.return_note = p.get("condition"), p.get("note")
        item = self.s.get(Item, loan.item_id)
        if item is not None:
            self._shelve(item, p)
        self.s.flush()
        return True

    def _shelve(self, item: Item, p: dict[str, Any]) -> None:
        """Where a return sent the item, by the rule; on the reservation shelf, held for
        the member the event names (the one the kiosk offered it to then)."""
        self.s.flush()
        new = RETURN_STATUS.get(p.get("destination"), ItemStatus.INSPECTION)
        self.circulation.move_item(self.s, item, new, Cause.SYNC, offer=False)
        held_for = self._member(p.get("held_for"))
        if new == ItemStatus.HELD and held_for is not None:
            item.held_for_member_id = held_for.id

    def on_transfer_started(self, row: dict[str, Any], p: dict[str, Any]) -> bool:
        item = self._item(p)
        if item is None:
            return False
        if self.s.execute(select(Transfer.id).where(Transfer.uid == p["transfer"])).first() is None:
            self.s.add(Transfer(uid=p["transfer"], item_id=item.id, from_site=p.get("site") or self.site,
                                to_site=p.get("to_site") or item.home_site, loan_uid=_str(p.get("loan")),
                                started_at=row["at"], parts_expected=p.get("parts_expected"),
                                parts_counted=p.get("parts_counted"), condition=_str(p.get("condition"))))
        self.s.flush()
        self.circulation.move_item(self.s, item, ItemStatus.IN_TRANSIT, Cause.SYNC)
        return True

    def on_transfer_received(self, row: dict[str, Any], p: dict[str, Any]) -> bool:
        item = self._item(p)
        t = self.s.execute(select(Transfer).where(Transfer.uid == p["transfer"])).scalar_one_or_none()
        if item is None:
            return False
        if t is not None and t.received_at is None:
            t.received_at = row["at"]
        self._shelve(item, p)
        self.s.flush()
        return True


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
