"""The lending domain's vocabularies and the one rule for an item's status.

Qt-free and storage-free, so every wing imports it: the services and the
store, the sync client, the UI (which may not import ``kiosk.store``) and the
hardware. The values are the strings stored in the database and carried by
events: an enum member *is* its string (``StrEnum``), so stored rows, event
payloads and the platform's wire format are unchanged.

:func:`item_transition` is the rule for an item's status: which changes are
allowed, for which cause, and what each does to the item's hold and its
waiting list. The services apply it inside their transaction through one
helper (:meth:`kiosk.services.circulation.Circulation.move_item`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from kiosk.errors import BadInput
from kiosk.i18n import N_, Message


class ItemStatus(StrEnum):
    """Where an item is in its life at the centre."""

    AVAILABLE = "available"
    ON_LOAN = "on_loan"
    HELD = "held"  # held on the reservation shelf for one member
    INSPECTION = "inspection"
    REPAIR = "repair"
    RETIRED = "retired"
    IN_TRANSIT = "in_transit"  # returned at another centre, on its way home

    #: every status as its plain stored string (membership tests on any value)
    ALL: ClassVar[tuple[str, ...]]


ItemStatus.ALL = tuple(s.value for s in ItemStatus)

#: how staff screens and domain errors name each status
STATUS_LABELS: dict[str, str] = {
    ItemStatus.AVAILABLE: N_("On the shelf"), ItemStatus.ON_LOAN: N_("On loan"),
    ItemStatus.HELD: N_("Held for pickup"), ItemStatus.INSPECTION: N_("Waiting for a check"),
    ItemStatus.REPAIR: N_("In repair"), ItemStatus.RETIRED: N_("Retired"),
    ItemStatus.IN_TRANSIT: N_("On its way to its home centre")}


class ReservationStatus(StrEnum):
    """A reservation's life: waiting -> held -> fulfilled; or cancelled / expired."""

    WAITING = "waiting"
    HELD = "held"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


#: reservations still in force: in the queue, or on the reservation shelf
ACTIVE_RESERVATIONS = (ReservationStatus.WAITING, ReservationStatus.HELD)


class ReservationSource(StrEnum):
    KIOSK = "kiosk"  # a waiting-list entry made at the kiosk
    PLATFORM = "platform"  # made online, synced in


class MemberStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class Condition(StrEnum):
    """What a return (or a transfer) found."""

    OK = "ok"
    DAMAGED = "damaged"
    MISSING_PARTS = "missing_parts"


class Destination(StrEnum):
    """Where a returned item goes next (the resident is told which shelf)."""

    SHELF = "shelf"
    RESERVATION_SHELF = "reservation_shelf"
    TRANSFER = "transfer"  # the shelf for other centres' items
    STAFF = "staff"  # handed to staff: damaged, short of parts, or another centre's


class InspectionOutcome(StrEnum):
    """What staff decide about an item in inspection or repair."""

    SHELF = "shelf"
    REPAIR = "repair"
    RETIRED = "retired"


#: the status each inspection outcome gives the item
OUTCOME_STATUS: dict[InspectionOutcome, ItemStatus] = {
    InspectionOutcome.SHELF: ItemStatus.AVAILABLE, InspectionOutcome.REPAIR: ItemStatus.REPAIR,
    InspectionOutcome.RETIRED: ItemStatus.RETIRED}


class Cause(StrEnum):
    """Why an item's status changes: each cause allows its own changes."""

    LEND = "lend"  # a checkout
    RETURN = "return"  # handed back here, or home from another centre
    TRANSFER = "transfer"  # another centre's item sets off home from here
    HOLD = "hold"  # a hold begins, or ends (cancelled, expired)
    STAFF = "staff"  # a staff decision: shelf, inspection, repair, retirement
    #: the platform's record applied here (a pull, or the kiosk's own events taken
    #: back after a restore): the physical whereabouts it reports win
    SYNC = "sync"


_S = ItemStatus
#: what staff may set, from any status but on loan (a loan ends with its return)
STAFF_TARGETS = frozenset({_S.AVAILABLE, _S.INSPECTION, _S.REPAIR, _S.RETIRED})
#: cause -> status now -> statuses it may move to
ALLOWED: dict[Cause, dict[ItemStatus, frozenset[ItemStatus]]] = {
    Cause.LEND: {_S.AVAILABLE: frozenset({_S.ON_LOAN}), _S.HELD: frozenset({_S.ON_LOAN})},
    Cause.RETURN: {_S.ON_LOAN: frozenset({_S.AVAILABLE, _S.INSPECTION}),
                   _S.IN_TRANSIT: frozenset({_S.AVAILABLE, _S.INSPECTION})},
    # Possession decides: another centre's item handed in here goes home whatever
    # this kiosk last knew of it; only a retired item stays with staff.
    Cause.TRANSFER: {old: frozenset({_S.IN_TRANSIT}) for old in _S if old != _S.RETIRED},
    Cause.HOLD: {_S.AVAILABLE: frozenset({_S.HELD}), _S.HELD: frozenset({_S.AVAILABLE})},
    Cause.STAFF: {old: STAFF_TARGETS for old in _S if old != _S.ON_LOAN},
    # What happened elsewhere happened: any status may follow any other.
    Cause.SYNC: {old: frozenset(_S) for old in _S},
}


@dataclass(frozen=True)
class Transition:
    """An allowed change of an item's status and what it does around the item.

    ``hold``: what the reservation holding the item becomes (None: unchanged,
    or the caller ended it). ``waiting``: what the members waiting get (None:
    they keep waiting). ``offer``: the item goes to the first member waiting.
    ``tell``: the kiosk logs the reservations' changes for the platform (never
    for ``SYNC``: the platform made them, and told the members).
    """

    old: ItemStatus
    new: ItemStatus
    cause: Cause
    clear_hold: bool
    hold: ReservationStatus | None
    waiting: ReservationStatus | None
    offer: bool
    tell: bool = True

    @property
    def changed(self) -> bool:
        return self.old != self.new


class StatusRefused(BadInput):
    """The item's status cannot change that way (staff see why, translated)."""

    def __init__(self, msgid: str, /, *, old: str, new: str, **params: object) -> None:
        self.old, self.new = old, new
        super().__init__(msgid, **params)


def _label(status: str) -> Message | str:
    label = STATUS_LABELS.get(status)
    return Message(label) if label else status


def item_transition(code: str, old: str, new: str, cause: Cause) -> Transition:
    """The rule for moving item ``code`` from ``old`` to ``new`` for ``cause``.

    Raises :class:`StatusRefused` (a translated domain error) for a change the
    cause does not allow. What happens around the item:

    * an item that is no longer held is held for nobody;
    * the held member's reservation is fulfilled by the loan, cancelled by a
      retirement, ended by the caller when the hold itself ends (``HOLD``),
      and otherwise goes back to the waiting list in its place (the member
      keeps their turn while staff check the item, or while it travels;
      one ``reservation.requeued`` event tells the platform);
    * retiring cancels every reservation: the members are told (one
      ``reservation.cancelled`` event each, which the platform turns into
      notices);
    * an item back on the shelf goes to the first member waiting.
    """
    if old not in ItemStatus.ALL:
        raise StatusRefused(N_("Unknown item status: {status}"), old=old, new=new, status=old)
    if new not in ItemStatus.ALL:
        raise StatusRefused(N_("Unknown item status: {status}"), old=old, new=new, status=new)
    before, after = ItemStatus(old), ItemStatus(new)
    if after not in ALLOWED[cause].get(before, frozenset()):
        if before == ItemStatus.ON_LOAN and cause == Cause.STAFF:
            raise StatusRefused(N_("{code} is on loan; return it first."), old=old, new=new, code=code)
        raise StatusRefused(N_("{code} cannot change from “{current}” to “{wanted}”."), old=old,
                            new=new, code=code, current=_label(before), wanted=_label(after))
    hold: ReservationStatus | None = None
    if before == ItemStatus.HELD and after != ItemStatus.HELD:
        if after == ItemStatus.ON_LOAN:
            hold = ReservationStatus.FULFILLED
        elif after == ItemStatus.RETIRED:
            hold = ReservationStatus.CANCELLED
        elif cause != Cause.HOLD:
            hold = ReservationStatus.WAITING
    retiring = after == ItemStatus.RETIRED
    return Transition(old=before, new=after, cause=cause, clear_hold=after != ItemStatus.HELD,
                      hold=hold, waiting=ReservationStatus.CANCELLED if retiring else None,
                      offer=after == ItemStatus.AVAILABLE, tell=cause != Cause.SYNC)
