"""Circulation: checkout, return with a parts count, renewal, holds and waitlist.

Every operation runs in one transaction that checks policy, changes state and
appends its event; an item outcome that says ``ok`` is committed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, case, func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from kiosk.calendar import CentreCalendar
from kiosk.clock import to_iso
from kiosk.codes import AliasRef, ItemKey, ItemRef, MemberKey
from kiosk.domain import (
    ACTIVE_RESERVATIONS,
    Cause,
    Condition,
    Destination,
    MemberStatus,
    ReservationSource,
    ReservationStatus,
    Transition,
    item_transition,
)
from kiosk.errors import BadInput, KioskError, Refused
from kiosk.i18n import N_, Message, translate
from kiosk.limits import ACTOR_MAX, NOTE_MAX, REASON_MAX, clean_text
from kiosk.policy import LoanPolicy
from kiosk.services.rules import DEMAND_REASONS
from kiosk.services.views import ItemOutcome, ItemView, LoanView, MemberView, ReturnOutcome
from kiosk.store.models import Item, ItemStatus, Loan, Member, Reservation, Transfer

if TYPE_CHECKING:
    from kiosk.services.core import Kiosk

class _MemberError(Exception):
    """The card names no member: the whole checkout fails, not one item."""

    def __init__(self, error: KioskError) -> None:
        super().__init__(error)
        self.error = error


#: the note staff find on an item whose parts the resident could not count: neutral on purpose
UNCOUNTED_NOTE = N_("The parts were not counted at the return: please count them. "
                    "Nothing is recorded as missing.")

_LEND_ITEM = (update(Item.__table__).where(Item.__table__.c.id == bindparam("item_id"))
              .values(status=ItemStatus.ON_LOAN, held_for_member_id=None, hold_until=None))

# Statements of the scan path, built once: building a statement per scan
# (coercing every column and value) cost more than SQLite's own work.
_OPEN_COUNTS = (select(func.count(), func.coalesce(func.sum(case((Loan.due_on < bindparam("today"), 1),
                                                                 else_=0)), 0))
                .where(Loan.member_id == bindparam("member_id"), Loan.returned_at.is_(None)))
_INSERT_LOAN = insert(Loan.__table__)
_OPEN_LOAN_OF_ITEM = (select(Loan.id, Loan.uid, Loan.due_on, Member.number)
                      .outerjoin(Member, Loan.member_id == Member.id)
                      .where(Loan.item_id == bindparam("item_id"), Loan.returned_at.is_(None)))
_CLOSE_LOAN = update(Loan.__table__).where(Loan.__table__.c.id == bindparam("loan_id"))

OVERRIDABLE = frozenset({"member_expired", "overdue", "limit", "fee_due"})


@dataclass(frozen=True)
class Override:
    """A staff member's decision to lend despite a member-level rule."""

    staff: str
    reason: str

    def __post_init__(self) -> None:
        if not self.staff.strip() or not self.reason.strip():
            raise BadInput("An override needs the staff member's name and a reason.")
        # Both go to the platform with the loan: the same limits as there.
        clean_text(self.staff, ACTOR_MAX, Message(N_("The staff member's name")))
        clean_text(self.reason, REASON_MAX, Message(N_("The reason")))


@dataclass(frozen=True)
class CheckoutResult:
    member: MemberView
    outcomes: list[ItemOutcome]


@dataclass(frozen=True)
class Moved:
    """What :meth:`Circulation.move_item` did: the rule applied, the member the item
    is now held for (it went to the first member waiting), the reservations cancelled."""

    transition: Transition
    held_for: str | None = None
    cancelled: int = 0
    cancelled_uids: tuple[str, ...] = ()


def returnable(item: ItemView, site: str) -> bool:
    """Whether the kiosk of ``site`` takes ``item`` back: on loan here; another centre's
    item (it goes home from here); or this centre's item on its way back from another."""
    if item.status == ItemStatus.ON_LOAN:
        return True
    if item.status == ItemStatus.RETIRED:
        return False
    return item.home_site != site or item.status == ItemStatus.IN_TRANSIT


def _shown(payload: ItemKey | str) -> str:
    """An item reference as text for an outcome that found no item."""
    if isinstance(payload, ItemRef):
        return payload.code
    return payload.text if isinstance(payload, AliasRef) else payload


class Circulation:
    def __init__(self, kiosk: Kiosk) -> None:
        self.k = kiosk

    # -- checkout -------------------------------------------------------------
    def checkout(self, member_payload: MemberKey | str, item_payloads: Sequence[ItemKey | str],
                 override: Override | None = None) -> CheckoutResult:
        """Lend items to the member whose card was scanned: one outcome per item.

        Each item is committed on its own, so a refusal of one never undoes
        another; a refused item that was found carries its view (name, photo)
        so the screen needs no second look-up. Raises for a card that names
        no member. Text (the CLI's) is parsed once, here.
        """
        if not item_payloads:
            with self.k.reading() as s:
                return CheckoutResult(MemberView.of(self.k.members.resolve(s, member_payload)), [])
        member: MemberView | None = None
        outcomes = []
        for payload in item_payloads:
            try:
                member, outcome = self._checkout_one(member_payload, payload, override)
                outcomes.append(outcome)
            except _MemberError as exc:
                raise exc.error from None
            except Refused as exc:
                if exc.reason in DEMAND_REASONS and exc.item_view is not None:
                    self.k.rules.count_refused_scan(ItemRef(exc.item_view.code, exc.item_view.home_site))
                outcomes.append(ItemOutcome(item=exc.item_code or _shown(payload), ok=False,
                                            error=exc.message, reason=exc.reason,
                                            item_view=exc.item_view))
                member = member or exc.member
            except BadInput as exc:
                outcomes.append(ItemOutcome(item=_shown(payload), ok=False, error=exc.message,
                                            reason=type(exc).__name__.lower()))
                member = member or exc.member
        assert member is not None
        return CheckoutResult(member, outcomes)

    def member_refusals(self, member_payload: MemberKey | str) -> tuple[MemberView, int, list[Refused]]:
        """The member a card names, their open loans, and the member rules a checkout would refuse now.

        Staff see why before they lend with an override; the checkout itself still decides.
        """
        today, policy = self.k.today(), self.k.policy
        with self.k.reading() as s:
            member = self.k.members.resolve(s, member_payload)
            open_count = s.connection().execute(
                _OPEN_COUNTS, {"today": today.isoformat(), "member_id": member.id}).one()[0]
            return MemberView.of(member), open_count, self._member_refusals(s, member, today, policy)

    def _calendar(self) -> CentreCalendar:
        # The kiosk caches its calendar (dropped when staff change closed days);
        # building it from the transaction's session would re-read closed days
        # on every scan.
        return self.k.calendar()

    def _member_refusals(self, s: Session, member: Member, today: dt.date,
                         policy: LoanPolicy) -> list[Refused]:
        refusals = []
        if member.status != MemberStatus.ACTIVE:
            refusals.append(Refused("member_suspended",
                                    "Your membership is suspended. Please see staff."))
        if dt.date.fromisoformat(member.expires_on) < today:
            refusals.append(Refused("member_expired",
                                    "Your membership expired on {date}. Please see staff to renew it.",
                                    date=member.expires_on))
        # One pass over the member's open loans gives both counts (the scan path is hot).
        open_count, overdue = s.connection().execute(
            _OPEN_COUNTS, {"today": today.isoformat(), "member_id": member.id}).one()
        if policy.block_on_overdue and overdue:
            refusals.append(Refused("overdue",
                                    "You have {count} overdue item(s). Please return them first.",
                                    count=overdue))
        limit = policy.limit_for(member.member_type)
        if open_count >= limit:
            refusals.append(Refused("limit", "You can borrow up to {limit} items at a time.",
                                    limit=limit))
        refusals.extend(self.k.rules.member_refusals(s, member, today))
        return refusals

    def _checkout_one(self, member_payload: MemberKey | str, payload: ItemKey | str,
                      override: Override | None) -> tuple[MemberView, ItemOutcome]:
        today = self.k.today()
        policy = self.k.policy
        cal = self._calendar()
        # One transaction per item: the card is resolved in it too, so a scan
        # costs one round of statements (the scan path is hot).
        with self.k.transaction() as s:
            try:
                member = self.k.members.resolve(s, member_payload)
            except KioskError as exc:
                raise _MemberError(exc) from None
            view = MemberView.of(member)
            try:
                return view, self._lend(s, member, payload, override, today, policy, cal)
            except KioskError as exc:
                exc.member = view  # the refusal screen still greets the member
                raise

    def _lend(self, s: Session, member: Member, payload: ItemKey | str, override: Override | None,
              today: dt.date, policy: LoanPolicy, cal: CentreCalendar) -> ItemOutcome:
        item = self.k.catalogue.resolve(s, payload)
        try:
            reservation = self._item_refusal(s, item, member, today)
            self.k.rules.item_refusal(s, item, member, today)  # deposit, qualification, ...
        except Refused as exc:
            exc.item_view = ItemView.of(item)  # the refusal screen shows the item
            raise
        overridden = []
        for refusal in self._member_refusals(s, member, today, policy):
            if override is None or refusal.reason not in OVERRIDABLE:
                refusal.item_code = item.code
                refusal.item_view = ItemView.of(item)
                raise refusal
            overridden.append(refusal.reason)
        # The resident's refusals above come first; the rule still guards the change.
        rule = item_transition(item.code, item.status, ItemStatus.ON_LOAN, Cause.LEND)
        # A rule is overridden only with an override at hand.
        granted = override if overridden else None
        due = cal.due_date(today, policy.days_for(item.category))
        loan_uid = str(uuid.uuid4())
        # A Core insert: the loan object itself is not needed again in this
        # transaction, and skipping the unit of work keeps the scan path short.
        s.connection().execute(_INSERT_LOAN, {
            "uid": loan_uid, "item_id": item.id, "member_id": member.id,
            "member_type": member.member_type, "site": self.k.site,
            "checked_out_at": to_iso(self.k.clock()), "due_on": due.isoformat(), "renewals": 0,
            "override_by": granted.staff if granted else None})
        # A Core update on the connection, and the loaded item told it is stored:
        # no unit of work on the scan path.
        s.connection().execute(_LEND_ITEM, {"item_id": item.id})
        for attr, value in (("status", ItemStatus.ON_LOAN), ("held_for_member_id", None),
                            ("hold_until", None)):
            set_committed_value(item, attr, value)
        if reservation is not None and rule.hold is not None:
            reservation.status = rule.hold
        if granted:
            self.k.record(s, "override.granted", {"rules": overridden, **item.event_ref(),
                                                  "member": member.number, "loan": loan_uid,
                                                  "reason": granted.reason}, granted.staff)
        self.k.record(s, "loan.checked_out", {
            "loan": loan_uid, **item.event_ref(), "member": member.number,
            "due": due.isoformat(), "site": self.k.site,
            "reservation": reservation.uid if reservation else None},
            granted.staff if granted else None)
        self.k.rules.attach_deposit(s, item, member, loan_uid)
        return ItemOutcome(item=item.code, ok=True, due=due, item_view=ItemView.of(item))

    def _item_refusal(self, s: Session, item: Item, member: Member,
                      today: dt.date) -> Reservation | None:
        """Raise when the item cannot go to this member; return the hold it fulfils."""
        def refuse(r: Refused) -> Refused:
            r.item_code = item.code
            return r

        if item.status == ItemStatus.HELD and item.hold_until and item.hold_until < today.isoformat():
            self._release_hold(s, item, ReservationStatus.EXPIRED)
        if item.status == ItemStatus.ON_LOAN:
            holder = s.execute(select(Loan.member_id).where(
                Loan.item_id == item.id, Loan.returned_at.is_(None))).scalar_one_or_none()
            if holder == member.id:
                raise refuse(Refused("already_yours", "You already have this item."))
            raise refuse(Refused("on_loan", "This item is on loan now. You can join the waiting list."))
        if item.status == ItemStatus.RETIRED:
            raise refuse(Refused("retired", "This item is no longer lent. Please hand it to staff."))
        if item.status in (ItemStatus.INSPECTION, ItemStatus.REPAIR, ItemStatus.IN_TRANSIT):
            raise refuse(Refused("not_available",
                                 "This item is waiting for a staff check and cannot be lent yet."))
        if item.home_site != self.k.site:
            raise refuse(Refused("other_site",
                                 "This item belongs to another centre. Please hand it to staff."))
        if item.status == ItemStatus.HELD:
            if item.held_for_member_id != member.id:
                raise refuse(Refused("held_for_other", "This item is reserved for another member."))
            return s.execute(select(Reservation).where(
                Reservation.item_id == item.id, Reservation.member_id == member.id,
                Reservation.status == ReservationStatus.HELD)).scalars().first()
        return None

    # -- return ---------------------------------------------------------------
    def return_item(self, item_payload: ItemKey | str, parts_counted: int | None = None,
                    damaged_note: str | None = None, *, uncounted: bool = False) -> ReturnOutcome:
        """Take an item back with its parts count and condition.

        Missing parts or damage send it to inspection; otherwise it goes to the
        reservation shelf for the next member waiting, or back to the shelf.
        ``uncounted``: the resident could not count the parts (a 120-piece
        toy); it goes to inspection with a neutral note for staff, its count
        unknown (no parts recorded missing, so no fee and no blame).
        Another centre's item is taken back too, wherever it was lent, and sent
        home (a transfer); this centre's item back from another centre arrives.
        """
        if damaged_note is not None and not damaged_note.strip():
            raise BadInput("Please say briefly what is damaged.")
        if damaged_note is not None:  # it goes to the platform with the return
            damaged_note = clean_text(damaged_note, NOTE_MAX, Message(N_("The note")), multiline=True)
        today = self.k.today()
        with self.k.transaction() as s:
            item = self.k.catalogue.resolve(s, item_payload)
            # Plain columns and a Core update: the loan row is only read and closed.
            found = s.connection().execute(_OPEN_LOAN_OF_ITEM, {"item_id": item.id}).first()
            if found is None and item.status != ItemStatus.RETIRED and (
                    item.home_site != self.k.site or item.status == ItemStatus.IN_TRANSIT):
                # Not lent here: another centre's item coming back through this one,
                # or this centre's item home from another centre.
                expected, counted, condition, note = self._condition(item, parts_counted, damaged_note)
                if item.home_site != self.k.site:
                    if item.status == ItemStatus.IN_TRANSIT and s.execute(select(Transfer.id).where(
                            Transfer.item_id == item.id, Transfer.from_site == self.k.site,
                            Transfer.received_at.is_(None))).first() is not None:
                        # Scanned again: it is already on its way home from here.
                        return ReturnOutcome(item=ItemView.of(item), member_number=None,
                                             destination=Destination.TRANSFER, parts_expected=expected,
                                             parts_counted=counted, late_days=0, condition=condition)
                    return self._send_home(s, item, None, expected, counted, condition, note)
                return self._arrive_home(s, item, today, expected, counted, condition)
            if found is None:
                raise BadInput("{code} is not on loan, so it cannot be returned. Please hand it to staff.",
                               code=item.code)
            loan_id, loan_uid, due_on, member_number = found
            expected, counted, condition, note = self._condition(item, parts_counted, damaged_note)
            if uncounted:  # kept in the centre's language for staff, beside any damage note
                note = "\n".join(filter(None, [note, translate(UNCOUNTED_NOTE, "ko")]))
            s.connection().execute(_CLOSE_LOAN, {
                "loan_id": loan_id, "returned_at": to_iso(self.k.clock()), "return_site": self.k.site,
                "parts_expected": expected, "parts_counted": None if uncounted else counted,
                "condition": condition, "return_note": note})
            held_for = None
            # A maintenance task its schedule makes due sends the item to staff too.
            if condition != Condition.OK or uncounted or (item.home_site == self.k.site
                                                          and self.k.rules.maintenance_due(s, item, today)):
                self.move_item(s, item, ItemStatus.INSPECTION, Cause.RETURN, today=today)
                destination = Destination.STAFF
            elif item.home_site != self.k.site:
                destination = Destination.TRANSFER  # on loan until it sets off home, below
            else:
                held_for = self.move_item(s, item, ItemStatus.AVAILABLE, Cause.RETURN,
                                          today=today).held_for
                destination = Destination.RESERVATION_SHELF if held_for else Destination.SHELF
            due = dt.date.fromisoformat(due_on)
            late = max(0, (today - due).days)
            self.k.record(s, "loan.returned", {
                "loan": loan_uid, **item.event_ref(), "member": member_number,
                "parts_expected": expected, "parts_counted": None if uncounted else counted,
                "condition": condition,
                "note": note, "destination": destination, "held_for": held_for,
                "late_days": late, "site": self.k.site})
            if item.home_site != self.k.site:
                # A return at another centre is a transfer: staff send it home.
                out = self._send_home(s, item, loan_uid, expected, counted, condition, note)
                return dataclasses.replace(out, member_number=member_number, late_days=late)
            return ReturnOutcome(item=ItemView.of(item), member_number=member_number,
                                 destination=destination, parts_expected=expected,
                                 parts_counted=counted, late_days=late, condition=condition,
                                 held_for=held_for)

    @staticmethod
    def _condition(item: Item, parts_counted: int | None,
                   damaged_note: str | None) -> tuple[int, int, str, str | None]:
        """(parts expected, parts counted, condition, note) of an item handed back."""
        expected = item.parts_total
        counted = expected if parts_counted is None else parts_counted
        if counted < 0 or counted > expected:
            raise BadInput("Please enter a number of parts from 0 to {expected}.", expected=expected)
        if damaged_note:
            condition = Condition.DAMAGED
        elif counted < expected:
            condition = Condition.MISSING_PARTS
        else:
            condition = Condition.OK
        return expected, counted, condition, damaged_note.strip() if damaged_note else None

    def _send_home(self, s: Session, item: Item, loan_uid: str | None, expected: int, counted: int,
                   condition: str, note: str | None) -> ReturnOutcome:
        """Another centre's item handed in here: it waits on the shelf for other centres'
        items until staff send it home. The platform closes its loan wherever it was
        lent and tells the home centre to expect it."""
        uid = str(uuid.uuid4())
        s.add(Transfer(uid=uid, item_id=item.id, from_site=self.k.site, to_site=item.home_site,
                       loan_uid=loan_uid, started_at=to_iso(self.k.clock()),
                       parts_expected=expected, parts_counted=counted, condition=condition))
        self.move_item(s, item, ItemStatus.IN_TRANSIT, Cause.TRANSFER)
        self.k.record(s, "transfer.started", {
            "transfer": uid, **item.event_ref(), "loan": loan_uid, "parts_expected": expected,
            "parts_counted": counted, "condition": condition, "note": note, "site": self.k.site,
            "to_site": item.home_site})
        return ReturnOutcome(item=ItemView.of(item), member_number=None,
                             destination=Destination.TRANSFER if condition == Condition.OK
                             else Destination.STAFF,
                             parts_expected=expected, parts_counted=counted, late_days=0,
                             condition=condition)

    def _arrive_home(self, s: Session, item: Item, today: dt.date, expected: int, counted: int,
                     condition: str) -> ReturnOutcome:
        """This centre's item back from another centre: on the shelf again, or to the
        next member waiting, or to staff when it came back damaged or short."""
        travelling = s.execute(select(Transfer).where(
            Transfer.item_id == item.id, Transfer.received_at.is_(None))).scalars().all()
        if condition != Condition.OK or any(t.condition not in (None, Condition.OK) for t in travelling):
            self.move_item(s, item, ItemStatus.INSPECTION, Cause.RETURN, today=today)
            held_for, destination = None, Destination.STAFF
        else:
            held_for = self.move_item(s, item, ItemStatus.AVAILABLE, Cause.RETURN, today=today).held_for
            destination = Destination.RESERVATION_SHELF if held_for else Destination.SHELF
        now = to_iso(self.k.clock())
        for t in travelling:
            t.received_at = now
            self.k.record(s, "transfer.received", {
                "transfer": t.uid, **item.event_ref(), "parts_counted": counted,
                "condition": condition, "destination": destination, "held_for": held_for,
                "site": self.k.site})
        return ReturnOutcome(item=ItemView.of(item), member_number=None, destination=destination,
                             parts_expected=expected, parts_counted=counted, late_days=0,
                             condition=condition, held_for=held_for)

    def receive_transfer(self, item_payload: ItemKey | str) -> ReturnOutcome:
        """Staff: this centre's item is back from another centre (parts as counted there)."""
        today = self.k.today()
        with self.k.transaction() as s:
            item = self.k.catalogue.resolve(s, item_payload)
            if item.home_site != self.k.site or item.status != ItemStatus.IN_TRANSIT:
                raise BadInput("{code} is not on its way back to this centre.", code=item.code)
            expected = item.parts_total
            return self._arrive_home(s, item, today, expected, expected, Condition.OK)

    # -- renew ----------------------------------------------------------------
    def renew(self, item_payload: ItemKey | str, member_payload: MemberKey | str | None = None) -> ItemOutcome:
        """Extend a loan when policy allows and nobody is waiting for the item."""
        today = self.k.today()
        policy = self.k.policy
        cal = self._calendar()
        code = _shown(item_payload)
        try:
            with self.k.transaction() as s:
                item = self.k.catalogue.resolve(s, item_payload)
                code = item.code
                loan = s.execute(select(Loan).where(Loan.item_id == item.id,
                                                    Loan.returned_at.is_(None))).scalar_one_or_none()
                if loan is None:
                    raise BadInput("{code} is not on loan.", code=item.code)
                if member_payload is not None:
                    member = self.k.members.resolve(s, member_payload)
                    if loan.member_id != member.id:
                        raise Refused("not_yours", "This item is on loan to someone else.")
                if loan.renewals >= policy.max_renewals:
                    raise Refused("renewals_used",
                                  "This loan has been renewed {count} time(s) already, the most allowed.",
                                  count=loan.renewals)
                if self._waiting(s, item.id):
                    raise Refused("reserved", "Someone is waiting for this item, so it cannot be renewed.")
                # A renewal adds a full loan period from the later of today and the due date.
                base = max(dt.date.fromisoformat(loan.due_on), today)
                due = cal.due_date(base, policy.days_for(item.category))
                loan.due_on = due.isoformat()
                loan.renewals += 1
                self.k.record(s, "loan.renewed", {"loan": loan.uid, **item.event_ref(),
                                                  "due": loan.due_on, "renewals": loan.renewals})
                return ItemOutcome(item=item.code, ok=True, due=due, item_view=ItemView.of(item))
        except Refused as exc:
            return ItemOutcome(item=code, ok=False, error=exc.message, reason=exc.reason)

    # -- holds and waitlist ---------------------------------------------------
    def reserve(self, member_payload: MemberKey | str, item_payload: ItemKey | str,
                source: str = ReservationSource.KIOSK,
                uid: str | None = None) -> str:
        """Hold an item for a member: "held" at once when it is on the shelf,
        else "waiting" in the queue. Returns the reservation's status."""
        today = self.k.today()
        with self.k.transaction() as s:
            member = self.k.members.resolve(s, member_payload)
            item = self.k.catalogue.resolve(s, item_payload)
            if item.status == ItemStatus.RETIRED:
                raise Refused("retired", "This item is no longer lent. Please hand it to staff.")
            mine = s.execute(select(Reservation.id).where(
                Reservation.item_id == item.id, Reservation.member_id == member.id,
                Reservation.status.in_(ACTIVE_RESERVATIONS))).first()
            if mine:
                raise Refused("already_reserved", "You are already on the list for this item.")
            open_loan = s.execute(select(Loan.member_id).where(
                Loan.item_id == item.id, Loan.returned_at.is_(None))).scalar_one_or_none()
            if open_loan == member.id:
                raise Refused("already_yours", "You already have this item.")
            if source == ReservationSource.KIOSK and item.status == ItemStatus.AVAILABLE:
                raise Refused("available", "This item is on the shelf: you can borrow it now.")
            res = Reservation(uid=uid or str(uuid.uuid4()), item_id=item.id, member_id=member.id,
                              status=ReservationStatus.WAITING, source=source,
                              created_at=to_iso(self.k.clock()))
            s.add(res)
            s.flush()
            if item.status == ItemStatus.AVAILABLE:
                self._hold(s, item, res, today)
            else:
                self.k.rules.count_demand(s, item, "waitlist")
            self.k.record(s, "reservation.created", {
                "reservation": res.uid, **item.event_ref(), "member": member.number,
                "status": res.status, "source": source, "hold_until": res.hold_until})
            return res.status

    def cancel_reservation(self, member_payload: MemberKey | str, item_payload: ItemKey | str,
                           actor: str | None = None) -> None:
        with self.k.transaction() as s:
            member = self.k.members.resolve(s, member_payload)
            item = self.k.catalogue.resolve(s, item_payload)
            res = s.execute(select(Reservation).where(
                Reservation.item_id == item.id, Reservation.member_id == member.id,
                Reservation.status.in_(ACTIVE_RESERVATIONS))).scalars().first()
            if res is None:
                raise BadInput("There is no reservation of {code} for this member.", code=item.code)
            was_held = res.status == ReservationStatus.HELD
            res.status = ReservationStatus.CANCELLED
            if was_held and item.status == ItemStatus.HELD and item.held_for_member_id == member.id:
                self.move_item(s, item, ItemStatus.AVAILABLE, Cause.HOLD)
            self.k.record(s, "reservation.cancelled", {"reservation": res.uid, **item.event_ref(),
                                                       "member": member.number}, actor)

    def expire_holds(self) -> int:
        """Release holds past their pickup date to the next member or the shelf."""
        today = self.k.today().isoformat()
        with self.k.transaction() as s:
            items = s.execute(select(Item).where(Item.status == ItemStatus.HELD,
                                                 Item.hold_until < today)).scalars().all()
            for item in items:
                self._release_hold(s, item, ReservationStatus.EXPIRED)
            return len(items)

    def _release_hold(self, s: Session, item: Item, why: ReservationStatus) -> None:
        res = s.execute(select(Reservation).where(
            Reservation.item_id == item.id,
            Reservation.status == ReservationStatus.HELD)).scalars().first()
        if res is not None:
            res.status = why
        held_for = self.move_item(s, item, ItemStatus.AVAILABLE, Cause.HOLD).held_for
        self.k.record(s, "reservation.expired", {"reservation": res.uid if res else None,
                                                 **item.event_ref(), "next": held_for})

    def _waiting(self, s: Session, item_id: int) -> Reservation | None:
        return s.execute(select(Reservation).where(
            Reservation.item_id == item_id, Reservation.status == ReservationStatus.WAITING)
            .order_by(Reservation.created_at, Reservation.id)).scalars().first()

    def _hold(self, s: Session, item: Item, res: Reservation, today: dt.date) -> None:
        item_transition(item.code, item.status, ItemStatus.HELD, Cause.HOLD)
        until = self._calendar().due_date(today, self.k.policy.hold_days)
        res.status = ReservationStatus.HELD
        res.hold_until = until.isoformat()
        item.status = ItemStatus.HELD
        item.held_for_member_id = res.member_id
        item.hold_until = res.hold_until

    def _offer(self, s: Session, item: Item, today: dt.date) -> str | None:
        """Hold an item that just became available for the first member waiting."""
        res = self._waiting(s, item.id)
        if res is None:
            return None
        self._hold(s, item, res, today)
        return s.get_one(Member, res.member_id).number

    def offer_to_waitlist(self, s: Session, item: Item) -> str | None:
        """For staff actions that put an item back on the shelf."""
        return self._offer(s, item, self.k.today())

    def move_item(self, s: Session, item: Item, new: str, cause: Cause, *,
                  actor: str | None = None, today: dt.date | None = None,
                  offer: bool = True) -> Moved:
        """Change an item's status in the caller's transaction, by the one rule
        (:func:`kiosk.domain.item_transition`): the hold, the held member's
        reservation and the waiting list follow it.

        A retirement cancels every reservation of the item, each with its
        ``reservation.cancelled`` event (``actor``: who retired it), so the
        platform tells the members; an item back on the shelf is held for
        the first member waiting (``offer=False``: the caller knows better).
        A held member put back in the queue gets a ``reservation.requeued``
        event. Under ``Cause.SYNC`` nothing is logged: the platform made the
        change. Raises :class:`kiosk.domain.StatusRefused` for a change the
        rule refuses. The caller records its own event.
        """
        rule = item_transition(item.code, item.status, new, cause)
        cancelled: list[str] = []
        requeued: list[Reservation] = []
        if rule.hold is not None or rule.waiting is not None:
            for res in s.execute(select(Reservation).where(
                    Reservation.item_id == item.id, Reservation.status.in_(ACTIVE_RESERVATIONS))
                    .order_by(Reservation.created_at, Reservation.id)).scalars():
                to = rule.hold if res.status == ReservationStatus.HELD else rule.waiting
                if to is None:
                    continue
                res.status = to
                if to == ReservationStatus.WAITING:
                    res.hold_until = None  # back in the queue in its place; a new hold sets a new date
                    requeued.append(res)
                elif to == ReservationStatus.CANCELLED:
                    cancelled.append(res.uid)
                    if rule.tell:
                        self.k.record(s, "reservation.cancelled", {
                            "reservation": res.uid, **item.event_ref(),
                            "member": s.get_one(Member, res.member_id).number}, actor)
        item.status = rule.new
        if rule.clear_hold:
            item.held_for_member_id = None
            item.hold_until = None
        held_for = self._offer(s, item, today or self.k.today()) if rule.offer and offer else None
        for res in requeued:
            if rule.tell and res.status == ReservationStatus.WAITING:  # not held again just now
                self.k.record(s, "reservation.requeued", {
                    "reservation": res.uid, **item.event_ref(),
                    "member": s.get_one(Member, res.member_id).number, "to": rule.new}, actor)
        return Moved(rule, held_for, len(cancelled), tuple(cancelled))

    # -- listings -------------------------------------------------------------
    def loans(self, *, open_only: bool = False, overdue_only: bool = False,
              member_payload: MemberKey | str | None = None, limit: int | None = None) -> list[LoanView]:
        today = self.k.today()
        with self.k.reading() as s:
            # Plain columns, not entities: the morning overdue list can be long.
            q = (select(Loan.uid, Item.code, Item.name_ko, Member.number, Loan.checked_out_at,
                        Loan.due_on, Loan.renewals, Loan.returned_at)
                 .join(Item, Loan.item_id == Item.id)
                 .outerjoin(Member, Loan.member_id == Member.id))
            if open_only or overdue_only:
                q = q.where(Loan.returned_at.is_(None))
            if overdue_only:
                q = q.where(Loan.due_on < today.isoformat())
            if member_payload is not None:
                q = q.where(Loan.member_id == self.k.members.resolve(s, member_payload).id)
            q = q.order_by(Loan.due_on if overdue_only else Loan.checked_out_at.desc())
            if limit:
                q = q.limit(limit)
            views = []
            for uid, code, name, number, out_at, due_on, renewals, returned_at in s.execute(q):
                due = dt.date.fromisoformat(due_on)
                views.append(LoanView(uid=uid, item_code=code, item_name=name, member_number=number,
                                      checked_out_at=out_at, due_on=due, renewals=renewals,
                                      returned_at=returned_at,
                                      overdue=returned_at is None and due < today))
            return views
