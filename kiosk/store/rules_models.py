"""Lending rules a centre runs on (schema revision 0010): membership fees and
exemptions, deposits, qualifications, maintenance schedules and demand.

An item's rule is written for the item itself or for its category
(``scope`` ``item:<id>`` or ``category:<name>``); the item's own rule wins.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.store.models import Base


class FeePlan(Base):
    """The annual membership fee of one member type at this centre (0: free)."""

    __tablename__ = "fee_plans"
    member_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    amount: Mapped[int] = mapped_column(Integer, default=0)  # KRW
    period_months: Mapped[int] = mapped_column(Integer, default=12)


class MemberFee(Base):
    """A member's fee state: paid until a date, or exempt with a reason (kept here only)."""

    __tablename__ = "member_fees"
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    paid_until: Mapped[str | None] = mapped_column(String(10), nullable=True)
    exempt_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)


class FeePayment(Base):
    __tablename__ = "fee_payments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    amount: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(16))  # cash | transfer
    reference: Mapped[str] = mapped_column(String(200), default="")
    paid_at: Mapped[str] = mapped_column(String(32))
    paid_until: Mapped[str] = mapped_column(String(10))
    staff: Mapped[str] = mapped_column(String(100))


class ItemRule(Base):
    """What lending an item (or any item of a category) asks for, and its upkeep."""

    __tablename__ = "item_rules"
    scope: Mapped[str] = mapped_column(String(60), primary_key=True)
    deposit: Mapped[int] = mapped_column(Integer, default=0)  # KRW; >0: staff take it at checkout
    qualification: Mapped[str] = mapped_column(String(60), default="")
    adults_only: Mapped[bool] = mapped_column(default=False)
    min_membership_months: Mapped[int] = mapped_column(Integer, default=0)
    every_loans: Mapped[int] = mapped_column(Integer, default=0)  # 0: no such schedule
    every_days: Mapped[int] = mapped_column(Integer, default=0)
    battery_weeks: Mapped[int] = mapped_column(Integer, default=0)
    task: Mapped[str] = mapped_column(String(200), default="")


class Deposit(Base):
    __tablename__ = "deposits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    loan_uid: Mapped[str | None] = mapped_column(String(36), nullable=True)
    amount: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[str] = mapped_column(String(32))
    taken_by: Mapped[str] = mapped_column(String(100))
    settled_at: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)  # returned | kept
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    settled_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


class Qualification(Base):
    """A qualification staff recorded for a member (``adult``: confirmed an adult; no birth date)."""

    __tablename__ = "qualifications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    obtained_on: Mapped[str] = mapped_column(String(10))
    expires_on: Mapped[str | None] = mapped_column(String(10), nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(100))

    __table_args__ = (UniqueConstraint("member_id", "name", name="uq_qualifications_member_name"),)


class MaintenanceTask(Base):
    """One maintenance task of an item: open (``done_at`` NULL) or done, its history."""

    __tablename__ = "maintenance_tasks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # loans | days | battery
    task: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[str] = mapped_column(String(32))
    done_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    done_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class Demand(Base):
    """One sign of demand: a refused scan of an item not on the shelf, a waiting-list entry."""

    __tablename__ = "demand"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    category: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # unavailable | waitlist
    at: Mapped[str] = mapped_column(String(32), index=True)

