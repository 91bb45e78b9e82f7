"""State digests: what a kiosk and the platform must agree on after a full sync.

Both sides reduce their records to the same canonical lists and hash them;
the tests compare the digests after draining (nothing lost, nothing
duplicated, the same catalogue, members, reservations and closed days).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from kiosk.services.syncstate import ACTIVE, is_forgotten
from kiosk.store.events import canonical_json
from kiosk.store.models import ClosedDay, Event, Item, ItemAlias, ItemStatus, Member, Reservation

if TYPE_CHECKING:
    from kiosk.services.core import Kiosk


def digest(records: list[Any]) -> str:
    """SHA-256 of the canonical JSON of sorted records."""
    return hashlib.sha256(canonical_json(sorted(records, key=canonical_json)).encode()).hexdigest()


def item_digest_record(code: str, name_ko: str, name_en: str, category: str, home_site: str,
                       parts: list[Any], replacement_value: int, retired: bool,
                       aliases: list[str]) -> list[Any]:
    return [code, name_ko, name_en, category, home_site, parts or [], int(replacement_value or 0),
            bool(retired), sorted(aliases)]


def kiosk_digest(k: Kiosk) -> dict[str, Any]:
    """Digests of what the kiosk and platform must agree on after a full sync."""
    with k.reading() as s:
        last = s.execute(select(Event).order_by(Event.seq.desc()).limit(1)).scalar_one_or_none()
        aliases: dict[int, list[str]] = {}
        for a in s.execute(select(ItemAlias)).scalars():
            aliases.setdefault(a.item_id, []).append(a.alias)
        items = [item_digest_record(i.code, i.name_ko, i.name_en, i.category, i.home_site, i.parts,
                                    i.replacement_value, i.status == ItemStatus.RETIRED,
                                    aliases.get(i.id, []))
                 for i in s.execute(select(Item)).scalars()]
        members = [[m.number, m.member_type, m.expires_on, m.status]
                   for m in s.execute(select(Member)).scalars() if not is_forgotten(m)]
        # items by their city-wide name, SITE/CODE, as the platform keys them
        reservations = [[r.uid, f"{site}/{code}", number] for r, site, code, number in s.execute(
            select(Reservation, Item.home_site, Item.code, Member.number).join(Item, Item.id == Reservation.item_id)
            .join(Member, Member.id == Reservation.member_id)
            .where(Reservation.source == "platform", Reservation.status.in_(ACTIVE)))]
        days = [d for d in s.execute(select(ClosedDay.day)).scalars()]
        return {"events": {"count": last.seq if last else 0, "head": last.hash if last else "0" * 64},
                "items": digest(items), "members": digest(members),
                "reservations": digest(reservations), "closed_days": digest(days)}
