"""The platform's side of the state digests (see sync.digest.kiosk_digest)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.digest import digest, item_digest_record
from sync.hub.feed import ACTIVE_RESERVATION, honoured_sites, member_row
from sync.hub.models import ClosedDay, Item, Kiosk, Member, Reservation


def site_digest(s: Session, kiosk_id: str) -> dict[str, Any]:
    """What the kiosk ``kiosk_id`` should hold once it has pushed and pulled everything."""
    k = s.get_one(Kiosk, kiosk_id)
    site = k.site
    items = [item_digest_record(i.code, i.name_ko, i.name_en, i.category, i.home_site, i.parts,
                                i.replacement_value, i.retired, i.aliases or [])
             for i in s.execute(select(Item).where(Item.origin != "placeholder")).scalars()]
    active = set(s.execute(select(Reservation.member_number).where(
        Reservation.site == site, Reservation.status.in_(ACTIVE_RESERVATION))).scalars())
    # Every member of the city, as the feed shows them to this site (sync.hub.feed).
    honours = honoured_sites(s, site)
    members = [[m.number, m.member_type, m.expires_on, (member_row(m, site, active, honours) or {}).get("status")]
               for m in s.execute(select(Member).where(Member.deleted.is_(False))).scalars()]
    reservations = [[r.uid, r.item_key, r.member_number] for r in s.execute(select(Reservation).where(
        Reservation.site == site, Reservation.source == "platform",
        Reservation.status.in_(ACTIVE_RESERVATION))).scalars()]
    days = list(s.execute(select(ClosedDay.day).where(ClosedDay.site == site)).scalars())
    return {"events": {"count": k.held_seq, "head": k.head_hash},
            "items": digest(items), "members": digest(members),
            "reservations": digest(reservations), "closed_days": digest(days)}
