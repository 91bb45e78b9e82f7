"""The bundled fonts draw every character of every language the kiosk speaks (no tofu boxes)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFont, QFontDatabase

from kiosk.i18n import LANGUAGES, catalogue
from ui.a11y_checks import missing_glyphs
from ui.assets import ASSETS, CJK_FAMILY, FONT_FAMILY, font_families, register_fonts


@pytest.fixture(scope="module")
def families(qapp):
    register_fonts()
    return set(QFontDatabase.families())


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_every_translation_and_every_language_name_has_glyphs_in_the_bundled_fonts(families, lang):
    assert set(font_families(lang)) <= families
    font = QFont()
    font.setFamilies(list(font_families(lang)))
    text = "".join(catalogue(lang).values()) + "".join(LANGUAGES.values()) + "0123456789-+−/()"
    assert missing_glyphs(font, text) == ""


def test_chinese_and_vietnamese_come_first_from_the_noto_subset_and_korean_from_nanum(families):
    assert font_families("zh")[0] == CJK_FAMILY and font_families("vi")[0] == CJK_FAMILY
    assert font_families("ko")[0] == FONT_FAMILY and font_families("en")[0] == FONT_FAMILY
    only_noto = QFont()
    only_noto.setFamilies([CJK_FAMILY])
    assert missing_glyphs(only_noto, "还书借用归还 Trả đồ Mượn Tiếng Việt ơư ẫ ự") == ""


def test_the_subset_stays_small_and_carries_its_licence():
    sizes = [(ASSETS / "fonts" / name).stat().st_size for name in ("NotoSansSC-Regular.ttf", "NotoSansSC-Bold.ttf")]
    assert all(size < 2_000_000 for size in sizes)
    assert "SIL Open Font License" in (ASSETS / "fonts" / "OFL-NotoSansSC.txt").read_text()
