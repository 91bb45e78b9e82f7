"""Typed references: a scan is classified once, and services take what it names, not its text."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import kiosk.codes as codes
from kiosk.codes import (
    FOREIGN,
    NOT_A_CARD,
    NOT_AN_ITEM,
    AliasRef,
    CardRef,
    ItemRef,
    MemberNumber,
    Unreadable,
    card_key,
    card_payload,
    classify,
    item_key,
    item_label_payload,
    new_card_token,
)
from kiosk.errors import BadInput, ForeignCode
from kiosk.i18n import translate

ROOT = Path(__file__).resolve().parents[2]
BASE = codes.DEFAULT_BASE_URL


@pytest.fixture
def parses(monkeypatch):
    """How many times a payload's text is parsed (the parser itself still runs)."""
    calls: list[str] = []
    parse = codes.parse_payload

    def counted(payload, *args, **kw):
        calls.append(payload)
        return parse(payload, *args, **kw)
    monkeypatch.setattr(codes, "parse_payload", counted)
    return calls


def test_every_kind_of_payload_becomes_a_typed_reference():
    card = card_payload(new_card_token())
    assert classify(item_label_payload("T-00042", BASE, site="MP01")) == ItemRef("T-00042", "MP01")
    assert classify("t42") == ItemRef("T-00042")
    assert classify("8801234567893") == AliasRef("8801234567893")
    assert classify(card) == CardRef(card.removeprefix("NKC1-"))
    foreign = classify("WIFI:S:cafe;T:WPA;P:secret;;")
    assert foreign == Unreadable(foreign.message) and foreign.foreign
    assert foreign.message.msgid == FOREIGN and translate(FOREIGN, "ko") != FOREIGN
    damaged = classify(card[:-1] + ("A" if card[-1] != "A" else "B"))
    assert (damaged.foreign, damaged.looks_like) == (False, "card")
    assert isinstance(damaged.error(), BadInput) and not isinstance(damaged.error(), ForeignCode)
    for junk in (None, b"\xff", "", "   ", "나눔", "x" * 5000):
        assert isinstance(classify(junk), Unreadable)


def test_a_reference_of_the_wrong_kind_is_refused_with_its_message():
    card = classify(card_payload(new_card_token()))
    with pytest.raises(BadInput) as exc:
        item_key(card)
    assert exc.value.msgid == NOT_AN_ITEM
    with pytest.raises(ForeignCode) as exc:
        card_key(ItemRef("T-00042"))
    assert exc.value.msgid == NOT_A_CARD
    with pytest.raises(ForeignCode) as exc:
        item_key(classify("https://example.com/"))
    assert exc.value.msgid == FOREIGN
    assert item_key("T42") == ItemRef("T-00042")  # text (the CLI's) is parsed once, there


def test_services_take_references_without_parsing_again(kiosk, parses):
    kiosk.catalogue.add_item("T-00001", "드릴", name_en="Drill")
    kiosk.catalogue.add_item("T-00002", "사다리", name_en="Ladder")
    number = kiosk.members.add("주민", "standard")[0].number
    card = classify(kiosk.members.add("이웃", "standard")[1])
    parses.clear()
    assert isinstance(card, CardRef)

    result = kiosk.circulation.checkout(card, [ItemRef("T-00001"), ItemRef("T-00001", "GN01")])
    assert [o.ok for o in result.outcomes] == [True, False]
    refused = result.outcomes[1]
    # The refusal carries the item it found, so a screen shows it without asking again.
    assert refused.reason == "already_yours" and refused.item_view is not None
    assert refused.item_view.name_en == "Drill"
    assert kiosk.circulation.renew(ItemRef("T-00001"), card).ok
    assert kiosk.circulation.reserve(MemberNumber(number), ItemRef("T-00001")) == "waiting"
    assert [lv.item_code for lv in kiosk.circulation.loans(member_payload=card)] == ["T-00001"]
    assert kiosk.circulation.return_item(ItemRef("T-00001")).destination == "reservation_shelf"
    assert kiosk.members.identify(card).display_name == "이웃"
    assert kiosk.catalogue.get(ItemRef("T-00002")).name_en == "Ladder"
    assert parses == []  # nothing downstream of the classifier reads the text again


def test_an_unknown_reference_is_an_outcome_not_a_crash(kiosk):
    card = classify(kiosk.members.add("이웃", "standard")[1])
    [outcome] = kiosk.circulation.checkout(card, [AliasRef("8801234567893")]).outcomes
    assert not outcome.ok and outcome.item == "8801234567893" and outcome.item_view is None


def test_a_card_where_an_item_is_expected_is_a_type_error(tmp_path, monkeypatch):
    mypy_api = pytest.importorskip("mypy.api")
    snippet = textwrap.dedent('''
        from kiosk.codes import CardRef, ItemRef, MemberNumber
        from kiosk.services.circulation import Circulation
        from kiosk.services.members import Members


        def lends(c: Circulation, m: Members, card: CardRef, item: ItemRef) -> None:
            c.checkout(card, [item])
            c.checkout(MemberNumber("M-000001"), [item])
            c.return_item(item)
            c.renew(item, card)
            m.identify(card)


        def mixes_them_up(c: Circulation, card: CardRef, item: ItemRef) -> None:
            c.return_item(card)
            c.checkout(item, [card])
    ''')
    program = tmp_path / "uses_refs.py"
    program.write_text(snippet, encoding="utf-8")
    monkeypatch.chdir(ROOT)  # the kiosk package and its configuration
    out, err, _status = mypy_api.run([
        "--config-file", str(ROOT / "pyproject.toml"), "--follow-imports=silent",
        "--cache-dir", str(ROOT / ".mypy_cache"), str(program)])
    errors = [line for line in out.splitlines() if ": error:" in line]
    # The first function type-checks; each line of the second is refused.
    assert [line.split(":")[1] for line in errors] == ["16", "17", "17"], out + err
    assert '"return_item" of "Circulation" has incompatible type "CardRef"' in errors[0]
