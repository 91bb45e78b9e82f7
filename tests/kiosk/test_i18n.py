"""The one catalogue: every user-visible string translated, placeholders intact.

Korean, Chinese and Vietnamese are complete for every msgid, the residents'
(kiosk.i18n.RESIDENT_SOURCES) and staff mode's alike.
"""

import string

import pytest

from kiosk.i18n import FULL_LANGUAGES, LANGUAGES, catalogue, is_resident_source, translate
from kiosk.i18n_extract import extract


def _fields(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


MESSAGES = [m for m in extract() if m.id]
MSGIDS = [m.id for m in MESSAGES]
RESIDENT_MSGIDS = [m.id for m in MESSAGES if any(is_resident_source(f) for f, _ in m.locations)]


def test_catalogue_finds_the_strings_in_the_code():
    assert "You can borrow up to {limit} items at a time." in MSGIDS
    assert "This code is not from a sharing centre." in MSGIDS
    assert len(MSGIDS) > 50


def test_the_resident_set_holds_screens_refusals_and_receipts_but_not_staff_pages():
    assert "Hold each item's label inside the frame." in RESIDENT_MSGIDS  # a screen
    assert "You can borrow up to {limit} items at a time." in RESIDENT_MSGIDS  # a refusal
    assert "Sharing centre receipt" in RESIDENT_MSGIDS  # the receipt
    assert "Are you still there?" in RESIDENT_MSGIDS  # the idle warning
    assert "Due back {date}." in RESIDENT_MSGIDS
    staff_only = [m.id for m in MESSAGES if all(f.startswith("ui/staffmode/") for f, _ in m.locations)]
    assert staff_only and not set(staff_only) & set(RESIDENT_MSGIDS)
    assert len(RESIDENT_MSGIDS) > 150


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_every_string_is_translated_with_the_same_placeholders(lang):
    cat = catalogue(lang)
    needed = MSGIDS if lang in FULL_LANGUAGES else RESIDENT_MSGIDS
    untranslated = [m for m in needed if not cat.get(m)]
    assert untranslated == [], f"untranslated in {lang}: {untranslated[:10]}"
    # Every translation there is, resident or not, keeps the msgid's placeholders.
    broken = [m for m in MSGIDS if cat.get(m) and _fields(cat[m]) != _fields(m)]
    assert broken == [], f"placeholders differ in {lang}: {broken[:10]}"


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_every_translation_formats_with_its_parameters(lang):
    cat = catalogue(lang)
    failed = []
    for m in MSGIDS:
        text = cat.get(m, m)
        try:
            text.format(**{name: "x" for name in _fields(m)})
        except (KeyError, IndexError, ValueError) as exc:
            failed.append((m, repr(exc)))
    assert failed == []


def test_translate_fills_parameters_and_falls_back_to_english():
    assert translate("You can borrow up to {limit} items at a time.", "ko", limit=3) == \
        "한 번에 최대 3개까지 빌릴 수 있어요."
    assert translate("You can borrow up to {limit} items at a time.", "en", limit=3) == \
        "You can borrow up to 3 items at a time."
    assert translate("A message nobody translated {x}", "ko", x=1) == "A message nobody translated 1"


def test_chinese_and_vietnamese_refusals_read_in_their_language():
    assert translate("You can borrow up to {limit} items at a time.", "zh", limit=3) == "每次最多可借 3 件物品。"
    vi = translate("You can borrow up to {limit} items at a time.", "vi", limit=3)
    assert "3" in vi and "mượn" in vi
