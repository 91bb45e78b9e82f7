"""Text sizes, enlarged pictures and icon contrast follow the barrier-free reading the kiosk uses:
every resident text at least 7.25 mm (12 mm with large text, pictures enlarged with it), text at
least 4.5:1 and drawn icons at least 3:1 against what they are drawn on, in every theme."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QAbstractButton, QLabel

from ui.a11y_checks import check_screen, image_array
from ui.theme import (
    LARGE_TEXT_SCALE,
    MIN_LARGE_TEXT_MM,
    MIN_STAFF_TEXT_MM,
    MIN_TEXT_MM,
    PALETTES,
    TEXT_MM,
    Theme,
    contrast_ratio,
)
from ui.widgets.common import Icon, button

ROLES = sorted(TEXT_MM)


@pytest.mark.parametrize("dpi", [96.0, 102.0, 160.0])
def test_every_text_role_is_at_least_7_25_mm_and_12_mm_with_large_text(dpi):
    for large, least in ((False, MIN_TEXT_MM), (True, MIN_LARGE_TEXT_MM)):
        theme = Theme.make(dpi=dpi, large_text=large)
        for role in ROLES:
            # The em size in whole pixels, back in millimetres: never rounded below the figure.
            assert theme.font_px(role) * 25.4 / dpi >= least - 1e-9, (role, large)


@pytest.mark.parametrize("dpi", [96.0, 102.0, 160.0])
def test_staff_text_roles_are_at_least_4_8_mm_and_smaller_than_the_residents(dpi):
    theme = Theme.make(dpi=dpi)
    for role in ROLES:
        assert theme.staff_font_px(role) * 25.4 / dpi >= MIN_STAFF_TEXT_MM - 1e-9, role
        assert theme.staff_font_px(role) <= theme.font_px(role), role
    assert theme.staff_font_px("body") < theme.font_px("body")


def _findings(window, ui, lang="ko"):
    ui.settle()
    return check_screen(window, image_array(window.grab().toImage()), lang, False)[0]


def _shown_name(w):
    return w.objectName() or w.text()[:24]


def _texts(window):
    return [w for cls in (QLabel, QAbstractButton) for w in window.findChildren(cls)
            if w.isVisible() and w.text() and w.window() is window]


def test_every_shown_text_meets_the_size_of_its_mode_and_pictures_grow_with_large_text(make_ui, cards):
    window, ui = make_ui((1920, 1080))
    ui.sign_in(cards["윤지우"])
    ui.scan(ui.label("T-00002"))
    borrow = window.current
    row = borrow.newest()
    sizes = {"photo": row.photo.width(), "icon": row.icon.sizeHint().width(),
             "camera": borrow.camera.sizeHint().width()}
    for large in (False, True):
        window.session.set_display(large_text=large)
        ui.settle()
        least = window.theme.min_text_px
        small = [(w.objectName() or w.text()[:20], QFontInfo(w.font()).pixelSize()) for w in _texts(window)
                 if QFontInfo(w.font()).pixelSize() < least]
        assert small == [], large
        assert not [f for f in _findings(window, ui) if f.check == "text-size"]
    grown = {"photo": row.photo.width(), "icon": row.icon.sizeHint().width(),
             "camera": borrow.camera.sizeHint().width()}
    for what, before in sizes.items():
        assert grown[what] == pytest.approx(before * LARGE_TEXT_SCALE, abs=2), what


def test_the_check_and_cross_follow_the_theme_and_pass_3_to_1_where_they_are_drawn(make_ui, cards):
    window, ui = make_ui((1920, 1080))
    ui.sign_in(cards["윤지우"])
    ui.scan(ui.label("T-00002"))
    row = window.current.newest()
    assert row.icon.isVisible()
    for name in sorted(PALETTES):
        window.session.set_display(high_contrast=name == "contrast")
        ui.settle()
        p = PALETTES[name]
        # Drawn on the row's card: the icon takes the ok colour of the theme shown now.
        assert row.icon.ink() == p.ok and contrast_ratio(row.icon.ink(), p.surface) >= 3.0
        assert not [f for f in _findings(window, ui) if f.check == "contrast"], name


def test_an_icon_too_pale_for_its_background_is_caught(make_ui):
    window, ui = make_ui((1920, 1080))
    window.session.set_display(high_contrast=True)
    icon = Icon("ok", 10.0, window.screens["home"])
    icon.setObjectName("PaleIcon")
    icon.set_kind("ok", "#333333")  # dark grey on the contrast theme's black: 1.7:1
    icon.resize(icon.sizeHint())
    icon.show()
    found = [f for f in _findings(window, ui) if f.check == "contrast"]
    assert [f.widget for f in found] == ["PaleIcon"]
    icon.set_kind("ok", "ok")
    assert not [f for f in _findings(window, ui) if f.check == "contrast"]


def test_an_unresolved_korean_particle_and_a_second_primary_action_are_caught(make_ui):
    window, ui = make_ui((1920, 1080))
    window.session.set_voice(True)
    home = window.screens["home"]
    home.hint.setText("수평계은(는) 대여 중이 아니에요.")
    assert [f.check for f in _findings(window, ui) if f.widget == _shown_name(home.hint)] == ["particle"]
    home.hint.setText("회원카드를 보여 주세요.")

    second = button("다시", "primary", "Second")
    home.layout().addWidget(second)
    ui.settle()
    assert any(f.check == "primary" for f in _findings(window, ui))


def test_an_english_word_not_yet_in_the_catalogue_is_caught_on_a_korean_or_chinese_screen(make_ui):
    window, ui = make_ui((1920, 1080))
    window.session.set_voice(True)
    home = window.screens["home"]
    home.hint.setText("Ask staff 도움")  # a string that never reached the catalogue
    assert [f.check for f in _findings(window, ui) if f.widget == _shown_name(home.hint)] == ["untranslated"]
    home.hint.setText("QR 코드와 T-00008, 5 kg")  # acronyms, codes and units are not words
    assert [f for f in _findings(window, ui) if f.widget == _shown_name(home.hint)] == []
    window.session.set_language("vi")
    home.hint.setText("Xin đưa thẻ thành viên")  # Vietnamese is written in Latin letters
    assert [f for f in _findings(window, ui, "vi") if f.widget == _shown_name(home.hint)] == []
