"""The catalogue: items, their parts lists and legacy barcode aliases."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from kiosk.clock import to_iso
from kiosk.codes import LEGACY_BARCODE_RE, AliasRef, ItemKey, ItemRef, item_key, normalise_item_code
from kiosk.domain import STAFF_TARGETS, Cause
from kiosk.errors import BadInput, ForeignCode, NotFound
from kiosk.i18n import N_, Message
from kiosk.limits import (
    AGE_MONTHS_MAX,
    ALIAS_MAX,
    ALIASES_MAX,
    ITEM_NAME_MAX,
    NOTE_MAX,
    PART_COUNT_MAX,
    PART_NAME_MAX,
    PARTS_ENTRIES_MAX,
    REPLACEMENT_VALUE_MAX,
    SAFE_USE_MAX,
    check_int,
    clean_text,
    echo,
)
from kiosk.services.views import ItemView
from kiosk.store.models import Item, ItemAlias, ItemStatus

if TYPE_CHECKING:
    from kiosk.services.core import Kiosk

CATEGORIES = ("tool", "garden", "camping", "household", "toy", "game", "book")
# Built once: every item scan runs it.
_BY_CODE = select(Item).where(Item.home_site == bindparam("site"), Item.code == bindparam("code"))

_CATEGORY_ALIASES = {"공구": "tool", "원예": "garden", "캠핑": "camping", "생활": "household",
                     "장난감": "toy", "보드게임": "game", "게임": "game", "도서": "book", "책": "book"}


def normalise_category(text: str) -> str:
    t = (text or "").strip()
    t = _CATEGORY_ALIASES.get(t, t.lower())
    if t not in CATEGORIES:
        raise BadInput("Unknown category: {category}", category=echo(text))
    return t


def whole_number(value: Any, low: int, high: int, field: Message) -> int:
    """``value`` as an int in ``[low, high]``; text, floats and bools are refused.

    ``field`` names the value in the message (a translatable :class:`Message`).
    """
    if isinstance(value, bool) or not isinstance(value, int):
        if not (isinstance(value, str) and value.strip().isascii() and value.strip().lstrip("-").isdigit()):
            raise BadInput(N_("{field} must be a whole number, not {value}."), field=field,
                           value=echo(value))
        value = int(value.strip())
    return check_int(value, low, high, field)


def parts_list(parts: int | list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Accept a count (one line "pieces") or a full list of parts, within the shared limits."""
    if parts is None or parts == 0:
        return []
    if isinstance(parts, int) and not isinstance(parts, bool):
        if parts < 0:
            raise BadInput("The number of parts cannot be negative.")
        count = whole_number(parts, 0, PART_COUNT_MAX, Message(N_("The number of parts")))
        return [{"name_ko": "구성품", "name_en": "pieces", "name_zh": "零件", "name_vi": "chi tiết",
                 "count": count}]
    if not isinstance(parts, (list, tuple)):
        raise BadInput(N_("{field} must be a whole number, not {value}."),
                       field=Message(N_("The number of parts")), value=echo(parts))
    if len(parts) > PARTS_ENTRIES_MAX:
        raise BadInput(N_("An item can list at most {limit} parts."), limit=PARTS_ENTRIES_MAX)
    out = []
    for p in parts:
        if not isinstance(p, dict):
            raise BadInput(N_("Not a part: {value}"), value=echo(p))
        count = whole_number(p.get("count", 0), -PART_COUNT_MAX, PART_COUNT_MAX,
                             Message(N_("The number of parts")))
        if count < 0:
            raise BadInput("The number of parts cannot be negative.")
        part = {"name_ko": clean_text(str(p.get("name_ko") or ""), PART_NAME_MAX,
                                      Message(N_("A part's name"))),
                "name_en": clean_text(str(p.get("name_en") or ""), PART_NAME_MAX,
                                      Message(N_("A part's name"))),
                "count": count}
        # Chinese and Vietnamese names only when given: a part without them shows its Korean name.
        for key in ("name_zh", "name_vi"):
            name = clean_text(str(p.get(key) or ""), PART_NAME_MAX, Message(N_("A part's name")))
            if name:
                part[key] = name
        out.append(part)
    return out


def item_name(text: Any) -> str:
    """An item's Korean name: required, one line, at most ITEM_NAME_MAX characters."""
    name = clean_text(str(text or ""), ITEM_NAME_MAX, Message(N_("The item's name")))
    if not name:
        raise BadInput("An item needs a name.")
    return name


def check_item_field(key: str, value: Any) -> Any:
    """One field of an item record, checked against the shared limits (BadInput if not)."""
    if key == "name_ko":
        return item_name(value)
    if key == "name_en":
        return clean_text(str(value or ""), ITEM_NAME_MAX, Message(N_("The item's English name")))
    if key == "name_zh":
        return clean_text(str(value or ""), ITEM_NAME_MAX, Message(N_("The item's Chinese name")))
    if key == "name_vi":
        return clean_text(str(value or ""), ITEM_NAME_MAX, Message(N_("The item's Vietnamese name")))
    if key == "category":
        return normalise_category(str(value or ""))
    if key == "parts":
        return parts_list(value)
    if key == "replacement_value":
        if isinstance(value, int) and not isinstance(value, bool) and value < 0:
            raise BadInput("The replacement value cannot be negative.")
        return whole_number(value or 0, 0, REPLACEMENT_VALUE_MAX,
                            Message(N_("The replacement value")))
    if key in ("age_min_months", "age_max_months"):
        if value in (None, ""):
            return None
        if isinstance(value, int) and not isinstance(value, bool) and value < 0:
            raise BadInput(N_("An age in months cannot be negative."))
        return whole_number(value, 0, AGE_MONTHS_MAX, Message(N_("An age in months")))
    if key in ("safe_use_ko", "safe_use_en"):
        return clean_text(str(value or ""), SAFE_USE_MAX, Message(N_("The safe-use notes")),
                          multiline=True)
    raise BadInput(N_("Unknown item field: {field}"), field=echo(key))


def check_ages(low: int | None, high: int | None) -> None:
    if low is not None and high is not None and low > high:
        raise BadInput("The youngest age ({min}) is above the oldest ({max}).", min=low, max=high)


def check_alias(alias: Any) -> str:
    """A legacy barcode as it may be registered (ASCII, 4 to ALIAS_MAX characters)."""
    text = str(alias or "").strip()
    if (len(text) > ALIAS_MAX or not text.isascii() or not LEGACY_BARCODE_RE.match(text)
            or normalise_item_code(text)):
        raise BadInput("Not a usable legacy barcode: {alias}", alias=echo(text))
    return text


class Catalogue:
    def __init__(self, kiosk: Kiosk) -> None:
        self.k = kiosk

    # -- lookups inside a caller's session -------------------------------------
    def by_code(self, session: Session, code: str, site: str | None = None) -> Item | None:
        """The item (``site`` or this kiosk's site, ``code``), or None."""
        return session.execute(_BY_CODE, {"site": site or self.k.site,
                                          "code": code}).scalar_one_or_none()

    def resolve(self, session: Session, payload: ItemKey | str) -> Item:
        """The item a reference names (text is parsed here: the CLI's); ForeignCode when none.

        A code without a site (typed, or an old label) names this centre's item.
        """
        ref = item_key(payload, self.k.base_url)
        if isinstance(ref, ItemRef):
            item = self.by_code(session, ref.code, ref.site)
            if item is None:
                raise NotFound("No item with code {code} at this centre.", code=ref.code)
            return item
        assert isinstance(ref, AliasRef)
        alias = session.get(ItemAlias, ref.text)
        if alias is None:
            raise ForeignCode("This code is not from a sharing centre.")
        return session.get_one(Item, alias.item_id)

    # -- public operations ----------------------------------------------------
    def add_item(self, code: str, name_ko: str, *, name_en: str = "", name_zh: str = "", name_vi: str = "",
                 category: str = "tool",
                 parts: int | list[dict[str, Any]] | None = None, replacement_value: int = 0,
                 age_min_months: int | None = None, age_max_months: int | None = None,
                 safe_use_ko: str = "", safe_use_en: str = "", home_site: str | None = None,
                 aliases: tuple[str, ...] = (), actor: str | None = None) -> ItemView:
        """Add an item to the catalogue; its code must be new.

        ``name_zh`` and ``name_vi`` are optional: screens in Chinese or Vietnamese
        show the Korean name when they are empty (:mod:`kiosk.names`).
        """
        norm = normalise_item_code(code) if isinstance(code, str) else None
        if norm is None:
            raise BadInput("Not an item code: {code}", code=echo(code))
        name_ko = item_name(name_ko)
        name_en = check_item_field("name_en", name_en)
        names = {key: check_item_field(key, value) for key, value in (("name_zh", name_zh), ("name_vi", name_vi))}
        category = normalise_category(category)
        plist = parts_list(parts)
        replacement_value = check_item_field("replacement_value", replacement_value)
        age_min_months = check_item_field("age_min_months", age_min_months)
        age_max_months = check_item_field("age_max_months", age_max_months)
        check_ages(age_min_months, age_max_months)
        safe_use_ko = check_item_field("safe_use_ko", safe_use_ko)
        safe_use_en = check_item_field("safe_use_en", safe_use_en)
        if len(aliases) > ALIASES_MAX:
            raise BadInput(N_("An item can have at most {limit} barcodes."), limit=ALIASES_MAX)
        aliases = tuple(check_alias(a) for a in aliases)
        home_site = home_site or self.k.site
        with self.k.transaction() as s:
            if s.execute(select(Item.id).where(Item.home_site == home_site,
                                               Item.code == norm)).first():
                raise BadInput("Item code {code} is already in the catalogue.", code=norm)
            item = Item(code=norm, name_ko=name_ko, name_en=name_en, **names, category=category,
                        home_site=home_site, parts=plist,
                        replacement_value=replacement_value, age_min_months=age_min_months,
                        age_max_months=age_max_months, safe_use_ko=safe_use_ko,
                        safe_use_en=safe_use_en, status=ItemStatus.AVAILABLE,
                        created_at=to_iso(self.k.clock()))
            s.add(item)
            s.flush()
            for alias in aliases:
                self._add_alias(s, item, alias)
            self.k.record(s, "item.added", {**item.event_ref(), "name_ko": name_ko, "name_en": item.name_en,
                                            **{k: v for k, v in names.items() if v},
                                            "category": category, "parts": plist,
                                            "aliases": list(aliases), "home_site": item.home_site,
                                            "replacement_value": replacement_value}, actor)
            return ItemView.of(item)

    def _add_alias(self, s: Session, item: Item, alias: str) -> None:
        alias = check_alias(alias)
        if s.get(ItemAlias, alias) is not None:
            raise BadInput("Barcode {alias} already belongs to another item.", alias=alias)
        s.add(ItemAlias(alias=alias, item_id=item.id))

    def add_alias(self, item_payload: str, alias: str, actor: str | None = None) -> None:
        """Register a legacy barcode already stuck on an item."""
        alias = check_alias(alias)
        with self.k.transaction() as s:
            item = self.resolve(s, item_payload)
            count = s.execute(select(func.count()).select_from(ItemAlias)
                              .where(ItemAlias.item_id == item.id)).scalar_one()
            if count >= ALIASES_MAX:
                raise BadInput(N_("An item can have at most {limit} barcodes."), limit=ALIASES_MAX)
            self._add_alias(s, item, alias)
            self.k.record(s, "item.alias_added", {**item.event_ref(), "alias": alias}, actor)

    def get(self, payload: ItemKey | str) -> ItemView:
        """The item a reference names, as shown on screens."""
        with self.k.reading() as s:
            return ItemView.of(self.resolve(s, payload))

    def list(self, status: str | None = None, category: str | None = None) -> list[ItemView]:
        if status and status not in ItemStatus.ALL:
            raise BadInput("Unknown item status: {status}", status=echo(status))
        if category:
            category = normalise_category(category)
        with self.k.reading() as s:
            q = select(Item).order_by(Item.code)
            if status:
                q = q.where(Item.status == status)
            if category:
                q = q.where(Item.category == category)
            return [ItemView.of(i) for i in s.execute(q).scalars()]

    def set_status(self, item_payload: str, status: str, *, actor: str, note: str = "") -> ItemView:
        """Staff: send an item to the shelf, inspection, repair or retirement.

        The one rule of :mod:`kiosk.domain` decides (never while on loan); on
        the shelf it goes to the first member waiting, and retiring it cancels
        its reservations and tells their members, as the desk's retirement does.
        """
        if not isinstance(status, str) or status not in STAFF_TARGETS:
            raise BadInput("Unknown item status: {status}", status=echo(status))
        note = clean_text(note or "", NOTE_MAX, Message(N_("The note")), multiline=True)
        with self.k.transaction() as s:
            item = self.resolve(s, item_payload)
            old = item.status
            held_for = self.k.circulation.move_item(s, item, status, Cause.STAFF, actor=actor).held_for
            self.k.record(s, "item.status_changed", {**item.event_ref(), "from": old,
                                                     "to": item.status, "note": note,
                                                     "held_for": held_for}, actor)
            return ItemView.of(item)
