"""The payload codec: labels, bare codes, cards, aliases, foreign and damaged codes."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.codes import (
    AliasRef,
    CardRef,
    ItemRef,
    card_payload,
    item_label_payload,
    new_card_token,
    normalise_item_code,
    parse_payload,
)
from kiosk.errors import BadInput, ForeignCode
from kiosk.i18n import translate

BASE = "https://nanum.example.org"


def test_label_url_round_trip():
    payload = item_label_payload("T-42", BASE)
    assert payload == "https://nanum.example.org/i/T-00042"
    assert payload.isascii()
    assert parse_payload(payload, BASE) == ItemRef("T-00042")


@pytest.mark.parametrize("typed", ["T-00042", "t-42", "T00042", " t42 ", "T-0042"])
def test_bare_codes_typed_on_screen(typed):
    assert parse_payload(typed, BASE) == ItemRef("T-00042")


def test_label_base_url_is_configurable_and_host_case_insensitive():
    assert parse_payload("HTTPS://SHARE.SEOUL.EXAMPLE/i/T-00001", "https://share.seoul.example") == ItemRef("T-00001")
    with pytest.raises(ForeignCode):
        parse_payload("https://nanum.example.org/i/T-00001", "https://share.seoul.example")


def test_card_token_is_long_random_and_checked():
    tokens = {new_card_token() for _ in range(200)}
    assert len(tokens) == 200
    tok = tokens.pop()
    assert len(tok) == 25  # 24 x 5 bits = 120 random bits, plus a check character
    assert parse_payload(card_payload(tok), BASE) == CardRef(tok)
    assert "hidden" in repr(CardRef(tok)) and tok not in repr(CardRef(tok))


def test_damaged_card_is_told_apart_from_a_foreign_code():
    tok = new_card_token()
    broken = tok[:-2] + ("A" if tok[-2] != "A" else "B") + tok[-1]
    with pytest.raises(BadInput) as exc:
        parse_payload(card_payload(broken), BASE)
    assert not isinstance(exc.value, ForeignCode)
    assert exc.value.render("en") == "This member card could not be read. Please ask staff for a new card."
    assert "회원카드를 읽을 수 없어요" in exc.value.render("ko")


def test_damaged_label_of_ours_asks_to_type_the_code():
    with pytest.raises(BadInput) as exc:
        parse_payload("https://nanum.example.org/i/T-00$42", BASE)
    assert exc.value.render("en") == "This label is damaged. Please type the code printed under it."


@pytest.mark.parametrize("payload", [
    "https://www.example.com/promo?id=7", "WIFI:S:cafe;T:WPA;P:secret;;", "회원카드", "hello world",
    "\x00\x01abc", "BEGIN:VCARD",
])
def test_foreign_codes_are_refused_with_a_translated_message(payload):
    with pytest.raises(ForeignCode) as exc:
        parse_payload(payload, BASE)
    assert exc.value.render("en") == "This code is not from a sharing centre."
    assert exc.value.render("ko") == translate("This code is not from a sharing centre.", "ko")
    assert exc.value.render("ko") != exc.value.render("en")


def test_legacy_barcodes_become_alias_candidates():
    assert parse_payload("8801234567893", BASE) == AliasRef("8801234567893")  # EAN-13, valid check digit
    assert parse_payload("TOOL-LIB-0042", BASE) == AliasRef("TOOL-LIB-0042")  # Code 128 text


def test_empty_payload():
    with pytest.raises(BadInput):
        parse_payload("   ", BASE)


@given(st.text(max_size=80))
def test_any_text_either_parses_or_raises_a_kiosk_error(text):
    try:
        ref = parse_payload(text, BASE)
    except BadInput as exc:
        assert exc.render("ko") and exc.render("en")
    else:
        assert isinstance(ref, (ItemRef, CardRef, AliasRef))


@given(st.from_regex(r"[A-Z]{1,3}-[0-9]{5}", fullmatch=True))
def test_every_item_code_survives_a_label(code):
    assert normalise_item_code(code) == code
    assert parse_payload(item_label_payload(code, BASE), BASE) == ItemRef(code)


def test_every_single_misread_or_swap_in_a_card_is_caught():
    tok = new_card_token()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    for i, ch in enumerate(tok):
        for other in alphabet:
            if other != ch:
                broken = tok[:i] + other + tok[i + 1:]
                with pytest.raises(BadInput):
                    parse_payload(card_payload(broken), BASE)
    # Luhn mod N's one blind spot is swapping the first and last symbols
    # of the alphabet ("A7" <-> "7A"), like 09 <-> 90 in the decimal Luhn.
    for i in range(len(tok) - 1):
        if tok[i] != tok[i + 1] and {tok[i], tok[i + 1]} != {"A", "7"}:
            swapped = tok[:i] + tok[i + 1] + tok[i] + tok[i + 2:]
            with pytest.raises(BadInput):
                parse_payload(card_payload(swapped), BASE)


def test_new_labels_name_the_home_site_and_old_labels_mean_the_kiosks_own():
    payload = item_label_payload("T-42", BASE, "GN01")
    assert payload == "https://nanum.example.org/i/GN01/T-00042"
    assert parse_payload(payload, BASE) == ItemRef("T-00042", "GN01")
    # printed before sites were in the URL, or typed: no site, i.e. the scanning kiosk's
    assert parse_payload(BASE + "/i/T-00042", BASE) == ItemRef("T-00042", None)
    assert ItemRef("T-00042").at("MP01") == ("MP01", "T-00042")
    assert ItemRef("T-00042", "GN01").at("MP01") == ("GN01", "T-00042")


@pytest.mark.parametrize("damaged", ["/i/G N01/T-00042", "/i/GN01/T-0x42", "/i/a/b/T-00042",
                                     "/i/-GN01/T-00042"])
def test_a_label_with_a_damaged_site_is_refused(damaged):
    with pytest.raises(BadInput):
        parse_payload(BASE + damaged, BASE)
    with pytest.raises(BadInput):
        item_label_payload("T-1", BASE, "G N01")
