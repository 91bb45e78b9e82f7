"""What the resident-task tests share: the demo's members and a card from another centre."""

from __future__ import annotations

from sqlalchemy import select

from kiosk.store.models import Member


def member_number(demo, name: str) -> str:
    with demo.reading() as s:
        return s.execute(select(Member.number).where(Member.display_name == name)).scalar_one()


def guest_card(demo) -> str:
    """A member of a centre whose cards this centre does not honour, as the platform sends them."""
    from kiosk.codes import card_payload, hash_card_token, new_card_token
    from kiosk.services import syncstate

    card = card_payload(token := new_card_token())
    syncstate.apply_page(demo, [{"kind": "member", "key": "M-1100001", "deleted": False, "body": {
        "number": "M-1100001", "display_name": None, "card_hash": hash_card_token(token),
        "member_type": "standard", "expires_on": "2027-12-31", "status": "not_honoured", "language": "en",
        "home_site": "MP01", "pin_hash": None}}], "c1")
    return card


def borrowed(window) -> list[tuple[str, bool]]:
    """The borrow screen's results: (item, lent) in the order scanned."""
    return [(o.item, o.ok) for o, _v, _r in window.screens["borrow"].entries]
