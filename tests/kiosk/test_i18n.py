"""The one catalogue: every user-visible string translated, placeholders intact."""

import string

import pytest

from kiosk.i18n import LANGUAGES, catalogue, translate
from kiosk.i18n_extract import extract


def _fields(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


MSGIDS = [m.id for m in extract() if m.id]


def test_catalogue_finds_the_strings_in_the_code():
    assert "You can borrow up to {limit} items at a time." in MSGIDS
    assert "This code is not from a sharing centre." in MSGIDS
    assert len(MSGIDS) > 50


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_every_string_is_translated_with_the_same_placeholders(lang):
    cat = catalogue(lang)
    untranslated = [m for m in MSGIDS if not cat.get(m)]
    assert untranslated == [], f"untranslated in {lang}: {untranslated[:10]}"
    broken = [m for m in MSGIDS if _fields(cat[m]) != _fields(m)]
    assert broken == [], f"placeholders differ in {lang}: {broken[:10]}"


def test_translate_fills_parameters_and_falls_back_to_english():
    assert translate("You can borrow up to {limit} items at a time.", "ko", limit=3) == \
        "한 번에 최대 3개까지 빌릴 수 있습니다."
    assert translate("You can borrow up to {limit} items at a time.", "en", limit=3) == \
        "You can borrow up to 3 items at a time."
    assert translate("A message nobody translated {x}", "ko", x=1) == "A message nobody translated 1"
