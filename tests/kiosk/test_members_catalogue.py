"""Members and catalogue services: minimal data, cards, PINs, items and aliases."""

import datetime as dt

import pytest
from sqlalchemy import text

from kiosk.codes import parse_payload
from kiosk.errors import BadInput, ForeignCode, NotFound


def _event_count(k):
    with k.reading() as s:
        return s.execute(text("SELECT count(*) FROM events")).scalar()


def test_card_token_is_stored_only_as_a_hash(make_kiosk):
    k, _ = make_kiosk()
    member, card = k.members.add("정수아", "family")
    token = parse_payload(card).token
    with k.reading() as s:
        dump = "\n".join(str(r) for r in s.execute(text("SELECT * FROM members")).all())
        events = "\n".join(s.execute(text("SELECT payload FROM events")).scalars())
    assert token not in dump and token not in events
    assert "정수아" not in events  # names never enter the event log
    assert member.number not in card
    assert k.members.identify(card).number == member.number


def test_reissued_card_replaces_the_lost_one(make_kiosk):
    k, _ = make_kiosk()
    member, old = k.members.add("한지우")
    new = k.members.reissue_card(member.number)
    assert new != old
    assert k.members.identify(new).number == member.number
    with pytest.raises(NotFound) as exc:
        k.members.identify(old)
    assert exc.value.render("en") == "This card is no longer valid. Please ask staff for a new card."


def test_pin_fallback(make_kiosk):
    k, _ = make_kiosk()
    member, _ = k.members.add("윤서준", pin="4821")
    assert k.members.identify_by_pin(member.number, "4821").number == member.number
    assert k.members.identify_by_pin("1", "4821").number == member.number
    for number, pin in ((member.number, "0000"), ("M-999999", "4821"), ("abc", "4821")):
        with pytest.raises(BadInput) as exc:
            k.members.identify_by_pin(number, pin)
        assert exc.value.render("en") == "The number or PIN is not right."


@pytest.mark.parametrize("kwargs,msg", [
    ({"display_name": " "}, "A member needs a name."),
    ({"display_name": "김", "member_type": "vip"}, "Unknown membership type: vip"),
    ({"display_name": "김", "pin": "12"}, "A PIN has 4 to 8 digits."),
])
def test_member_bad_input_changes_nothing(make_kiosk, kwargs, msg):
    k, _ = make_kiosk()
    before = _event_count(k)
    with pytest.raises(BadInput) as exc:
        k.members.add(**kwargs)
    assert exc.value.render("en") == msg
    assert exc.value.render("ko") != msg
    assert k.members.list() == [] and _event_count(k) == before


def test_korean_membership_types(make_kiosk):
    k, _ = make_kiosk()
    m, _ = k.members.add("김", "가족", expires_on=dt.date(2027, 1, 1))
    assert m.member_type == "family" and m.expires_on == dt.date(2027, 1, 1)


@pytest.mark.parametrize("args,kwargs,msg", [
    (("X42Y", "드릴"), {}, "Not an item code: X42Y"),
    (("T-1", ""), {}, "An item needs a name."),
    (("T-1", "드릴"), {"category": "weapons"}, "Unknown category: weapons"),
    (("T-1", "드릴"), {"parts": -1}, "The number of parts cannot be negative."),
    (("T-1", "드릴"), {"aliases": ("a b",)}, "Not a usable legacy barcode: a b"),
])
def test_item_bad_input_changes_nothing(make_kiosk, args, kwargs, msg):
    k, _ = make_kiosk()
    before = _event_count(k)
    with pytest.raises(BadInput) as exc:
        k.catalogue.add_item(*args, **kwargs)
    assert exc.value.render("en") == msg
    assert k.catalogue.list() == [] and _event_count(k) == before


def test_duplicate_code_and_alias(make_kiosk):
    k, _ = make_kiosk()
    k.catalogue.add_item("T-1", "드릴", aliases=("8801234567893",))
    with pytest.raises(BadInput) as exc:
        k.catalogue.add_item("T-00001", "사다리")
    assert exc.value.render("en") == "Item code T-00001 is already in the catalogue."
    with pytest.raises(BadInput) as exc:
        k.catalogue.add_item("T-2", "사다리", aliases=("8801234567893",))
    assert exc.value.render("en") == "Barcode 8801234567893 already belongs to another item."
    assert [i.code for i in k.catalogue.list()] == ["T-00001"]


def test_legacy_alias_resolves_and_unknown_alias_is_foreign(make_kiosk):
    k, _ = make_kiosk()
    k.catalogue.add_item("T-7", "고압세척기", category="household", parts=[
        {"name_ko": "본체", "name_en": "body", "count": 1},
        {"name_ko": "노즐", "name_en": "nozzle", "count": 3}])
    k.catalogue.add_alias("T-7", "LIB-OLD-0007")
    item = k.catalogue.get("LIB-OLD-0007")
    assert item.code == "T-00007" and item.parts_total == 4
    with pytest.raises(ForeignCode):
        k.catalogue.get("LIB-OLD-9999")
    with pytest.raises(BadInput) as exc:
        k.catalogue.get(k.members.add("김")[1])
    assert exc.value.render("en") == "That is a member card. Please scan an item's label."
