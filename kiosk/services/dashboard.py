"""The staff dashboard: what needs doing today, as plain data.

Overdue loans list who to call without putting their phone number on the
screen: a contact is shown masked, and revealing it is a staff action that
is logged (``member.contact_viewed``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, func, select

from kiosk.calendar import SEOUL
from kiosk.clock import to_iso
from kiosk.errors import NotFound
from kiosk.services.lifecycle import contact_key
from kiosk.services.staff import Staff, StaffView
from kiosk.store.events import event_count
from kiosk.store.models import Item, ItemStatus, Loan, Member

if TYPE_CHECKING:
    from kiosk.services.core import Kiosk


def mask_contact(contact: str | None) -> str:
    """``010-1234-5678`` -> ``010-****-5678``: enough to tell numbers apart, not to call."""
    if not contact:
        return ""
    digits = [i for i, c in enumerate(contact) if c.isdigit()]
    if len(digits) <= 4:
        return "*" * len(contact)
    hide = set(digits[3:-4]) if len(digits) > 7 else set(digits[:-4])
    return "".join("*" if i in hide else c for i, c in enumerate(contact))


@dataclass(frozen=True)
class OverdueCall:
    """An overdue loan and whom to call about it."""

    item_code: str
    item_name: str
    member_number: str | None
    member_name: str | None
    contact_masked: str
    due_on: dt.date
    days_overdue: int


@dataclass(frozen=True)
class HeldPickup:
    """An item on the reservation shelf, waiting for its member."""

    item_code: str
    item_name: str
    member_number: str
    member_name: str
    hold_until: dt.date | None


@dataclass(frozen=True)
class DashboardView:
    today: dt.date
    loans_today: int
    returns_today: int
    open_loans: int
    overdue: list[OverdueCall] = field(default_factory=list)
    inspection: int = 0
    repair: int = 0
    pickups: list[HeldPickup] = field(default_factory=list)
    events_total: int = 0
    sync: dict[str, Any] | None = None  # from the sync worker, when one runs


class Dashboard:
    """Create one per kiosk: ``Dashboard(kiosk)``."""

    def __init__(self, kiosk: Kiosk) -> None:
        self.k = kiosk

    def view(self, sync: dict[str, Any] | None = None) -> DashboardView:
        """Today's figures and lists (``sync`` is passed through from the sync worker)."""
        today = self.k.today()
        lo = to_iso(dt.datetime.combine(today, dt.time(), tzinfo=SEOUL))
        hi = to_iso(dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), tzinfo=SEOUL))
        with self.k.reading() as s:
            def count(*where: ColumnElement[bool]) -> int:
                n: int = s.execute(select(func.count()).select_from(Loan).where(*where)).scalar_one()
                return n
            loans_today = count(Loan.checked_out_at >= lo, Loan.checked_out_at < hi)
            returns_today = count(Loan.returned_at >= lo, Loan.returned_at < hi)
            open_loans = count(Loan.returned_at.is_(None))
            key = contact_key(self.k)  # contacts are stored encrypted
            overdue = [OverdueCall(item.code, item.name_ko, m.number if m else None,
                                   m.display_name if m else None, mask_contact(key.open(m.contact) if m else None),
                                   dt.date.fromisoformat(loan.due_on),
                                   (today - dt.date.fromisoformat(loan.due_on)).days)
                       for loan, item, m in s.execute(
                           select(Loan, Item, Member).join(Item, Loan.item_id == Item.id)
                           .outerjoin(Member, Loan.member_id == Member.id)
                           .where(Loan.returned_at.is_(None), Loan.due_on < today.isoformat())
                           .order_by(Loan.due_on, Item.code))]
            statuses = dict(s.execute(select(Item.status, func.count()).group_by(Item.status)).all())
            pickups = [HeldPickup(item.code, item.name_ko, m.number, m.display_name,
                                  dt.date.fromisoformat(item.hold_until) if item.hold_until else None)
                       for item, m in s.execute(
                           select(Item, Member).join(Member, Item.held_for_member_id == Member.id)
                           .where(Item.status == ItemStatus.HELD).order_by(Item.hold_until, Item.code))]
            events = event_count(s)
        return DashboardView(today=today, loans_today=loans_today, returns_today=returns_today,
                             open_loans=open_loans, overdue=overdue,
                             inspection=statuses.get(ItemStatus.INSPECTION, 0),
                             repair=statuses.get(ItemStatus.REPAIR, 0), pickups=pickups,
                             events_total=events, sync=sync)

    def reveal_contact(self, member_number: str, *, by: StaffView, why: str = "overdue") -> str:
        """The full contact of a member, for a staff call; logged with who looked."""
        Staff.require(by, "dashboard")
        with self.k.transaction() as s:
            member = s.execute(select(Member).where(Member.number == member_number)).scalar_one_or_none()
            if member is None:
                raise NotFound("No member with number {number}.", number=member_number)
            self.k.record(s, "member.contact_viewed", {"member": member.number, "why": why}, by.name)
            return contact_key(self.k).open(member.contact) or ""
