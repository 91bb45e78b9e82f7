"""A member sets a PIN after showing their card; another centre's card is
refused with the platform's card policy, or lends where the policy allows it."""

from __future__ import annotations

import json

from sqlalchemy import select

from kiosk.codes import card_payload, hash_card_token, new_card_token
from kiosk.i18n import translate
from kiosk.services import syncstate
from kiosk.store.models import Event


def _press(ui, keys: str) -> None:
    for key in keys:  # "+" is the OK key
        ui.tap("newpin_ok" if key == "+" else f"newpin_{key}")


def test_a_member_sets_a_pin_typed_twice_and_then_signs_in_with_it(window, ui, cards, demo):
    ui.sign_in(cards["김민준"], "loans")
    ui.tap("SetPin")
    screen = window.current
    assert screen.name == "setpin"
    number = window.session.member.number
    _press(ui, "1357+2468+")  # two different PINs: nothing is set
    assert window.sound.played[-1] == "refused"
    assert translate("The two PINs are not the same. Please choose your PIN again.", "ko") \
        in ui.visible_texts()
    _press(ui, "2468+2468+")
    assert window.sound.played[-1] == "ok"
    assert demo.members.identify_by_pin(number, "2468").number == number
    with demo.reading() as s:  # one event, carrying the PIN's hash for the platform
        payloads = [json.loads(e.payload) for e in s.execute(select(Event).where(Event.type == "member.pin_set")).scalars()]
    assert len(payloads) == 1 and payloads[0]["pin_hash"].startswith("scrypt$")
    assert "2468" not in str(payloads)


def _guest(demo, site: str, status: str) -> str:
    """A member of another centre as the platform's pull sends them: the card they hold."""
    card = card_payload(token := new_card_token())
    syncstate.apply_page(demo, [{"kind": "member", "key": "M-1100001", "deleted": False, "body": {
        "number": "M-1100001", "display_name": None, "card_hash": hash_card_token(token),
        "member_type": "standard", "expires_on": "2027-12-31", "status": status, "language": "en",
        "home_site": site, "pin_hash": None}}], "c1")
    return card


def test_a_card_from_a_centre_not_honoured_here_gets_the_policys_message(window, ui, demo):
    card = _guest(demo, "MP01", "not_honoured")
    window.go("borrow")
    ui.scan(card)
    assert window.session.member is None
    expected = translate("This card is from another centre ({site}), which this centre does not lend "
                         "to yet. Please ask staff.", "ko", site="MP01")
    assert expected in ui.visible_texts()
    assert window.sound.played[-1] == "refused"


def test_a_card_from_a_centre_honoured_here_borrows(window, ui, demo):
    card = _guest(demo, "MP01", "active")
    ui.sign_in(card, "borrow")
    assert window.session.member.number == "M-1100001"
    assert ui.scan(ui.label("T-00002"))
    loans = demo.circulation.loans(open_only=True, member_payload=card)
    assert [loan.item_code for loan in loans] == ["T-00002"]
