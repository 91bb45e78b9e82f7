"""The kiosk's side of sync that needs no network: outbox, acknowledgements,
applying pulled pages, conflict flags and state digests.

Sync state lives in the ``settings`` table: ``sync_acked_seq`` (the highest
event sequence the platform holds), ``sync_cursor`` (where the next pull
starts) and ``sync_conflicts`` (the latest flags, for staff). A pulled page
and its new cursor are applied in ONE transaction, so a crash either applies
both or neither. Records the platform owns (catalogue, members, online
reservations, closed days) take the platform's values; loans and returns are
the kiosk's, and never change here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeGuard

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.clock import to_iso
from kiosk.domain import Cause
from kiosk.i18n import N_, Message
from kiosk.limits import echo
from kiosk.services.lifecycle import forget_personal
from kiosk.services.members import MEMBER_BLOCK
from kiosk.store.events import HybridClock, append_event
from kiosk.store.models import (
    ClosedDay,
    Event,
    Item,
    ItemAlias,
    ItemStatus,
    Loan,
    Member,
    Reservation,
    Setting,
    Transfer,
)

if TYPE_CHECKING:
    from kiosk.services.core import Kiosk

ACKED = "sync_acked_seq"
ACKED_HASH = "sync_acked_hash"
CURSOR = "sync_cursor"
CONFLICTS = "sync_conflicts"
REFUSED = "sync_refused"  # events the platform quarantined, for staff
LAST_SUCCESS = "sync_last_success"
MAX_CONFLICTS = 200
ACTIVE = ("waiting", "held")
PLATFORM_ACTIVE = ("requested", "waiting", "held")
# Optional catalogue fields the platform leaves NULL when only the kiosk knows them.
_OPTIONAL_ITEM_FIELDS = ("safe_use_ko", "safe_use_en", "age_min_months", "age_max_months")


def _get(s: Session, key: str, default: Any = None) -> Any:
    row = s.get(Setting, key)
    return default if row is None else row.value


def acked_seq(k: Kiosk) -> int:
    with k.reading() as s:
        return int(_get(s, ACKED, 0))


def set_member_block(k: Kiosk, block: int) -> bool:
    """Keep the block of membership numbers the platform gave this kiosk; True when it changed.

    Every pulled page names the block: only a change costs a write.
    """
    if k.setting(MEMBER_BLOCK) == block:
        return False
    with k.transaction() as s:
        k.set_setting(s, MEMBER_BLOCK, block)
    return True


def cursor(k: Kiosk) -> str | None:
    with k.reading() as s:
        value = _get(s, CURSOR)
    return value if isinstance(value, str) else None


def outbox_depth(k: Kiosk) -> int:
    with k.reading() as s:
        acked = int(_get(s, ACKED, 0))
        return s.execute(select(func.count()).select_from(Event).where(Event.seq > acked)).scalar_one()


def outbox(k: Kiosk, limit: int = 500) -> list[dict[str, Any]]:
    """The oldest events the platform does not hold yet, as sent on the wire."""
    with k.reading() as s:
        acked = int(_get(s, ACKED, 0))
        rows = s.execute(select(Event).where(Event.seq > acked).order_by(Event.seq).limit(limit)).scalars()
        return [{"event_id": e.event_id, "kiosk_id": e.kiosk_id, "seq": e.seq, "type": e.type,
                 "at": e.at, "hlc": e.hlc, "actor": e.actor, "payload": e.payload,
                 "prev_hash": e.prev_hash, "hash": e.hash} for e in rows]


def _is_day(value: object) -> TypeGuard[str]:
    """Whether ``value`` is a calendar day as the wire writes one (2026-12-06)."""
    if not isinstance(value, str):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


class BadPage(ValueError):
    """A pulled row the kiosk cannot use; nothing of its page is applied."""


class ForkError(Exception):
    """The platform holds events this kiosk does not have (restored from an old backup?)."""


def acknowledge(k: Kiosk, held: int) -> None:
    """Record that the platform holds every event up to ``held``.

    A smaller number than before means the platform lost events (restored
    from a backup): they are sent again.
    """
    with k.transaction() as s:
        last = s.execute(select(func.max(Event.seq))).scalar() or 0
        if held > last:
            raise ForkError(f"platform holds seq {held}, kiosk only {last}")
        if int(_get(s, ACKED, 0)) != held:
            k.set_setting(s, ACKED, held)
            # The head the platform holds, so verify-log can tell a rewritten log from it.
            k.set_setting(s, ACKED_HASH, s.execute(select(Event.hash).where(Event.seq == held)).scalar())


def mark_success(k: Kiosk, when: str) -> None:
    """Remember the last good round (written at most once a minute: each write is a disk sync)."""
    with k.reading() as s:
        last = _get(s, LAST_SUCCESS)
    if last is not None and last[:16] == when[:16]:
        return
    with k.transaction() as s:
        k.set_setting(s, LAST_SUCCESS, when)


def conflicts(k: Kiosk) -> list[dict[str, Any]]:
    with k.reading() as s:
        return list(_get(s, CONFLICTS, []))


#: why the platform refused one event (the ``reason`` of its answer) -> what staff read
REFUSAL_MESSAGES = {
    "invalid": N_("Event {seq} ({type}) was refused by the city platform and kept aside: "
                  "its data do not fit the protocol ({detail})."),
    "forbidden": N_("Event {seq} ({type}) was refused by the city platform and kept aside: "
                    "it changes another centre's records ({detail})."),
    "clock": N_("Event {seq} ({type}) was refused by the city platform and kept aside: "
                "its clock stamp is out of range. Check this kiosk's date and time."),
}
OTHER_REFUSAL = N_("Event {seq} ({type}) was refused by the city platform and kept aside "
                   "({detail}).")


def record_refused(k: Kiosk, answer: list[Any], when: str) -> int:
    """Keep the events the platform quarantined (from a push answer) for staff;
    returns how many were new. The answer's text is shortened and made printable."""
    entries = []
    for q in answer:
        if not isinstance(q, dict) or not isinstance(q.get("seq"), int):
            continue
        entries.append({"seq": q["seq"], "event_id": echo(q.get("event_id", ""))[:40],
                        "type": echo(q.get("type", ""))[:40], "reason": echo(q.get("reason", ""))[:16],
                        "detail": echo(q.get("detail", "")), "at": when})
    if not entries:
        return 0
    with k.transaction() as s:
        kept = {e["seq"]: e for e in _get(s, REFUSED, [])}
        new = [e for e in entries if e["seq"] not in kept]
        if new:
            kept.update((e["seq"], e) for e in new)
            k.set_setting(s, REFUSED, [kept[seq] for seq in sorted(kept)][-MAX_CONFLICTS:])
    return len(new)


def refused(k: Kiosk) -> list[dict[str, Any]]:
    """Events the platform quarantined, oldest first (seq, event_id, type, reason, detail, at)."""
    with k.reading() as s:
        return list(_get(s, REFUSED, []))


def refusal_message(entry: dict[str, Any]) -> Message:
    """What staff read about one refused event: which event, and why."""
    msgid = REFUSAL_MESSAGES.get(str(entry.get("reason")), OTHER_REFUSAL)
    return Message(msgid, {"seq": entry.get("seq"), "type": entry.get("type", ""),
                           "detail": entry.get("detail", "")})


@dataclass
class ApplyReport:
    """What one page (or full download) changed on the kiosk."""

    rows: int = 0
    changed: dict[str, int] = field(default_factory=dict)
    accepted: list[dict[str, Any]] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    #: loans the centre's other kiosks made, changed or ended, and this kiosk's own loans
    #: ended elsewhere: {"loan", "item", "item_site", "member", "due", "state"} with state
    #: opened | updated | closed (logged in sync.pulled, so the log still replays to the tables)
    loans: list[dict[str, Any]] = field(default_factory=list)

    def count(self, kind: str) -> None:
        self.changed[kind] = self.changed.get(kind, 0) + 1

    @property
    def any_change(self) -> bool:
        return bool(self.changed or self.accepted or self.cancelled or self.conflicts or self.loans)


class _Applier:
    def __init__(self, k: Kiosk, s: Session, report: ApplyReport) -> None:
        self.k, self.s, self.r = k, s, report
        self.now = to_iso(k.clock())
        self.site = _get(s, "site")
        self.kiosk_id = _get(s, "kiosk_id")
        self.items: dict[tuple[str, str], Item | None] = {}
        self.members: dict[str, Member | None] = {}
        self.aliases: dict[str, int] | None = None
        self.cards: dict[str, str] | None = None  # card hash -> member number

    def item_key(self, key: str, body: dict[str, Any] | None) -> tuple[str, str]:
        """(home site, code) of an item row: keyed ``SITE/CODE``; a platform of
        before sites keyed items by code alone, with the site in the body."""
        site, _, code = key.rpartition("/")
        if not site:
            site = (body or {}).get("home_site") or self.k.site
        return (site, code)

    @staticmethod
    def _ref_of(body: dict[str, Any], own_site: str) -> tuple[str, str]:
        return (body.get("item_site") or own_site, body.get("item"))  # type: ignore[return-value]

    def preload(self, rows: list[dict[str, Any]]) -> None:
        """Read the page's items and members in a few queries, not one per row."""
        refs: set[tuple[str, str]] = set()
        numbers: set[str] = set()
        for row in rows:
            body = row.get("body") or {}
            if row.get("kind") == "item" and isinstance(row.get("key"), str):
                refs.add(self.item_key(row["key"], body if isinstance(body, dict) else None))
            elif row.get("kind") == "member" and isinstance(row.get("key"), str):
                numbers.add(row["key"])
            elif row.get("kind") in ("reservation", "transfer", "loan") and isinstance(body, dict):
                if isinstance(body.get("item"), str):
                    refs.add(self._ref_of(body, self.k.site))
                if isinstance(body.get("member"), str):
                    numbers.add(body["member"])
        self.items.update(dict.fromkeys(refs))
        self.members.update(dict.fromkeys(numbers))
        codes = sorted({code for _, code in refs})
        for chunk in _chunks(codes):
            for item in self.s.execute(select(Item).where(Item.code.in_(chunk))).scalars():
                if (item.home_site, item.code) in self.items:
                    self.items[(item.home_site, item.code)] = item
        for chunk in _chunks(sorted(numbers)):
            for m in self.s.execute(select(Member).where(Member.number.in_(chunk))).scalars():
                self.members[m.number] = m

    def item(self, ref: tuple[str, str]) -> Item | None:
        """The kiosk's row of item (home site, code): never another centre's item of that code."""
        if ref not in self.items:
            self.items[ref] = self.s.execute(select(Item).where(
                Item.home_site == ref[0], Item.code == ref[1])).scalar_one_or_none()
        return self.items[ref]

    def member(self, number: str) -> Member | None:
        if number not in self.members:
            self.members[number] = self.s.execute(
                select(Member).where(Member.number == number)).scalar_one_or_none()
        return self.members[number]

    def alias_owner(self, alias: str) -> int | None:
        return self.alias_table().get(alias)

    def alias_table(self) -> dict[str, int]:
        """Every barcode alias and its item, read once per page."""
        if self.aliases is None:
            self.aliases = {a: i for a, i in self.s.execute(select(ItemAlias.alias, ItemAlias.item_id)).all()}
        return self.aliases

    def flag(self, kind: str, subject: str, **detail: Any) -> None:
        self.r.conflicts.append({"at": self.now, "kind": kind, "subject": subject, "detail": detail})

    def row(self, row: dict[str, Any]) -> None:
        self.r.rows += 1
        try:
            body = None if row.get("deleted") else row.get("body")
            apply = getattr(self, "_" + row["kind"], None)
            if apply is None or not isinstance(row["key"], str):
                raise ValueError("unknown kind of record")
            apply(row["key"], body)
        except (KeyError, TypeError, ValueError) as exc:
            raise BadPage(f"unusable row {row!r:.200}: {exc}") from exc

    # -- catalogue ------------------------------------------------------------
    def _item(self, key: str, body: dict[str, Any] | None) -> None:
        if body is None:
            return  # the platform retires items, it never deletes them
        ref = self.item_key(key, body)
        code = ref[1]
        item = self.item(ref)
        moved_from = body.get("moved_from") if "/" in key else self.k.site
        if item is None and isinstance(moved_from, str) and moved_from != ref[0]:
            # The platform gave the item a new home centre (a platform of before sites
            # named it by code alone: the kiosk's own item of that code was meant).
            item = self.item((moved_from, code))
            if item is not None:
                self.items[(moved_from, code)] = None
                self.items[ref] = item
        fields = {f: body[f] for f in ("name_ko", "category")}
        fields["home_site"] = ref[0]
        fields["name_en"] = body.get("name_en") or ""
        for f in ("name_zh", "name_vi"):
            if f in body:  # a platform of before these names sends none: the kiosk keeps its own
                fields[f] = body[f] or ""
        fields["replacement_value"] = int(body.get("replacement_value") or 0)
        fields["parts"] = body.get("parts") or []
        for f in _OPTIONAL_ITEM_FIELDS:
            if body.get(f) is not None:
                fields[f] = body[f]
        changed = False
        if item is None:
            item = Item(code=code, status=ItemStatus.RETIRED if body.get("retired") else ItemStatus.AVAILABLE,
                        created_at=self.now, **fields)
            self.s.add(item)
            self.items[ref] = item
            changed = True
        else:
            for f, v in fields.items():
                if getattr(item, f) != v:
                    setattr(item, f, v)
                    changed = True
            if body.get("retired") and item.status != ItemStatus.RETIRED:
                if item.status == ItemStatus.ON_LOAN:
                    self.flag("retire_on_loan", code)
                else:
                    self._retire(item)
                    changed = True
            elif not body.get("retired") and item.status == ItemStatus.RETIRED:
                self._move(item, ItemStatus.AVAILABLE)  # back in lending: the first member waiting
                changed = True
        for alias in body.get("aliases") or []:
            owner = self.alias_owner(alias)
            if item.id is None:
                self.s.flush()  # a new item needs its id before its aliases
            if owner is None:
                self.s.add(ItemAlias(alias=alias, item_id=item.id))
                self.alias_table()[alias] = item.id
                changed = True
            elif owner != item.id:
                self.flag("alias_clash", alias, item=code)
        if changed:
            self.r.count("item")

    def _move(self, item: Item, new: str, *, offer: bool = True) -> None:
        """Apply the platform's word on an item by the one rule (``Cause.SYNC``):
        the hold and the waiting list follow as they do for a change made here;
        reservations it cancels are reported, not logged as the kiosk's own."""
        self.s.flush()  # the rule reads the item's reservations
        moved = self.k.circulation.move_item(self.s, item, new, Cause.SYNC, offer=offer)
        self.r.cancelled.extend(moved.cancelled_uids)

    def _retire(self, item: Item) -> None:
        self._move(item, ItemStatus.RETIRED)

    # -- members --------------------------------------------------------------
    def _member(self, number: str, body: dict[str, Any] | None) -> None:
        m = self.member(number)
        if body is None:
            if m is None or is_forgotten(m):
                return
            used = self.s.execute(select(Loan.id).where(Loan.member_id == m.id).limit(1)).first() or \
                self.s.execute(select(Reservation.id).where(Reservation.member_id == m.id).limit(1)).first()
            if used:
                forget(m)
                forget_personal(self.s, m)  # consent, guardian, phone card: erased everywhere
            else:
                self.s.delete(m)
                self.members[number] = None
            self.r.count("member")
            return
        card = body.get("card_hash")
        if card is not None:
            if self.cards is None:
                self.cards = {h: n for h, n in self.s.execute(select(Member.card_hash, Member.number).where(
                    Member.card_hash.is_not(None))).all() if h is not None}
            if self.cards.get(card, number) != number:
                self.flag("card_clash", number)
                card = None
            else:
                if m is not None and m.card_hash:
                    self.cards.pop(m.card_hash, None)
                self.cards[card] = number
        wanted = {"member_type": body["member_type"], "expires_on": body["expires_on"],
                  "status": body["status"], "language": body.get("language") or "ko"}
        if body.get("display_name") is not None:
            wanted["display_name"] = body["display_name"]
        if card is not None:
            wanted["card_hash"] = card
        if "phone_card_hash" in body:
            # Issued and revoked on the platform only: its value, None included, is the truth.
            phone = body["phone_card_hash"]
            if phone is not None and self.s.execute(select(Member.number).where(
                    Member.phone_card_hash == phone, Member.number != number)).first() is not None:
                self.flag("card_clash", number)
                phone = None
            wanted["phone_card_hash"] = phone
        home = body.get("home_site")
        if isinstance(home, str) and home and home != self.site:
            # Another centre's member: the platform decides what this kiosk may know.
            wanted["home_site"] = home
            wanted["pin_hash"] = body.get("pin_hash")
            wanted["card_hash"] = card
        else:
            wanted["home_site"] = None
            if body.get("pin_hash") is not None:
                wanted["pin_hash"] = body["pin_hash"]
        if m is None:
            m = Member(number=number, display_name=wanted.pop("display_name", ""), created_at=self.now,
                       **wanted)
            self.s.add(m)
            self.members[number] = m
            self.r.count("member")
            return
        diff = {f: v for f, v in wanted.items() if getattr(m, f) != v}
        for f, v in diff.items():
            setattr(m, f, v)
        if diff:
            self.r.count("member")

    # -- transfers: items returned at a centre that is not their home ----------
    def _transfer(self, uid: str, body: dict[str, Any] | None) -> None:
        if body is None:
            return
        item = self.item(self._ref_of(body, self.k.site))
        if item is None:
            self.flag("transfer_unknown_item", uid, item=body["item"])
            return
        self.s.flush()
        t = self.s.execute(select(Transfer).where(Transfer.uid == uid)).scalar_one_or_none()
        changed = False
        if t is None:
            t = Transfer(uid=uid, item_id=item.id, from_site=body["from_site"], to_site=body["to_site"],
                         loan_uid=body.get("loan"), started_at=body.get("started_at") or self.now,
                         parts_expected=body.get("parts_expected"), parts_counted=body.get("parts_counted"),
                         condition=body.get("condition"))
            self.s.add(t)
            changed = True
        ours = item.home_site == self.site
        if body.get("received_at"):
            if t.received_at is None:
                t.received_at = body["received_at"]
                changed = True
            if item.status == ItemStatus.IN_TRANSIT:
                # Received by the centre's other kiosk (or, for another centre's item, at home:
                # its waiting list is kept there).
                self._move(item, ItemStatus.AVAILABLE, offer=ours)
                changed = True
        elif t.received_at is None and item.status != ItemStatus.RETIRED:
            loan = self.s.execute(select(Loan).where(Loan.item_id == item.id,
                                                     Loan.returned_at.is_(None))).scalar_one_or_none()
            home_since = ours and self.s.execute(select(Loan.id).where(
                Loan.item_id == item.id, Loan.return_site == self.site,
                Loan.returned_at > t.started_at)).first() is not None
            if home_since:
                t.received_at = self.now  # back home before the platform heard of the transfer
                changed = True
            else:
                if loan is not None:
                    # Returned at the other centre: the loan ends there, then.
                    self._close(loan, item, t.started_at, t.from_site, t.condition)
                    loan.parts_expected, loan.parts_counted = t.parts_expected, t.parts_counted
                if item.status in (ItemStatus.AVAILABLE, ItemStatus.ON_LOAN, ItemStatus.HELD):
                    # Handed in at another centre: wherever this kiosk thought it was, it
                    # travels; a member it was held for waits again in their place.
                    self._move(item, ItemStatus.IN_TRANSIT)
                    changed = True
        if changed:
            self.r.count("transfer")

    # -- loans of the centre's other kiosks ---------------------------------
    def _loan(self, uid: str, body: dict[str, Any] | None) -> None:
        """A loan another kiosk of this centre made: kept here too, so a resident can
        return or renew it at either kiosk and the loan limits count every loan."""
        if body is None:
            return
        item = self.item(self._ref_of(body, self.k.site))
        if item is None:
            self.flag("loan_unknown_item", uid, item=body["item"])
            return
        due = body.get("due")
        if not _is_day(due):
            # A loan with no due day cannot be kept (or lent against): told, never stored, and
            # the rest of the page still applies.
            self.flag("loan_without_due", uid, item=body["item"])
            return
        self.s.flush()
        loan = self.s.execute(select(Loan).where(Loan.uid == uid)).scalar_one_or_none()
        number = body.get("member")
        if loan is None:
            if body.get("returned_at") or body.get("kiosk_id") == self.kiosk_id:
                return  # ended before this kiosk heard of it; or its own, to be recovered
            other = self.s.execute(select(Loan).where(Loan.item_id == item.id,
                                                      Loan.returned_at.is_(None))).scalar()
            if other is not None:
                if (other.checked_out_at or "") > (body.get("checked_out_at") or ""):
                    self.flag("loan_clash", uid, item=body["item"], open_loan=other.uid)
                    return
                # Lent again since: the older loan ended, and the row telling so is on its way.
                self._close(other, item, body.get("checked_out_at") or self.now, self.site, None)
            member = self.member(number) if isinstance(number, str) else None
            self.s.add(Loan(uid=uid, item_id=item.id, member_id=member.id if member else None,
                            member_type=body.get("member_type") or "standard",
                            site=body.get("site") or self.site,
                            checked_out_at=body.get("checked_out_at") or self.now, due_on=due,
                            renewals=int(body.get("renewals") or 0)))
            self._move(item, ItemStatus.ON_LOAN)  # a held item: its member's hold is fulfilled
            self._logged(uid, item, number if member else None, due, "opened")
        elif loan.returned_at is None:
            if body.get("returned_at"):
                self._close(loan, item, body["returned_at"], body.get("return_site") or self.site,
                            body.get("condition"))
            elif int(body.get("renewals") or 0) > loan.renewals:  # renewed at another kiosk
                loan.due_on, loan.renewals = due, int(body.get("renewals") or 0)
                member = self.s.get(Member, loan.member_id) if loan.member_id else None
                self._logged(uid, item, member.number if member else None, loan.due_on, "updated")
        else:
            return
        self.r.count("loan")

    def _close(self, loan: Loan, item: Item, at: str, where: str, condition: str | None) -> None:
        """A loan of this kiosk's tables ended at another kiosk or centre."""
        loan.returned_at, loan.return_site, loan.condition = at, where, condition
        if item.status == ItemStatus.ON_LOAN:
            if where != item.home_site:
                new = ItemStatus.IN_TRANSIT
            elif condition in (None, "ok"):
                new = ItemStatus.AVAILABLE
            else:
                new = ItemStatus.INSPECTION
            # The kiosk that took it back offered it to the waiting list; its hold follows.
            self._move(item, new, offer=False)
        self._logged(loan.uid, item, None, loan.due_on, "closed")

    def _logged(self, uid: str, item: Item, member: str | None, due: str, state: str) -> None:
        self.r.loans.append({"loan": uid, **item.event_ref(), "member": member, "due": due,
                             "state": state})

    # -- reservations ---------------------------------------------------------
    def _reservation(self, uid: str, body: dict[str, Any] | None) -> None:
        res = self.s.execute(select(Reservation).where(Reservation.uid == uid)).scalar_one_or_none()
        status = body["status"] if body else "cancelled"
        if status not in PLATFORM_ACTIVE:
            if res is not None and res.status in ACTIVE and status != "fulfilled":
                self.cancel(res)
            return
        assert body is not None  # an active status comes only with a body
        item, member = self.item(self._ref_of(body, self.k.site)), self.member(body["member"])
        if item is None or member is None:
            self.flag("reservation_unknown_record", uid, item=body["item"], member=body["member"])
            return
        self.s.flush()  # new items and members need their ids
        if res is None:
            res = Reservation(uid=uid, item_id=item.id, member_id=member.id, status="waiting",
                              source="platform", created_at=body.get("created_at") or self.now)
            self.s.add(res)
            self.s.flush()
        elif res.status in ACTIVE and res.item_id != item.id:
            old = self.s.get(Item, res.item_id)
            was_held = res.status == "held"
            res.item_id = item.id
            res.status = "waiting"
            res.hold_until = None
            self.s.flush()
            if was_held and old is not None:
                self._release(old)  # moved off: the old copy goes to its next member
        else:
            return
        if item.status == ItemStatus.AVAILABLE:
            self.k.circulation.offer_to_waitlist(self.s, item)
        self.r.accepted.append({"reservation": uid, **item.event_ref(), "member": member.number,
                                "status": res.status, "hold_until": res.hold_until})

    def _release(self, item: Item) -> None:
        """The hold on ``item`` ended on the platform: back on the shelf, or to the next member."""
        self._move(item, ItemStatus.AVAILABLE)

    def cancel(self, res: Reservation) -> None:
        was_held = res.status == "held"
        res.status = "cancelled"
        self.s.flush()
        item = self.s.get(Item, res.item_id)
        if was_held and item is not None:
            self._release(item)
        self.r.cancelled.append(res.uid)

    # -- calendar -------------------------------------------------------------
    def _closed_day(self, day: str, body: dict[str, Any] | None) -> None:
        row = self.s.get(ClosedDay, day)
        if body is None and row is not None:
            self.s.delete(row)
            self.r.count("closed_day")
        elif body is not None and row is None:
            self.s.add(ClosedDay(day=day, reason=body.get("reason") or ""))
            self.r.count("closed_day")


def _chunks(values: list[str], n: int = 500) -> Iterator[list[str]]:
    for i in range(0, len(values), n):
        yield values[i:i + n]


def is_forgotten(m: Member) -> bool:
    return m.display_name == "" and m.card_hash is None and m.status == "suspended"


def forget(m: Member) -> None:
    """The platform forgot this member: keep the number for loans, drop the rest."""
    m.display_name = ""
    m.contact = None
    m.card_hash = None
    m.pin_hash = None
    m.status = "suspended"


def apply_page(k: Kiosk, rows: list[dict[str, Any]], new_cursor: str, server_hlc: str | None = None,
               *, full: bool = False) -> ApplyReport:
    """Apply pulled rows and store ``new_cursor``, all in one transaction.

    ``full`` marks a complete download: online reservations the platform no
    longer lists are cancelled. A page that changes anything records one
    ``sync.pulled`` event (its HLC is moved past the platform's clock).
    """
    report = ApplyReport()
    with k.transaction() as s:
        a = _Applier(k, s, report)
        a.preload(rows)
        for row in rows:
            a.row(row)
        if full:
            listed = {r["key"] for r in rows if r["kind"] == "reservation"}
            for res in s.execute(select(Reservation).where(Reservation.source == "platform",
                                                           Reservation.status.in_(ACTIVE))).scalars():
                if res.uid not in listed:
                    a.cancel(res)
        k.set_setting(s, CURSOR, new_cursor)
        if report.conflicts:
            k.set_setting(s, CONFLICTS, (list(_get(s, CONFLICTS, [])) + report.conflicts)[-MAX_CONFLICTS:])
        if report.any_change:
            now = k.clock()
            wall = int(now.timestamp() * 1000)
            if server_hlc:
                wall = max(wall, HybridClock.parse(server_hlc)[0] + 1)
            append_event(s, kiosk_id=_get(s, "kiosk_id"), type_="sync.pulled", at=to_iso(now),
                         wall_ms=wall, payload={"cursor": new_cursor, "rows": report.rows,
                                                "changed": report.changed, "accepted": report.accepted,
                                                "cancelled": report.cancelled,
                                                "loans": report.loans,
                                                "conflicts": [c["kind"] for c in report.conflicts]})
    k.forget_cached_settings()
    return report
