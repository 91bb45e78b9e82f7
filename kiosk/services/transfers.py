"""Items travelling between centres: returned at a centre that is not their home.

The centre that took an item back lists it *to send* (it waits on the shelf
for other centres' items until staff take it home); the home centre lists it
*to expect* once the platform has told it, and receives it with a scan. Both
lists come from the kiosk's own ``transfers`` rows, so they work offline: the
returning centre's at once, the home centre's after both have synced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from kiosk.services.views import ItemView
from kiosk.store.models import Item, Transfer

if TYPE_CHECKING:
    from kiosk.services.core import Kiosk


@dataclass(frozen=True)
class TransferView:
    uid: str
    item: ItemView
    from_site: str
    to_site: str
    started_at: str
    parts_expected: int | None
    parts_counted: int | None
    condition: str | None

    def to_json(self) -> dict[str, Any]:
        return {"transfer": self.uid, "item": self.item.code, "item_site": self.item.home_site,
                "name": self.item.name_ko, "from_site": self.from_site, "to_site": self.to_site,
                "started_at": self.started_at, "parts_expected": self.parts_expected,
                "parts_counted": self.parts_counted, "condition": self.condition}


@dataclass(frozen=True)
class OpenTransfers:
    to_send: list[TransferView]  # returned here, going to their home centres
    to_expect: list[TransferView]  # this centre's items returned elsewhere, coming home

    def to_json(self) -> dict[str, Any]:
        return {"to_send": [t.to_json() for t in self.to_send],
                "to_expect": [t.to_json() for t in self.to_expect]}


def open_transfers(k: Kiosk) -> OpenTransfers:
    """The transfers not yet received, oldest first, from this centre's point of view."""
    site = k.site
    with k.reading() as s:
        rows = s.execute(select(Transfer, Item).join(Item, Transfer.item_id == Item.id)
                         .where(Transfer.received_at.is_(None))
                         .order_by(Transfer.started_at, Transfer.id)).all()
        views = [(t.from_site, t.to_site, TransferView(
            uid=t.uid, item=ItemView.of(item), from_site=t.from_site, to_site=t.to_site,
            started_at=t.started_at, parts_expected=t.parts_expected, parts_counted=t.parts_counted,
            condition=t.condition)) for t, item in rows]
    return OpenTransfers(to_send=[v for f, _t, v in views if f == site],
                         to_expect=[v for _f, t, v in views if t == site])
