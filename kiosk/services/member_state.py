"""The short state a member sees right after signing in at the kiosk."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import select

from kiosk.codes import MemberKey
from kiosk.services.views import HeldItem, MemberState
from kiosk.store.models import Item, Loan, Reservation

if TYPE_CHECKING:
    from kiosk.services.core import Kiosk

#: a loan due within this many days counts as "due soon" on the sign-in summary
DUE_SOON_DAYS = 2


def member_state(kiosk: Kiosk, member_ref: MemberKey | str) -> MemberState:
    """Loans out, due soon, overdue (and whether that blocks borrowing) and items held for
    the member named by ``member_ref`` (the card payload, or the number after a PIN sign-in)."""
    today = kiosk.today()
    soon = (today + dt.timedelta(days=DUE_SOON_DAYS)).isoformat()
    with kiosk.reading() as s:
        member = kiosk.members.resolve(s, member_ref)
        dues = [dt.date.fromisoformat(d) for (d,) in s.execute(
            select(Loan.due_on).where(Loan.member_id == member.id, Loan.returned_at.is_(None)))]
        held = s.execute(
            select(Item.code, Item.name_ko, Item.name_en, Reservation.hold_until, Item.name_zh, Item.name_vi)
            .join(Item, Reservation.item_id == Item.id)
            .where(Reservation.member_id == member.id, Reservation.status == "held")
            .order_by(Reservation.created_at)).all()
    overdue = sum(1 for d in dues if d < today)
    return MemberState(
        on_loan=len(dues),
        due_soon=sum(1 for d in dues if today <= d and d.isoformat() <= soon),
        overdue=overdue,
        blocked=bool(overdue) and kiosk.policy.block_on_overdue,
        held=tuple(HeldItem(code, name_ko, name_en or "",
                            dt.date.fromisoformat(until) if until else None, name_zh or "", name_vi or "")
                   for code, name_ko, name_en, until, name_zh, name_vi in held),
        next_due=min((d for d in dues if d >= today), default=None))
