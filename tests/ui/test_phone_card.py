"""A member card on the resident's phone, held up at the kiosk's (virtual) camera."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kiosk.codes import card_payload, hash_card_token, new_card_token
from kiosk.services import syncstate
from kiosk.store.models import Member


def _member_row(demo, number, phone_hash):
    """The member as the platform sends them after a phone card was issued on the resident page."""
    with demo.reading() as s:
        m = s.execute(select(Member).where(Member.number == number)).scalar_one()
        body = {"number": number, "display_name": None, "card_hash": None, "member_type": m.member_type,
                "expires_on": m.expires_on, "status": m.status, "language": m.language,
                "home_site": demo.site, "pin_hash": None, "phone_card_hash": phone_hash}
    return [{"kind": "member", "key": number, "deleted": False, "body": body}]


def test_a_phone_card_at_the_camera_signs_the_resident_in(qtbot, camera_window, demo, cards):
    window, _ui = camera_window
    number = demo.members.identify(cards["윤지우"]).number
    token = new_card_token()
    syncstate.apply_page(demo, _member_row(demo, number, hash_card_token(token)), "after-card", None)
    window.bridge.present(card_payload(token))  # the phone held up to the camera
    qtbot.waitUntil(lambda: window.session.member is not None, timeout=8000)
    assert window.session.member.number == number


def test_a_blocked_phone_card_is_refused_and_the_plastic_card_still_works(demo, cards):
    from kiosk.errors import NotFound

    number = demo.members.identify(cards["윤지우"]).number
    token = new_card_token()
    syncstate.apply_page(demo, _member_row(demo, number, hash_card_token(token)), "c1", None)
    assert demo.members.identify(card_payload(token)).number == number
    syncstate.apply_page(demo, _member_row(demo, number, None), "c2", None)  # blocked on the resident page
    with pytest.raises(NotFound):
        demo.members.identify(card_payload(token))
    assert demo.members.identify(cards["윤지우"]).number == number
