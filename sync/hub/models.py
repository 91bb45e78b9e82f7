"""Tables of the reference platform server (PostgreSQL in production, SQLite on a laptop).

The platform keeps its own copy of every kiosk's event log (``events``), the
state those events and the platform's own edits build (items, members, loans,
reservations, closed days), and the change feed kiosks pull (``changes``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only makes INTEGER PRIMARY KEY an auto-incrementing rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    if TYPE_CHECKING:
        # Every model here is mapped to a Table: Core statements use ``Model.__table__`` as one.
        __table__: ClassVar[Table]


class Meta(Base):
    """Server-wide values: feed epoch and purge horizon."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class Site(Base):
    __tablename__ = "sites"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[str] = mapped_column(String(32))
    #: one of Seoul's 25 자치구 (sync.hub.roles.DISTRICTS); district officers see its sites
    district: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)


class Kiosk(Base):
    """A kiosk, bound to one site by its credential (stored hashed)."""

    __tablename__ = "kiosks"
    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site: Mapped[str] = mapped_column(ForeignKey("sites.code"), index=True)
    credential_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[str] = mapped_column(String(32))
    revoked_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    held_seq: Mapped[int] = mapped_column(BigInteger, default=0)  # highest contiguous seq held
    head_hash: Mapped[str] = mapped_column(String(64), default="0" * 64)
    last_push_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    last_seen_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    heartbeat: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    #: members this kiosk registers are numbered M-<block><5 digits>, so no two kiosks
    #: can give out the same number while offline (see admin.next_member_block)
    member_block: Mapped[int | None] = mapped_column(Integer, nullable=True, unique=True)


class Event(Base):
    """A kiosk's event, exactly as the kiosk wrote it (its hash chain verifies)."""

    __tablename__ = "events"
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.kiosk_id"))
    seq: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(40), index=True)
    at: Mapped[str] = mapped_column(String(32))
    hlc: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str | None] = mapped_column(String(100), nullable=True)
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[str] = mapped_column(String(32))

    __table_args__ = (UniqueConstraint("kiosk_id", "seq", name="uq_events_kiosk_seq"),)


def item_key(site: str, code: str) -> str:
    """An item's name in the city, ``SITE/CODE``: centres number their items independently."""
    return f"{site}/{code}"


def _key_of_row(context: Any) -> str:
    row = context.get_current_parameters()
    return item_key(row["home_site"], row["code"])


class Item(Base):
    """The city catalogue (the platform owns it) plus where each item is.

    ``key`` is ``<home site>/<code>`` (see :func:`item_key`); loans and
    reservations refer to items by it.
    """

    __tablename__ = "items"
    key: Mapped[str] = mapped_column(String(64), primary_key=True, default=_key_of_row)
    code: Mapped[str] = mapped_column(String(16))
    name_ko: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    # Optional (empty: pages in Chinese or Vietnamese show the Korean name).
    name_zh: Mapped[str] = mapped_column(String(200), default="")
    name_vi: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(40), default="tool")
    home_site: Mapped[str] = mapped_column(String(32), index=True)
    parts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    replacement_value: Mapped[int] = mapped_column(Integer, default=0)
    age_min_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    age_max_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    safe_use_ko: Mapped[str] = mapped_column(Text, default="")
    safe_use_en: Mapped[str] = mapped_column(Text, default="")
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the platform last learnt from the kiosks: available, on_loan, held,
    # inspection, repair, retired, in_transit.
    status: Mapped[str] = mapped_column(String(16), default="available")
    location: Mapped[str] = mapped_column(String(32))  # site where the item physically is
    origin: Mapped[str] = mapped_column(String(80), default="platform")
    updated_hlc: Mapped[str] = mapped_column(String(32), default="")
    #: the former home site of an item the platform gave to another centre
    moved_from: Mapped[str | None] = mapped_column(String(32), nullable=True)

    __table_args__ = (UniqueConstraint("home_site", "code", name="uq_items_site_code"),)


class CardPolicy(Base):
    """Whose cards a centre lends to: ``all`` centres, the ``list`` in ``sites``, or ``none``
    but its own. A site without a row honours only its own cards."""

    __tablename__ = "card_policies"
    site: Mapped[str] = mapped_column(ForeignKey("sites.code"), primary_key=True)
    honour: Mapped[str] = mapped_column(String(8), default="none")
    sites: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[str] = mapped_column(String(32))


class Member(Base):
    """A resident. ``display_name``/``card_hash`` are NULL when only a kiosk knows them."""

    __tablename__ = "members"
    number: Mapped[str] = mapped_column(String(16), primary_key=True)
    home_site: Mapped[str] = mapped_column(String(32), index=True)
    display_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    card_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    #: the SHA-256 of the member card on the resident's phone (issued on the resident
    #: page, revocable there), kept apart from the plastic card's
    phone_card_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    pin_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    member_type: Mapped[str] = mapped_column(String(20), default="standard")
    expires_on: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(16), default="active")
    language: Mapped[str] = mapped_column(String(8), default="ko")
    origin: Mapped[str] = mapped_column(String(80), default="platform")
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_hlc: Mapped[str] = mapped_column(String(32), default="")

    __table_args__ = (Index("ix_members_phone_card_hash", "phone_card_hash", unique=True),)


class Loan(Base):
    __tablename__ = "loans"
    uid: Mapped[str] = mapped_column(String(36), primary_key=True)
    item_key: Mapped[str] = mapped_column(String(64), index=True)  # Item.key
    member_number: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    member_type: Mapped[str | None] = mapped_column(String(20), nullable=True)
    site: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    kiosk_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    checked_out_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    checkout_hlc: Mapped[str | None] = mapped_column(String(32), nullable=True)
    due_on: Mapped[str | None] = mapped_column(String(10), nullable=True)
    renewals: Mapped[int] = mapped_column(Integer, default=0)
    returned_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    return_site: Mapped[str | None] = mapped_column(String(32), nullable=True)
    condition: Mapped[str | None] = mapped_column(String(16), nullable=True)
    transfer: Mapped[bool] = mapped_column(Boolean, default=False)
    #: once the retention period is over (sync.hub.retention): the member's keyed pseudonym
    #: and home centre instead of their number, so the indicators still count them
    member_pseudonym: Mapped[str | None] = mapped_column(String(32), nullable=True)
    member_site: Mapped[str | None] = mapped_column(String(32), nullable=True)


class Transfer(Base):
    """An item returned at a centre that is not its home, travelling home.

    Started by the returning centre's kiosk (``transfer.started``); received
    when the home centre's kiosk has the item back (``transfer.received``, or
    a plain return there). Both centres' feeds carry it.
    """

    __tablename__ = "transfers"
    uid: Mapped[str] = mapped_column(String(36), primary_key=True)
    item_key: Mapped[str] = mapped_column(String(64), index=True)  # Item.key
    from_site: Mapped[str] = mapped_column(String(32), index=True)
    to_site: Mapped[str] = mapped_column(String(32), index=True)
    loan_uid: Mapped[str | None] = mapped_column(String(36), nullable=True)
    kiosk_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    started_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    received_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    parts_expected: Mapped[int | None] = mapped_column(Integer, nullable=True)
    parts_counted: Mapped[int | None] = mapped_column(Integer, nullable=True)
    condition: Mapped[str | None] = mapped_column(String(16), nullable=True)


class Reservation(Base):
    """A resident's reservation.

    status: requested (made online, no kiosk has it yet) -> waiting | held
    (the item's kiosk pulled it) -> fulfilled; or cancelled / expired.
    """

    __tablename__ = "reservations"
    uid: Mapped[str] = mapped_column(String(36), primary_key=True)
    item_key: Mapped[str] = mapped_column(String(64), index=True)  # Item.key
    member_number: Mapped[str] = mapped_column(String(16), index=True)
    site: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    source: Mapped[str] = mapped_column(String(16), default="platform")  # platform|kiosk
    created_at: Mapped[str] = mapped_column(String(32))
    hold_until: Mapped[str | None] = mapped_column(String(10), nullable=True)
    accepted_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    updated_at: Mapped[str] = mapped_column(String(32))
    moved_from: Mapped[str | None] = mapped_column(String(64), nullable=True)  # an Item.key


class ClosedDay(Base):
    __tablename__ = "closed_days"
    site: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    reason: Mapped[str] = mapped_column(String(200), default="")


class Change(Base):
    """One row of the change feed kiosks pull: "this record changed".

    The row names the record (``kind``, ``key``); the puller reads the
    record's current state when it pulls, so two writers of one record can
    never leave a kiosk with the older state.

    ``txid`` is the id of the writing transaction on PostgreSQL (0 on SQLite,
    whose single writer commits in id order). A puller only reads rows whose
    transaction is older than every transaction still running, so a row that
    commits late is delayed, never skipped. ``site`` NULL means city-wide.
    """

    __tablename__ = "changes"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    txid: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    site: Mapped[str | None] = mapped_column(String(32), nullable=True)
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_changes_position", "site", "txid", "id"),
                      Index("ix_changes_key", "kind", "key", "site"))


class Conflict(Base):
    """Something a kiosk reported that disagreed with the platform: flagged, never rejected."""

    __tablename__ = "conflicts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[str] = mapped_column(String(32))
    kiosk_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    event_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    subject: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Notice(Base):
    """A message for a resident (e.g. their reservation moved to another copy)."""

    __tablename__ = "notices"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    member_number: Mapped[str] = mapped_column(String(16), index=True)
    reservation_uid: Mapped[str | None] = mapped_column(String(36), nullable=True)
    msgid: Mapped[str] = mapped_column(Text)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[str] = mapped_column(String(32))
    #: when its delivery job was queued (NULL: not yet; the worker's sweep queues it)
    queued_at: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)


class NoticeContact(Base):
    """Where a resident wants notices, given on their own page with consent.

    Kept only for notices: an address without its consent date is never used.
    ``consent_version`` names the wording of the consent the resident agreed to.
    """

    __tablename__ = "notice_contacts"
    member_number: Mapped[str] = mapped_column(String(16), primary_key=True)
    #: encrypted at rest (kiosk.contactkey): the ciphertext of an address of at most EMAIL_MAX / PHONE_MAX
    email: Mapped[str | None] = mapped_column(Text, nullable=True)
    email_consent_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    phone: Mapped[str | None] = mapped_column(Text, nullable=True)
    sms_consent_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    consent_version: Mapped[str] = mapped_column(String(16), default="")
    updated_at: Mapped[str] = mapped_column(String(32))


class NoticeDelivery(Base):
    """One notice on one channel. ``key`` is the message's idempotency key: a retry
    after a crash carries the same one, so the provider can tell a repeat."""

    __tablename__ = "notice_deliveries"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    notice_id: Mapped[int] = mapped_column(BigInteger, index=True)
    channel: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(80), unique=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # sending | sent
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(200), nullable=True)  # never personal data
    created_at: Mapped[str] = mapped_column(String(32))
    sent_at: Mapped[str | None] = mapped_column(String(32), nullable=True)


class ResidentSession(Base):
    """A resident signed in on the platform's pages (number + PIN).

    Only the SHA-256 of the cookie's token is kept, so a copy of the table
    signs nobody in. ``csrf`` is the token every form of the session carries.
    """

    __tablename__ = "resident_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_number: Mapped[str] = mapped_column(String(16), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[str] = mapped_column(String(32), index=True)


class Administrator(Base):
    """A person who may read the platform's administrative API (e.g. city statistics).

    The token is shown once by ``nanum hub add-admin`` and stored hashed, like kiosks'
    credentials; a kiosk's credential never opens what needs an administrator.
    """

    __tablename__ = "administrators"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[str] = mapped_column(String(32))
    revoked_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    #: what they see (sync.hub.roles): city (everything), district (its sites), centre (one site)
    role: Mapped[str] = mapped_column(String(16), default="city", server_default="city")
    district: Mapped[str | None] = mapped_column(String(16), nullable=True)
    site: Mapped[str | None] = mapped_column(String(32), nullable=True)


class Quarantined(Base):
    """A kiosk's event the platform refused on its own, kept aside with the reason.

    The event is kept here as sent (``raw``, JSON text with every character
    escaped) rather than in ``events``: ``events`` and every record built
    from it hold only what fits the protocol's schema. Its sequence number
    counts as received, and ``events`` plus this table continue the kiosk's
    hash chain without a gap.
    """

    __tablename__ = "quarantined_events"
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.kiosk_id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(80))  # as sent, shortened for display
    type: Mapped[str] = mapped_column(String(80))  # as sent, shortened for display
    reason: Mapped[str] = mapped_column(String(16))  # invalid | forbidden | clock
    detail: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    raw: Mapped[str] = mapped_column(Text)
    received_at: Mapped[str] = mapped_column(String(32))


class PinAttempt(Base):
    """Wrong member PINs (or card codes) in a row per (membership number, client address).

    Keyed by the number as asked for, whether or not a member has it, so the
    wait tells nothing about which numbers exist (see kiosk.throttle).
    """

    __tablename__ = "pin_attempts"
    subject: Mapped[str] = mapped_column(String(32), primary_key=True)
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure: Mapped[str | None] = mapped_column(String(32), nullable=True)
