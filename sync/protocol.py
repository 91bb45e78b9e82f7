"""The sync protocol, version 1: the JSON documents kiosks and the platform exchange.

Both ends import these models, and the server's OpenAPI document is generated
from them (docs/openapi.json). docs/sync-protocol.md explains the rules.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from annotated_types import Ge
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field

from kiosk import limits as L
from sync.events import WireEvent as WireEvent  # the strict form of an event, checked per event

PROTOCOL_VERSION = 1
API_PREFIX = "/api/v1"
MAX_BATCH = 1000  # events in one push
MAX_PAGE = 2000  # rows in one pull page

# Error codes in the ``error`` field of an error answer.
CURSOR_EXPIRED = "cursor_expired"
UNAUTHORISED = "unauthorised"
FORBIDDEN = "forbidden"
FORK = "fork"
CHAIN_BROKEN = "chain_broken"
BAD_BATCH = "bad_batch"
NOT_FOUND = "not_found"
REFUSED = "refused"
BUSY = "busy"
INVALID = "invalid"  # the request does not match the protocol's schema (422)
TOO_LARGE = "too_large"  # the body is over the limit (413)
TIMEOUT = "timeout"  # the body came too slowly (408)
RATE_LIMITED = "rate_limited"  # too many requests; see Retry-After (429)


class PushedEvent(BaseModel):
    """One event as a push carries it.

    Only what the hash chain needs is checked for the whole batch (types,
    ``seq``, the two hashes). Every other field is checked per event against
    :class:`WireEvent` and the payload model of its type (sync.events): an
    event that does not fit is quarantined with its reason, and its sequence
    number still counts as received, so one bad event never blocks the rest.
    """

    event_id: str = Field(description="a UUID")
    kiosk_id: str = Field(max_length=L.KIOSK_ID_MAX)
    seq: int = Field(ge=1, le=L.SEQ_MAX)
    type: str = Field(description="e.g. loan.checked_out; an unknown well-formed type is stored, not applied")
    at: str = Field(description="UTC time on the kiosk's clock (informative only)")
    hlc: str = Field(description="hybrid logical clock stamp 000000000000000.00000; orders across "
                                 "kiosks; at most a day ahead of the platform's clock")
    actor: str | None = None
    payload: str = Field(description=f"canonical JSON of the event's payload (at most "
                                     f"{L.PAYLOAD_MAX} characters)")
    prev_hash: str = Field(min_length=64, max_length=64)
    hash: str = Field(min_length=64, max_length=64)


class PushRequest(BaseModel):
    kiosk_id: str = Field(max_length=L.KIOSK_ID_MAX)
    events: list[PushedEvent] = Field(max_length=MAX_BATCH)


class QuarantinedEvent(BaseModel):
    """An event the platform refused on its own: kept aside, not applied."""

    seq: int
    event_id: str
    type: str
    reason: str = Field(
        description="invalid: does not fit the schema; forbidden: changes another site's records; "
                    "clock: hybrid-clock stamp out of range")
    detail: str = Field(description="what did not fit (English, for logs)")


class PushResponse(BaseModel):
    """``held`` is the highest sequence the platform holds with no gap below it."""

    status: Literal["ok", "gap"]
    held: int
    resend_from: int | None = Field(default=None, description="set when status is 'gap'")
    accepted: int = 0
    duplicates: int = 0
    server_hlc: str
    quarantined: list[QuarantinedEvent] = Field(
        default_factory=list,
        description="events of this batch refused one by one (their seqs count as received)")


#: kinds of feed rows a kiosk asks for besides the four every kiosk reads
#: (``GET /changes?kinds=transfer``): a kiosk that does not know a kind never gets it
OPTIONAL_KINDS = ("transfer", "loan")


class ChangeRow(BaseModel):
    kind: Literal["item", "member", "reservation", "closed_day", "transfer", "loan"]
    key: str
    deleted: bool = False
    body: dict[str, Any] | None = None


class OwnEventsResponse(BaseModel):
    """A page of the kiosk's own events as the platform holds them (recovery after a restore)."""

    events: list[dict[str, Any]] = Field(description="oldest first: stored events and quarantined ones "
                                                     "as sent, so the hash chain is complete")
    held: int = Field(description="the highest sequence the platform holds with no gap below it")
    head_hash: str = Field(description="the hash of event ``held``")
    more: bool = Field(description="another page follows")


class PullResponse(BaseModel):
    cursor: str = Field(description="opaque; send it back to get the next page")
    more: bool = Field(description="another page is waiting")
    reset: bool = Field(description="this is a full download (no cursor or an expired one)")
    rows: list[ChangeRow]
    server_hlc: str
    member_block: int | None = Field(None, description="this kiosk numbers its members M-<block><5 digits>")
    held: int | None = Field(None, description="the highest sequence of this kiosk's events the platform "
                                               "holds: more than the kiosk has means it was restored "
                                               "from a backup and fetches them back (GET /events)")


class ErrorBody(BaseModel):
    error: str
    message: str
    detail: dict[str, Any] = Field(default_factory=dict)


# Kiosk health is shown to administrators (``nanum hub stats``): control characters
# and direction marks are neutralised on arrival, never stored as sent.
_Shown = Annotated[str, AfterValidator(L.printable)]


def _not_bool(value: Any) -> Any:
    # JSON's true and false are not numbers, though Python counts them as 1 and 0
    if isinstance(value, bool):
        raise ValueError("a number, not true or false")
    return value


#: a count or a duration in a heartbeat: a JSON number (7 or 7.0), never true or false
_Number = BeforeValidator(_not_bool)


class Heartbeat(BaseModel):
    version: _Shown = Field(max_length=40)
    uptime_s: Annotated[float, _Number] = Field(ge=0, allow_inf_nan=False)
    camera: _Shown = Field(default="unknown", max_length=40)
    printer: _Shown = Field(default="unknown", max_length=40)
    outbox_depth: Annotated[int, _Number] = Field(ge=0)
    last_sync: _Shown | None = Field(default=None, max_length=32)
    last_error: _Shown | None = Field(default=None, max_length=300)
    # Optional, so that kiosks of before still send a valid heartbeat.
    last_error_at: _Shown | None = Field(default=None, max_length=32,
                                         description="when the sync failed with ``last_error``")
    crashes_24h: Annotated[int, Ge(0), _Number] | None = Field(default=None,
                                                                     description="crash reports of the last day")
    disk_free_mb: Annotated[int, Ge(0), _Number] | None = Field(default=None,
                                                                      description="free space of the data disk")


class HeartbeatAck(BaseModel):
    ok: bool
    server_time: str
    protocol: int = PROTOCOL_VERSION


#: a membership number as the platform reads it: digits, with or without the M- prefix
MEMBER_NUMBER_PATTERN = rf"^(M-|m-)?[0-9]{{1,{L.MEMBER_NUMBER_MAX}}}$"


class ReservationRequest(BaseModel):
    member: str = Field(max_length=16, pattern=MEMBER_NUMBER_PATTERN, description="membership number, e.g. M-900001")
    secret: str = Field(max_length=64, description="the member's card code or PIN")
    item: str = Field(max_length=200, description="SITE/CODE, a label URL, or a code (a code that "
                                                   "several centres use names the member's own centre's item)")


class MemberAuth(BaseModel):
    member: str = Field(max_length=16, pattern=MEMBER_NUMBER_PATTERN)
    secret: str = Field(max_length=64)


class ReservationView(BaseModel):
    uid: str
    item: str
    site: str
    member: str
    status: str
    created_at: str
    hold_until: str | None = None
    moved_from: str | None = None


class ItemAvailability(BaseModel):
    code: str
    name_ko: str
    name_en: str
    category: str
    site: str
    status: str
    available: bool
    waiting: int = Field(description="active reservations for the item")


class NoticeView(BaseModel):
    created_at: str
    reservation: str | None
    message: str


class KioskStats(BaseModel):
    kiosk_id: str
    site: str
    events: int
    held_seq: int
    last_push_at: str | None
    last_seen_at: str | None
    revoked: bool
    heartbeat: dict[str, Any] | None


class Stats(BaseModel):
    """City-wide sharing indicators (no personal data)."""

    sites: int
    kiosks: list[KioskStats]
    events: int
    loans: int
    open_loans: int
    returns: int
    members_reached: int = Field(description="distinct members who borrowed at least once")
    items_lent: int = Field(description="distinct items lent at least once")
    value_shared_krw: int = Field(description="sum of the replacement value of every loan")
    transfers: int
    reservations: dict[str, int]
    conflicts: dict[str, int]
    loans_by_site: dict[str, int]
    loans_by_category: dict[str, int]
