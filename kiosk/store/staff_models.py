"""Staff accounts, the PIN keypad guard and inspections (schema revision 0002).

A staff account is separate from a member: volunteers and managers unlock
staff mode with a PIN (stored only as a scrypt hash) and optionally a staff
card (stored only as a SHA-256 of its token, like member cards).
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.store.models import Base


class StaffRole:
    VOLUNTEER = "volunteer"
    MANAGER = "manager"
    ALL = (VOLUNTEER, MANAGER)


class StaffAccount(Base):
    __tablename__ = "staff_accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16), default=StaffRole.VOLUNTEER)
    pin_hash: Mapped[str] = mapped_column(String(200))
    card_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[str] = mapped_column(String(32))


class StaffPinGuard(Base):
    """Consecutive wrong PINs on one keypad and how long it stays locked.

    Kept in the database so switching the kiosk off and on does not reset
    the count.
    """

    __tablename__ = "staff_pin_guard"
    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[str | None] = mapped_column(String(32), nullable=True)


class PinThrottle(Base):
    """Wrong member PINs in a row per (membership number, where they were typed) (revision 0003).

    Keyed by the number as typed (normalised), whether or not a member has it,
    so waiting tells nothing about which numbers exist. See kiosk.throttle.
    """

    __tablename__ = "pin_throttle"
    subject: Mapped[str] = mapped_column(String(32), primary_key=True)
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure: Mapped[str | None] = mapped_column(String(32), nullable=True)


class Inspection(Base):
    """A staff check of a returned item that came back short or damaged.

    ``parts_found`` are parts that were missing at the return and turned up
    at the check, so reports can tell parts lost for good from parts found.
    """

    __tablename__ = "inspections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loans.id"), nullable=True)
    staff: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(16))  # shelf | repair | retired
    parts_before: Mapped[int] = mapped_column(Integer)  # the item's parts total before the check
    parts_after: Mapped[int] = mapped_column(Integer)
    parts_found: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[str] = mapped_column(String(32), index=True)
