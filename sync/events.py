"""The wire schema of every event type a kiosk sends: one pydantic model per type.

The platform validates each pushed event against its type's model before
anything is stored (sync.hub.push); an event that does not fit is quarantined
with its reason, never stored among the events nor applied. Field lengths and
ranges come from kiosk.limits, so a value that passes here fits every column
it is stored in. Item codes follow kiosk.codes (the canonical ``T-00042``
form), site codes and membership numbers strict patterns, dates ISO and
hybrid-clock stamps ``^[0-9]{15}\\.[0-9]{5}$`` within the platform's clock
plus a tolerance.

Unknown fields are kept (a newer kiosk may send more); only the platform's
own records are built from known, validated fields. Unknown but well-formed
event types are stored and not applied.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from kiosk import limits as L
from kiosk.codes import LEGACY_BARCODE_RE, normalise_item_code
from kiosk.secrets_hash import PIN_HASH_PATTERN
from kiosk.store.models import ItemStatus

HLC_RE = re.compile(r"^[0-9]{15}\.[0-9]{5}$")
#: what the kiosk's clock module writes (kiosk.clock.to_iso)
AT_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$")
SITE_PATTERN = L.SITE_CODE_PATTERN
KIOSK_ID_PATTERN = L.KIOSK_ID_PATTERN
MEMBER_PATTERN = r"^M-[0-9]{1,13}$"
UID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9-]*$"
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
EVENT_TYPE_PATTERN = r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$"
HEX64_PATTERN = r"^[0-9a-f]{64}$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


# -- field types -------------------------------------------------------------------
def _one_line(value: str) -> str:
    if L.has_forbidden_chars(value):
        raise ValueError("control characters or direction marks")
    return value


def _multi_line(value: str) -> str:
    if L.has_forbidden_chars(value, multiline=True):
        raise ValueError("control characters or direction marks")
    return value


def _item_code(value: str) -> str:
    if normalise_item_code(value) != value or not value.isascii():
        raise ValueError("not an item code")
    return value


def _alias(value: str) -> str:
    if not LEGACY_BARCODE_RE.match(value) or not value.isascii() or normalise_item_code(value):
        raise ValueError("not a legacy barcode")
    return value


def _date(value: str) -> str:
    dt.date.fromisoformat(value)
    return value


def _stamp(value: str) -> str:
    if not HLC_RE.match(value):
        raise ValueError("not a hybrid-clock stamp")
    return value


def _at(value: str) -> str:
    if not AT_RE.match(value):
        raise ValueError("not a UTC time")
    dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ")
    return value


# Free text: one line, or several where a person writes a note; each with its limit.
# Spelled out per limit because a type checker cannot read a type made by a call.
_OneLine = AfterValidator(_one_line)
_MultiLine = AfterValidator(_multi_line)
PartName = Annotated[str, Field(max_length=L.PART_NAME_MAX), _OneLine]
ItemName = Annotated[str, Field(max_length=L.ITEM_NAME_MAX), _OneLine]
CategoryName = Annotated[str, Field(max_length=L.CATEGORY_MAX), _OneLine]
FieldName = Annotated[str, Field(max_length=L.EVENT_TYPE_MAX), _OneLine]
MemberTypeName = Annotated[str, Field(max_length=L.MEMBER_TYPE_MAX), _OneLine]
SettingKey = Annotated[str, Field(max_length=L.SETTING_KEY_MAX), _OneLine]
SiteName = Annotated[str, Field(max_length=L.SITE_NAME_MAX), _OneLine]
Cursor = Annotated[str, Field(max_length=L.CURSOR_MAX), _OneLine]
Label = Annotated[str, Field(max_length=L.STATUS_MAX), _OneLine]
ReasonLine = Annotated[str, Field(max_length=L.REASON_MAX), _OneLine]
ReasonNote = Annotated[str, Field(max_length=L.REASON_MAX), _MultiLine]
NoteLine = Annotated[str, Field(max_length=L.NOTE_MAX), _OneLine]
NoteText = Annotated[str, Field(max_length=L.NOTE_MAX), _MultiLine]
StaffName = Annotated[str, Field(max_length=L.ACTOR_MAX), _OneLine]


ItemCode = Annotated[str, Field(max_length=L.ITEM_CODE_MAX), AfterValidator(_item_code)]
SiteCode = Annotated[str, Field(max_length=L.SITE_CODE_MAX, pattern=SITE_PATTERN)]
MemberNumber = Annotated[str, Field(max_length=L.MEMBER_NUMBER_MAX, pattern=MEMBER_PATTERN)]
Uid = Annotated[str, Field(max_length=L.UUID_MAX, pattern=UID_PATTERN)]
IsoDate = Annotated[str, Field(max_length=10, pattern=DATE_PATTERN), AfterValidator(_date)]
Alias = Annotated[str, Field(max_length=L.ALIAS_MAX), AfterValidator(_alias)]
Stamp = Annotated[str, Field(max_length=L.STAMP_MAX), AfterValidator(_stamp)]
Word = Annotated[str, Field(max_length=L.STATUS_MAX, pattern=r"^[a-z][a-z_]*$")]  # stored: a status
Token = Annotated[str, Field(max_length=L.EVENT_TYPE_MAX, pattern=r"^[a-z][a-z_]*$")]  # read only
Count = Annotated[int, Field(ge=0, le=L.PART_COUNT_MAX)]
#: pieces of an item all told (every line of its parts list)
Total = Annotated[int, Field(ge=0, le=L.PARTS_ENTRIES_MAX * L.PART_COUNT_MAX)]


def _item_status(value: str) -> str:
    if value not in ItemStatus.ALL:
        raise ValueError("not an item status")
    return value


ItemStatusName = Annotated[str, Field(max_length=L.STATUS_MAX), AfterValidator(_item_status)]


class Payload(BaseModel):
    """Base of every payload model: strict JSON types, unknown fields kept."""

    model_config = ConfigDict(strict=True, extra="allow")
    #: home site of the item the event names; missing means the sending kiosk's site
    item_site: SiteCode | None = None


class Closed(BaseModel):
    """A nested record copied into the platform's tables: nothing unknown."""

    model_config = ConfigDict(strict=True, extra="forbid")


class Part(Closed):
    name_ko: PartName = ""
    name_en: PartName = ""
    name_zh: PartName = ""  # optional: screens in Chinese show the Korean name without it
    name_vi: PartName = ""
    count: Count = 0


# -- items ---------------------------------------------------------------------------
class ItemAdded(Payload):
    item: ItemCode
    name_ko: ItemName
    name_en: ItemName = ""
    name_zh: ItemName = ""  # optional, as name_en
    name_vi: ItemName = ""
    category: CategoryName = "tool"
    parts: list[Part] = Field(default_factory=list, max_length=L.PARTS_ENTRIES_MAX)
    aliases: list[Alias] = Field(default_factory=list, max_length=L.ALIASES_MAX)
    home_site: SiteCode | None = None
    replacement_value: int = Field(0, ge=0, le=L.REPLACEMENT_VALUE_MAX)


class ItemEdited(Payload):
    item: ItemCode
    changes: dict[FieldName, Any] = Field(default_factory=dict)


class ItemStatusChanged(Payload):
    item: ItemCode
    from_: ItemStatusName | None = Field(None, alias="from")
    to: ItemStatusName
    note: NoteText | None = ""
    held_for: MemberNumber | None = None  # back on the shelf, it went to this member waiting


class ItemRetired(Payload):
    item: ItemCode
    from_: ItemStatusName | None = Field(None, alias="from")
    note: NoteText | None = ""
    reservations_cancelled: Count = 0


class ItemAliasAdded(Payload):
    item: ItemCode
    alias: Alias


class ItemPhotoSet(Payload):
    item: ItemCode
    photo: NoteLine | None = None


class ItemInspected(Payload):
    item: ItemCode
    from_: ItemStatusName | None = Field(None, alias="from")
    outcome: Token
    to: ItemStatusName
    parts_before: Total | None = None
    parts_after: Total | None = None
    parts_found: Total | None = None
    loan: Uid | None = None
    note: NoteText | None = ""
    held_for: MemberNumber | None = None
    reservations_cancelled: Count = 0


# -- members -------------------------------------------------------------------------
#: a card token's SHA-256 as the kiosk stores it (kiosk.codes.hash_card_token)
CardHash = Annotated[str, Field(max_length=64, pattern=HEX64_PATTERN)]
#: a PIN's scrypt hash exactly as kiosk.secrets_hash.hash_pin makes it
PinHash = Annotated[str, Field(max_length=100, pattern=PIN_HASH_PATTERN)]


class MemberRegistered(Payload):
    member: MemberNumber
    type: MemberTypeName = "standard"
    expires_on: IsoDate = "9999-12-31"
    # Sent by kiosks that share their members with the platform; older kiosks' events lack them.
    card_hash: CardHash | None = None
    pin_hash: PinHash | None = None


class MemberCardReissued(Payload):
    member: MemberNumber
    card_hash: CardHash | None = None


class MemberPinSet(Payload):
    member: MemberNumber
    pin_hash: PinHash | None = None


class MemberRenewed(Payload):
    member: MemberNumber
    expires_on: IsoDate


class MemberStatusChanged(Payload):
    member: MemberNumber
    status: Literal["active", "suspended"]


class MemberContactViewed(Payload):
    member: MemberNumber
    why: ReasonNote | None = None


class MemberConsent(Payload):
    member: MemberNumber
    staff: StaffName | None = None
    #: the consent wording's version; whether a guardian agreed for a member under 14 (never who)
    version: Label | None = None
    child: bool | None = None


class MemberErased(Payload):
    """The member asked to be erased: the platform and every kiosk forget them."""

    member: MemberNumber
    why: ReasonNote | None = None


class MemberExported(Payload):
    """Staff gave a member the export of their own data (logged like a view)."""

    member: MemberNumber
    why: ReasonNote | None = None


# -- circulation -----------------------------------------------------------------------
class LoanCheckedOut(Payload):
    loan: Uid
    item: ItemCode
    member: MemberNumber | None = None
    due: IsoDate | None = None
    site: SiteCode | None = None
    reservation: Uid | None = None


class LoanReturned(Payload):
    loan: Uid
    item: ItemCode
    member: MemberNumber | None = None
    parts_expected: Total | None = None
    parts_counted: Total | None = None
    condition: Word | None = None
    note: NoteText | None = None
    destination: Token | None = None
    held_for: MemberNumber | None = None
    late_days: int | None = Field(None, ge=0, le=L.EVENT_DAYS_MAX)
    site: SiteCode | None = None


class TransferStarted(Payload):
    """Another centre's item taken back here: it travels home (the platform closes its loan)."""

    transfer: Uid
    item: ItemCode
    loan: Uid | None = None  # the loan this kiosk closed, when it had it
    parts_expected: Total | None = None
    parts_counted: Total | None = None
    condition: Word | None = None
    note: NoteText | None = None
    site: SiteCode | None = None
    to_site: SiteCode | None = None


class TransferReceived(Payload):
    """The home centre has its item back."""

    transfer: Uid
    item: ItemCode
    parts_counted: Total | None = None
    condition: Word | None = None
    destination: Token | None = None
    held_for: MemberNumber | None = None
    site: SiteCode | None = None


class LoanRenewed(Payload):
    loan: Uid
    item: ItemCode | None = None
    due: IsoDate | None = None
    renewals: int = Field(ge=0, le=L.RENEWALS_MAX)  # required: the platform never counts on its own


class OverrideGranted(Payload):
    rules: list[ReasonLine] = Field(default_factory=list, max_length=L.EVENT_LIST_MAX)
    item: ItemCode | None = None
    member: MemberNumber | None = None
    loan: Uid | None = None
    reason: ReasonNote | None = None


# -- lending rules: fees, deposits, qualifications, maintenance, demand -----------------
Amount = Annotated[int, Field(ge=0, le=L.FEE_MAX)]


class FeePlanSet(Payload):
    member_type: MemberTypeName
    amount: Amount
    period_months: int = Field(12, ge=1, le=120)


class FeePaid(Payload):
    member: MemberNumber
    amount: Amount
    method: Literal["cash", "transfer"]
    paid_until: IsoDate


class FeeExempted(Payload):
    """Whether a member is exempt from the fee; the reason stays at the centre."""

    member: MemberNumber
    exempt: bool


class ItemRuleSet(Payload):
    scope: Literal["item", "category"]
    category: CategoryName | None = None
    deposit: Amount = 0
    adults_only: bool = False
    qualification: Annotated[str, Field(max_length=L.QUALIFICATION_MAX), _OneLine] = ""


class DepositTaken(Payload):
    item: ItemCode
    deposit: Uid
    member: MemberNumber | None = None
    amount: Amount


class DepositSettled(Payload):
    item: ItemCode
    deposit: Uid
    outcome: Literal["returned", "kept"]
    amount: Amount


class MemberQualified(Payload):
    member: MemberNumber
    qualification: Annotated[str, Field(max_length=L.QUALIFICATION_MAX), _OneLine]
    obtained_on: IsoDate
    expires_on: IsoDate | None = None


class MaintenanceEvent(Payload):
    item: ItemCode
    kind: Literal["loans", "days", "battery"]
    task: ReasonLine
    note: NoteText | None = None


class DemandRecorded(Payload):
    """Someone wanted an item that was not on the shelf: the city's purchasing counts it."""

    item: ItemCode
    kind: Literal["unavailable", "waitlist"]
    category: CategoryName | None = None


class ReservationCreated(Payload):
    reservation: Uid
    item: ItemCode
    member: MemberNumber
    status: Literal["waiting", "held"] = "waiting"
    source: Literal["kiosk", "platform"] = "kiosk"
    hold_until: IsoDate | None = None


class ReservationCancelled(Payload):
    reservation: Uid
    item: ItemCode | None = None
    member: MemberNumber | None = None


class ReservationRequeued(Payload):
    """Staff took the held item off the reservation shelf (to check it, to send it
    away): the member goes back to the waiting list in their place."""

    reservation: Uid
    item: ItemCode
    member: MemberNumber | None = None
    to: ItemStatusName | None = None  # where the item went


class ReservationExpired(Payload):
    reservation: Uid | None = None
    item: ItemCode
    next: MemberNumber | None = None


class Accepted(Payload):
    reservation: Uid
    item: ItemCode | None = None
    member: MemberNumber | None = None
    status: Literal["waiting", "held", "requested", "fulfilled", "cancelled", "expired"] = "waiting"
    hold_until: IsoDate | None = None


class SyncPulled(Payload):
    cursor: Cursor | None = None
    rows: int = Field(0, ge=0, le=L.EVENT_COUNT_MAX)
    changed: dict[Token, int] = Field(default_factory=dict)
    accepted: list[Accepted] = Field(default_factory=list, max_length=L.EVENT_LIST_MAX)
    cancelled: list[Uid] = Field(default_factory=list, max_length=L.EVENT_LIST_MAX)
    conflicts: list[FieldName] = Field(default_factory=list, max_length=L.EVENT_LIST_MAX)


class SyncRecovered(Payload):
    """The kiosk took back its own events from the platform after a restore."""

    fetched: int = Field(0, ge=0, le=L.EVENT_COUNT_MAX)
    after: int = Field(0, ge=0)
    held: int = Field(0, ge=0)
    fork_seq: int | None = Field(None, ge=1)
    renumbered: int = Field(0, ge=0, le=L.EVENT_COUNT_MAX)
    skipped: list[ReasonLine] = Field(default_factory=list, max_length=L.EVENT_LIST_MAX)


# -- the kiosk itself ------------------------------------------------------------------
class CalendarChanged(Payload):
    closed_weekdays: list[Annotated[int, Field(ge=0, le=6)]] = Field(default_factory=list, max_length=7)
    closed_days: list[IsoDate] = Field(default_factory=list, max_length=L.EVENT_LIST_MAX)


class SettingsChanged(Payload):
    changes: dict[SettingKey, Any] = Field(default_factory=dict)


class KioskInitialised(Payload):
    site: SiteCode
    site_name: SiteName = ""


class StaffEvent(Payload):
    staff: StaffName


class StaffAdded(StaffEvent):
    role: Label | None = None


class StaffLogin(StaffEvent):
    by: Label | None = None


class StaffPinFailed(StaffEvent):
    failures: int = Field(0, ge=0, le=L.EVENT_COUNT_MAX)
    locked_s: float = Field(0, ge=0, le=L.EVENT_COUNT_MAX)


class StaffLogout(StaffEvent):
    reason: ReasonLine | None = None


class Retention(Payload):
    loans: int = Field(0, ge=0, le=L.EVENT_COUNT_MAX)
    older_than_days: int = Field(0, ge=0, le=L.EVENT_DAYS_MAX)


class Anything(Payload):
    """A type whose payload the platform never reads: an object, nothing more."""


class HelpRequested(Payload):
    """A resident asked for help at the kiosk, from this screen (no member named)."""

    call_id: Annotated[str, Field(max_length=L.UUID_MAX, pattern=UUID_PATTERN)]
    screen: Annotated[str, Field(max_length=L.SCREEN_NAME_MAX, pattern=r"^[a-z][a-z_]*$")]


class HelpClosed(Payload):
    """The call was cancelled by the resident or answered by staff."""

    call_id: Annotated[str, Field(max_length=L.UUID_MAX, pattern=UUID_PATTERN)]


MODELS: dict[str, type[Payload]] = {
    "item.added": ItemAdded,
    "item.edited": ItemEdited,
    "item.status_changed": ItemStatusChanged,
    "item.retired": ItemRetired,
    "item.alias_added": ItemAliasAdded,
    "item.photo_set": ItemPhotoSet,
    "item.inspected": ItemInspected,
    "member.registered": MemberRegistered,
    "member.renewed": MemberRenewed,
    "member.status_changed": MemberStatusChanged,
    "member.card_reissued": MemberCardReissued,
    "member.pin_set": MemberPinSet,
    "member.contact_viewed": MemberContactViewed,
    "member.consent_recorded": MemberConsent,
    "member.erased": MemberErased,
    "member.exported": MemberExported,
    "loan.checked_out": LoanCheckedOut,
    "loan.returned": LoanReturned,
    "loan.renewed": LoanRenewed,
    "transfer.started": TransferStarted,
    "transfer.received": TransferReceived,
    "override.granted": OverrideGranted,
    "reservation.created": ReservationCreated,
    "reservation.cancelled": ReservationCancelled,
    "reservation.expired": ReservationExpired,
    "reservation.requeued": ReservationRequeued,
    "sync.pulled": SyncPulled,
    "sync.recovered": SyncRecovered,
    "calendar.changed": CalendarChanged,
    "settings.changed": SettingsChanged,
    "kiosk.initialised": KioskInitialised,
    "staff.login": StaffLogin,
    "staff.pin_failed": StaffPinFailed,
    "staff.logout": StaffLogout,
    "staff.added": StaffAdded,
    "staff.pin_changed": StaffEvent,
    "staff.role_changed": StaffAdded,
    "staff.activated": StaffEvent,
    "staff.deactivated": StaffEvent,
    "staff.card_issued": StaffEvent,
    "staff.closed_kiosk": StaffEvent,
    "retention.pseudonymised": Retention,
    "backup.made": Anything,
    "backup.restored": Anything,
    "report.made": Anything,
    "demo.loaded": Anything,
    "fee.plan_set": FeePlanSet,
    "fee.paid": FeePaid,
    "fee.exempted": FeeExempted,
    "item.rule_set": ItemRuleSet,
    "deposit.taken": DepositTaken,
    "deposit.settled": DepositSettled,
    "member.qualified": MemberQualified,
    "maintenance.due": MaintenanceEvent,
    "maintenance.done": MaintenanceEvent,
    "demand.recorded": DemandRecorded,
    "help.requested": HelpRequested,
    "help.cancelled": HelpClosed,
    "help.answered": HelpClosed,
}

#: administrative changes to a record: only the record's own site may make them
ITEM_ADMIN = frozenset({"item.edited", "item.status_changed", "item.retired", "item.alias_added",
                        "item.photo_set", "transfer.received"})
MEMBER_ADMIN = frozenset({"member.renewed", "member.status_changed", "member.card_reissued",
                          "member.pin_set", "member.erased"})
#: a centre's reservation queue: only the item's home site keeps it
RESERVATIONS = frozenset({"reservation.created", "reservation.cancelled", "reservation.expired",
                          "reservation.requeued"})
#: physical circulation: it happened, so it is accepted (and flagged when odd)
CIRCULATION = frozenset({"loan.checked_out", "loan.returned", "loan.renewed", "item.inspected",
                         "transfer.started"})


# -- refusals ----------------------------------------------------------------------------
INVALID = "invalid"  # the event does not fit the protocol's schema
FORBIDDEN = "forbidden"  # it changes another site's records or speaks for another site
CLOCK = "clock"  # its hybrid-clock stamp is out of the platform's range


class EventRefused(Exception):
    """One event the platform will not store among the events nor apply."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail[:L.REASON_MAX]


def _first_error(exc: ValidationError) -> str:
    err = exc.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(p) for p in err.get("loc", ())) or "payload"
    return f"{where}: {err.get('msg', 'invalid')}"


class WireEvent(BaseModel):
    """One kiosk event exactly as stored in the kiosk's log, checked strictly:
    what the platform stores in ``events`` (sync.protocol re-exports it)."""

    model_config = ConfigDict(strict=True)

    event_id: str = Field(max_length=L.UUID_MAX, pattern=UUID_PATTERN)
    kiosk_id: str = Field(max_length=L.KIOSK_ID_MAX, pattern=KIOSK_ID_PATTERN)
    seq: int = Field(ge=1, le=L.SEQ_MAX)
    type: str = Field(max_length=L.EVENT_TYPE_MAX, pattern=EVENT_TYPE_PATTERN)
    at: Annotated[str, Field(max_length=L.STAMP_MAX, description="UTC time on the kiosk's clock "
                             "(informative only)"), AfterValidator(_at)]
    hlc: Annotated[Stamp, Field(description="hybrid logical clock stamp; orders across kiosks")]
    actor: StaffName | None = None
    payload: str = Field(max_length=L.PAYLOAD_MAX, description="canonical JSON of the event's payload")
    prev_hash: str = Field(pattern=HEX64_PATTERN)
    hash: str = Field(pattern=HEX64_PATTERN)


def hlc_ms(stamp: str) -> int:
    return int(stamp.split(".", 1)[0])


def hlc_in_range(stamp: str, now_ms: int) -> bool:
    """A well-formed stamp no earlier than CLOCK_MIN_MS and not too far ahead of ``now_ms``."""
    return bool(HLC_RE.match(stamp)) and L.CLOCK_MIN_MS <= hlc_ms(stamp) <= now_ms + L.CLOCK_AHEAD_MAX_MS


def sane_hlc(stamp: Any, now_ms: int) -> str:
    """``stamp`` when it is usable for ordering, else "" (older than any stamp).

    Records stored before stamps were checked may hold a malformed stamp or
    one far in the future; treating it as empty keeps such a record editable
    and never lets it break an answer.
    """
    return stamp if isinstance(stamp, str) and hlc_in_range(stamp, now_ms) else ""


def check_event(fields: dict[str, Any], now_ms: int) -> tuple[WireEvent, dict[str, Any]]:
    """The validated envelope and payload of one pushed event, or EventRefused.

    The payload dict holds only the fields the kiosk sent (validated ones as
    validated, unknown ones as sent); ``{}`` for a well-formed unknown type.
    """
    try:
        env = WireEvent.model_validate(fields)
    except ValidationError as exc:
        raise EventRefused(INVALID, _first_error(exc)) from None
    if not L.CLOCK_MIN_MS <= hlc_ms(env.hlc) <= now_ms + L.CLOCK_AHEAD_MAX_MS:
        raise EventRefused(CLOCK, f"hlc: {env.hlc} is outside the platform's clock range")
    model = MODELS.get(env.type)
    try:
        raw = json.loads(env.payload)
    except (ValueError, RecursionError):
        raise EventRefused(INVALID, "payload: not JSON") from None
    if not isinstance(raw, dict):
        raise EventRefused(INVALID, "payload: not a JSON object")
    if model is None:
        return env, {}  # a newer kiosk's type: stored, not applied
    try:
        data = model.model_validate(raw)
        # The fields the kiosk sent, each as validated (nested records whole, with
        # their defaults), so a handler's "missing" still means "not sent".
        full = data.model_dump(by_alias=True)
        return env, {key: full[key] for key in raw if key in full}
    except ValidationError as exc:
        raise EventRefused(INVALID, _first_error(exc)) from None
    except RecursionError:
        raise EventRefused(INVALID, "payload: nested too deeply") from None


def validate_payload(type_: str, payload: dict[str, Any]) -> Payload:
    """The payload as its type's model (ValidationError when it does not fit)."""
    return MODELS.get(type_, Anything).model_validate(payload)
