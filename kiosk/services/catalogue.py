"""The catalogue: items, their parts lists and legacy barcode aliases."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from kiosk.clock import to_iso
from kiosk.codes import (LEGACY_BARCODE_RE, AliasRef, CardRef, ItemRef, normalise_item_code,
                         parse_payload)
from kiosk.errors import BadInput, ForeignCode, NotFound
from kiosk.services.views import ItemView
from kiosk.store.models import Item, ItemAlias, ItemStatus

if TYPE_CHECKING:
    from kiosk.services.core import Kiosk

CATEGORIES = ("tool", "garden", "camping", "household", "toy", "game", "book")
# Built once: every item scan runs it.
_BY_CODE = select(Item).where(Item.code == bindparam("code"))

_CATEGORY_ALIASES = {"공구": "tool", "원예": "garden", "캠핑": "camping", "생활": "household",
                     "장난감": "toy", "보드게임": "game", "게임": "game", "도서": "book", "책": "book"}


def normalise_category(text: str) -> str:
    t = (text or "").strip()
    t = _CATEGORY_ALIASES.get(t, t.lower())
    if t not in CATEGORIES:
        raise BadInput("Unknown category: {category}", category=text)
    return t


def parts_list(parts: int | list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Accept a count (one line "pieces") or a full list of parts."""
    if parts is None or parts == 0:
        return []
    if isinstance(parts, int):
        if parts < 0:
            raise BadInput("The number of parts cannot be negative.")
        return [{"name_ko": "구성품", "name_en": "pieces", "count": parts}]
    out = []
    for p in parts:
        count = int(p.get("count", 0))
        if count < 0:
            raise BadInput("The number of parts cannot be negative.")
        out.append({"name_ko": str(p.get("name_ko", "")), "name_en": str(p.get("name_en", "")),
                    "count": count})
    return out


class Catalogue:
    def __init__(self, kiosk: Kiosk) -> None:
        self.k = kiosk

    # -- lookups inside a caller's session -------------------------------------
    def resolve(self, session: Session, payload: str) -> Item:
        """The item a scanned or typed payload names; ForeignCode when none."""
        ref = parse_payload(payload, self.k.base_url)
        if isinstance(ref, CardRef):
            raise BadInput("That is a member card. Please scan an item's label.")
        if isinstance(ref, ItemRef):
            item = session.execute(_BY_CODE, {"code": ref.code}).scalar_one_or_none()
            if item is None:
                raise NotFound("No item with code {code} at this centre.", code=ref.code)
            return item
        assert isinstance(ref, AliasRef)
        alias = session.get(ItemAlias, ref.text)
        if alias is None:
            raise ForeignCode("This code is not from a sharing centre.")
        return session.get(Item, alias.item_id)

    # -- public operations ----------------------------------------------------
    def add_item(self, code: str, name_ko: str, *, name_en: str = "", category: str = "tool",
                 parts: int | list[dict[str, Any]] | None = None, replacement_value: int = 0,
                 age_min_months: int | None = None, age_max_months: int | None = None,
                 safe_use_ko: str = "", safe_use_en: str = "", home_site: str | None = None,
                 aliases: tuple[str, ...] = (), actor: str | None = None) -> ItemView:
        """Add an item to the catalogue; its code must be new."""
        norm = normalise_item_code(code or "")
        if norm is None:
            raise BadInput("Not an item code: {code}", code=code)
        name_ko = (name_ko or "").strip()
        if not name_ko:
            raise BadInput("An item needs a name.")
        category = normalise_category(category)
        plist = parts_list(parts)
        if replacement_value < 0:
            raise BadInput("The replacement value cannot be negative.")
        with self.k.transaction() as s:
            if s.execute(select(Item.id).where(Item.code == norm)).first():
                raise BadInput("Item code {code} is already in the catalogue.", code=norm)
            item = Item(code=norm, name_ko=name_ko, name_en=name_en.strip(), category=category,
                        home_site=home_site or self.k.site, parts=plist,
                        replacement_value=replacement_value, age_min_months=age_min_months,
                        age_max_months=age_max_months, safe_use_ko=safe_use_ko,
                        safe_use_en=safe_use_en, status=ItemStatus.AVAILABLE,
                        created_at=to_iso(self.k.clock()))
            s.add(item)
            s.flush()
            for alias in aliases:
                self._add_alias(s, item, alias)
            self.k.record(s, "item.added", {"item": norm, "name_ko": name_ko, "name_en": item.name_en,
                                            "category": category, "parts": plist,
                                            "aliases": list(aliases), "home_site": item.home_site,
                                            "replacement_value": replacement_value}, actor)
            return ItemView.of(item)

    def _add_alias(self, s: Session, item: Item, alias: str) -> None:
        alias = alias.strip()
        if not LEGACY_BARCODE_RE.match(alias) or normalise_item_code(alias):
            raise BadInput("Not a usable legacy barcode: {alias}", alias=alias)
        if s.get(ItemAlias, alias) is not None:
            raise BadInput("Barcode {alias} already belongs to another item.", alias=alias)
        s.add(ItemAlias(alias=alias, item_id=item.id))

    def add_alias(self, item_payload: str, alias: str, actor: str | None = None) -> None:
        """Register a legacy barcode already stuck on an item."""
        with self.k.transaction() as s:
            item = self.resolve(s, item_payload)
            self._add_alias(s, item, alias)
            self.k.record(s, "item.alias_added", {"item": item.code, "alias": alias.strip()}, actor)

    def get(self, payload: str) -> ItemView:
        with self.k.reading() as s:
            return ItemView.of(self.resolve(s, payload))

    def list(self, status: str | None = None, category: str | None = None) -> list[ItemView]:
        with self.k.reading() as s:
            q = select(Item).order_by(Item.code)
            if status:
                q = q.where(Item.status == status)
            if category:
                q = q.where(Item.category == category)
            return [ItemView.of(i) for i in s.execute(q).scalars()]

    def set_status(self, item_payload: str, status: str, *, actor: str, note: str = "") -> ItemView:
        """Staff: move an item out of inspection to the shelf, repair or retirement."""
        if status not in (ItemStatus.AVAILABLE, ItemStatus.REPAIR, ItemStatus.RETIRED,
                          ItemStatus.INSPECTION):
            raise BadInput("Unknown item status: {status}", status=status)
        with self.k.transaction() as s:
            item = self.resolve(s, item_payload)
            if item.status == ItemStatus.ON_LOAN:
                raise BadInput("{code} is on loan; return it first.", code=item.code)
            old = item.status
            item.status = status
            item.held_for_member_id = None
            item.hold_until = None
            if status == ItemStatus.AVAILABLE:
                self.k.circulation.offer_to_waitlist(s, item)
            self.k.record(s, "item.status_changed", {"item": item.code, "from": old,
                                                     "to": item.status, "note": note}, actor)
            return ItemView.of(item)
