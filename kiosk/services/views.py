"""Plain, read-only views the services hand out (never ORM objects)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from kiosk.i18n import Message
from kiosk.names import shown_name
from kiosk.store.models import Item, Loan, Member


@dataclass(frozen=True)
class Part:
    name_ko: str
    name_en: str
    count: int
    name_zh: str = ""
    name_vi: str = ""

    def name(self, lang: str) -> str:
        """The part's name in ``lang``, else its Korean name (see kiosk.names)."""
        return shown_name(lang, self.name_ko, self.name_en, self.name_zh, self.name_vi)


@dataclass(frozen=True)
class ItemView:
    code: str
    name_ko: str
    name_en: str
    category: str
    status: str
    home_site: str
    parts: tuple[Part, ...]
    replacement_value: int
    age_min_months: int | None = None
    age_max_months: int | None = None
    safe_use_ko: str = ""
    safe_use_en: str = ""
    photo: str | None = None
    name_zh: str = ""
    name_vi: str = ""

    @property
    def parts_total(self) -> int:
        return sum(p.count for p in self.parts)

    def name(self, lang: str) -> str:
        """The item's name in ``lang``, else its Korean name (see kiosk.names)."""
        return shown_name(lang, self.name_ko, self.name_en, self.name_zh, self.name_vi)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name_ko, "name_en": self.name_en,
                "name_zh": self.name_zh, "name_vi": self.name_vi,
                "category": self.category, "status": self.status, "parts": self.parts_total,
                "parts_list": [asdict(p) for p in self.parts], "home_site": self.home_site}

    @classmethod
    def of(cls, item: Item) -> ItemView:
        return cls(code=item.code, name_ko=item.name_ko, name_en=item.name_en,
                   name_zh=item.name_zh or "", name_vi=item.name_vi or "",
                   category=item.category, status=item.status, home_site=item.home_site,
                   parts=tuple(Part(p.get("name_ko", ""), p.get("name_en", ""), int(p["count"]),
                                    p.get("name_zh", ""), p.get("name_vi", ""))
                               for p in item.parts or []),
                   replacement_value=item.replacement_value,
                   age_min_months=item.age_min_months, age_max_months=item.age_max_months,
                   safe_use_ko=item.safe_use_ko, safe_use_en=item.safe_use_en, photo=item.photo)


@dataclass(frozen=True)
class MemberView:
    number: str
    display_name: str
    member_type: str
    expires_on: dt.date
    status: str
    language: str
    large_text: bool = False
    high_contrast: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "name": self.display_name, "type": self.member_type,
                "expires_on": self.expires_on.isoformat(), "status": self.status,
                "language": self.language}

    @classmethod
    def of(cls, m: Member) -> MemberView:
        return cls(number=m.number, display_name=m.display_name, member_type=m.member_type,
                   expires_on=dt.date.fromisoformat(m.expires_on), status=m.status,
                   language=m.language, large_text=m.large_text, high_contrast=m.high_contrast)


@dataclass(frozen=True)
class LoanView:
    uid: str
    item_code: str
    item_name: str
    member_number: str | None
    checked_out_at: str
    due_on: dt.date
    renewals: int
    returned_at: str | None
    overdue: bool

    def to_json(self) -> dict[str, Any]:
        return {"id": self.uid, "item": self.item_code, "item_name": self.item_name,
                "member": self.member_number, "checked_out_at": self.checked_out_at,
                "due": self.due_on.isoformat(), "renewals": self.renewals,
                "returned_at": self.returned_at, "overdue": self.overdue}

    @classmethod
    def of(cls, loan: Loan, item: Item, member_number: str | None, today: dt.date) -> LoanView:
        due = dt.date.fromisoformat(loan.due_on)
        return cls(uid=loan.uid, item_code=item.code, item_name=item.name_ko,
                   member_number=member_number, checked_out_at=loan.checked_out_at,
                   due_on=due, renewals=loan.renewals, returned_at=loan.returned_at,
                   overdue=loan.returned_at is None and due < today)


@dataclass(frozen=True)
class ItemOutcome:
    """The result of one item in a checkout (or renewal)."""

    item: str  # the item code, or the payload as scanned when it resolved to nothing
    ok: bool
    due: dt.date | None = None
    error: Message | None = None
    reason: str | None = None  # machine-readable refusal code
    item_view: ItemView | None = None

    def to_json(self, lang: str = "en") -> dict[str, Any]:
        return {"item": self.item, "ok": self.ok,
                "due": self.due.isoformat() if self.due else None,
                "error": self.error.render(lang) if self.error else None,
                "reason": self.reason}


@dataclass(frozen=True)
class ReturnOutcome:
    item: ItemView
    member_number: str | None
    destination: str  # shelf | reservation_shelf | staff | transfer
    parts_expected: int
    parts_counted: int
    late_days: int
    condition: str  # ok | damaged | missing_parts
    held_for: str | None = None  # member number the item is now held for
    notes: list[Message] = field(default_factory=list)

    def to_json(self, lang: str = "en") -> dict[str, Any]:
        return {"item": self.item.code, "member": self.member_number,
                "destination": self.destination, "parts_expected": self.parts_expected,
                "parts_counted": self.parts_counted, "missing": self.parts_expected - self.parts_counted,
                "condition": self.condition, "late_days": self.late_days,
                "held_for": self.held_for}


@dataclass(frozen=True)
class HeldItem:
    """An item waiting on the reservation shelf for the member."""

    code: str
    name_ko: str
    name_en: str
    hold_until: dt.date | None = None
    name_zh: str = ""
    name_vi: str = ""

    def name(self, lang: str) -> str:
        """The item's name in ``lang``, else its Korean name (see kiosk.names)."""
        return shown_name(lang, self.name_ko, self.name_en, self.name_zh, self.name_vi)


@dataclass(frozen=True)
class MemberState:
    """What a member should know on signing in: loans, what is due or late, what is waiting."""

    on_loan: int = 0
    due_soon: int = 0  # open loans due today or in the next days (not yet overdue)
    overdue: int = 0
    blocked: bool = False  # overdue items stop new loans until they come back
    held: tuple[HeldItem, ...] = ()
    next_due: dt.date | None = None
