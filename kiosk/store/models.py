"""SQLAlchemy 2.0 typed models of the lending domain.

Times are stored as UTC ISO strings ("...Z") so SQLite sorts them correctly;
due dates are plain calendar dates on the centre's calendar.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# The domain's vocabularies live in kiosk.domain (every wing imports them); the
# columns store their plain strings. Re-exported: ``from kiosk.store.models import ItemStatus``.
from kiosk.domain import ItemStatus as ItemStatus
from kiosk.domain import MemberStatus, ReservationSource, ReservationStatus


class Base(DeclarativeBase):
    if TYPE_CHECKING:
        # Every model here is mapped to a Table: Core statements use ``Model.__table__`` as one.
        __table__: ClassVar[Table]


class Setting(Base):
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class Site(Base):
    __tablename__ = "sites"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class ClosedDay(Base):
    __tablename__ = "closed_days"
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD
    reason: Mapped[str] = mapped_column(String(200), default="")


class Item(Base):
    """An item, named in the city by (home site, code): centres number their items
    independently, and a kiosk may hold another centre's item (returned here)."""

    __tablename__ = "items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16))
    name_ko: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    # Optional names for residents reading Chinese or Vietnamese (else the Korean name).
    name_zh: Mapped[str] = mapped_column(String(200), default="")
    name_vi: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(40), default="tool", index=True)
    home_site: Mapped[str] = mapped_column(String(32))
    age_min_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    age_max_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    safe_use_ko: Mapped[str] = mapped_column(Text, default="")
    safe_use_en: Mapped[str] = mapped_column(Text, default="")
    # [{"name_ko": "...", "name_en": "...", "count": 3}, ...]
    parts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    replacement_value: Mapped[int] = mapped_column(Integer, default=0)  # KRW
    status: Mapped[str] = mapped_column(String(16), default=ItemStatus.AVAILABLE.value, index=True)
    held_for_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    hold_until: Mapped[str | None] = mapped_column(String(10), nullable=True)
    photo: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[str] = mapped_column(String(32))

    __table_args__ = (UniqueConstraint("home_site", "code", name="uq_items_site_code"),)

    def event_ref(self) -> dict[str, str]:
        """How an event names this item: its code and its home site."""
        return {"item": self.code, "item_site": self.home_site}

    @property
    def parts_total(self) -> int:
        return sum(int(p.get("count", 0)) for p in self.parts or [])


class ItemAlias(Base):
    """A legacy barcode (EAN, Code 128) already stuck on an item."""

    __tablename__ = "item_aliases"
    alias: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)


class Member(Base):
    __tablename__ = "members"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    contact: Mapped[str | None] = mapped_column(String(100), nullable=True)
    card_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    #: the member card on the resident's phone: issued and revoked on the platform only
    phone_card_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    pin_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    member_type: Mapped[str] = mapped_column(String(20), default="standard")
    expires_on: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(16), default=MemberStatus.ACTIVE.value)
    language: Mapped[str] = mapped_column(String(8), default="ko")
    large_text: Mapped[bool] = mapped_column(default=False)
    high_contrast: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[str] = mapped_column(String(32))
    #: NULL: a member of this kiosk's site; else the centre of a member the platform
    #: shared (served when this centre honours that centre's cards, else only named)
    home_site: Mapped[str | None] = mapped_column(String(32), nullable=True)

    __table_args__ = (Index("ix_members_phone_card_hash", "phone_card_hash", unique=True),)


class Loan(Base):
    __tablename__ = "loans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    # NULL once the retention job has pseudonymised the loan
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True, index=True)
    member_pseudonym: Mapped[str | None] = mapped_column(String(32), nullable=True)
    member_type: Mapped[str] = mapped_column(String(20))
    site: Mapped[str] = mapped_column(String(32))
    checked_out_at: Mapped[str] = mapped_column(String(32), index=True)
    due_on: Mapped[str] = mapped_column(String(10))
    renewals: Mapped[int] = mapped_column(Integer, default=0)
    returned_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    return_site: Mapped[str | None] = mapped_column(String(32), nullable=True)
    parts_expected: Mapped[int | None] = mapped_column(Integer, nullable=True)
    parts_counted: Mapped[int | None] = mapped_column(Integer, nullable=True)
    condition: Mapped[str | None] = mapped_column(String(16), nullable=True)  # ok|damaged|missing_parts
    return_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    override_by: Mapped[str | None] = mapped_column(String(100), nullable=True)

    __table_args__ = (
        # An item can never have two open loans: enforced by the database itself.
        Index("uq_loans_open_item", "item_id", unique=True,
              sqlite_where=returned_at.is_(None), postgresql_where=returned_at.is_(None)),
        Index("ix_loans_open_due", "due_on", sqlite_where=returned_at.is_(None)),
    )


class Reservation(Base):
    """A hold request: made online (synced in) or a waitlist entry at the kiosk.

    status: waiting -> held -> fulfilled; or cancelled / expired.
    """

    __tablename__ = "reservations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=ReservationStatus.WAITING.value, index=True)
    source: Mapped[str] = mapped_column(String(16), default=ReservationSource.KIOSK.value)
    created_at: Mapped[str] = mapped_column(String(32))
    hold_until: Mapped[str | None] = mapped_column(String(10), nullable=True)


class Transfer(Base):
    """An item returned at a centre that is not its home: it travels home.

    Recorded by the kiosk that took it back (``from_site``); the platform tells
    the home centre (``to_site``), which closes its loan and expects the item.
    ``received_at`` is set when the home centre has it back.
    """

    __tablename__ = "transfers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    from_site: Mapped[str] = mapped_column(String(32))
    to_site: Mapped[str] = mapped_column(String(32))
    loan_uid: Mapped[str | None] = mapped_column(String(36), nullable=True)
    started_at: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    parts_expected: Mapped[int | None] = mapped_column(Integer, nullable=True)
    parts_counted: Mapped[int | None] = mapped_column(Integer, nullable=True)
    condition: Mapped[str | None] = mapped_column(String(16), nullable=True)


class Event(Base):
    """One immutable event a state change: outbox for sync and audit trail.

    ``seq`` is gap-free per kiosk; ``hash`` covers ``prev_hash`` and the
    canonical JSON of the event, so any edit breaks the chain.
    """

    __tablename__ = "events"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(40), index=True)
    at: Mapped[str] = mapped_column(String(32))
    hlc: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str | None] = mapped_column(String(100), nullable=True)
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("kiosk_id", "seq"),)


from kiosk.store import condition_models as _condition_models  # noqa: E402,F401  (condition photos)
from kiosk.store import privacy_models as _privacy_models  # noqa: E402,F401  (registers the consent table)
from kiosk.store import rules_models as _rules_models  # noqa: E402,F401  (registers the lending-rule tables)
from kiosk.store import staff_models as _staff_models  # noqa: E402,F401  (registers the staff tables)
