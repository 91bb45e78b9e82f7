"""The low-vision zoom: everything visual at 200 % (not only text), reflowed to the panel's width.

Turned on with the home screen's "Zoom 200%" toggle, on a small panel (1280x800): the item's
picture, its status icon, the camera picture and every text are twice their default size, the
bars scroll with the screen, and nothing needs scrolling sideways or is cut (``nanum a11y-audit``'s
checks of each state).
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QPushButton
from resident_catalogue import resident_catalogues  # noqa: F401

from ui.a11y_checks import check_screen, image_array, sideways
from ui.theme import TEXT_MM, ZOOM_SCALE, Theme
from ui.voice import accessible_name

pytestmark = pytest.mark.usefixtures("resident_catalogues")


def _sizes(window, ui) -> dict[str, tuple[int, int]]:
    ui.settle()
    borrow = window.screens["borrow"]
    row = borrow.entries[-1][2]
    return {
        "picture": (row.photo.width(), row.photo.height()),
        "icon": (row.icon.sizeHint().width(), row.icon.sizeHint().height()),
        "camera frame": (borrow.camera.sizeHint().width(), borrow.camera.sizeHint().height()),
        "text": (window.theme.font_px("body"), window.theme.font_px("title")),
        "button": (window.theme.touch, window.theme.touch),
    }


def test_zoom_doubles_pictures_icons_the_camera_frame_text_and_buttons(window, ui, cards):
    window.session.set_voice(True)
    ui.sign_in(cards["윤지우"])
    assert ui.scan(ui.label("T-00002"))
    normal = _sizes(window, ui)
    window.go("home")
    ui.tap("Zoom")
    assert window.session.zoom and window.theme.zoom
    window.go("borrow")
    zoomed = _sizes(window, ui)
    for what, (w, h) in normal.items():
        zw, zh = zoomed[what]
        assert abs(zw - ZOOM_SCALE * w) <= 1 and abs(zh - ZOOM_SCALE * h) <= 1, (what, normal[what], zoomed[what])
    # Text at 200 % of the default: at least 14.5 mm, above large text's 12 mm.
    theme = window.theme
    assert theme.font_px("small") * 25.4 / theme.dpi >= 2 * TEXT_MM["small"][0] - 0.2
    ui.tap("SignOut")  # finishing: the receipt, then home
    window.go("home", end=True)
    ui.settle()
    assert not window.session.zoom and not window.theme.zoom  # the next resident starts at 100 %


def test_large_text_adds_nothing_to_the_zoom():
    plain = Theme.make(dpi=102)
    both = Theme.make(dpi=102, large_text=True, zoom=True)
    assert both.font_px("body") == Theme.make(dpi=102, zoom=True).font_px("body") == 2 * plain.font_px("body")
    assert abs(both.visual_mm(20) - 2 * plain.visual_mm(20)) <= 1  # each rounded to whole pixels


#: resident states, through the real screens, that must fit at 200 % on a small panel
STATES = ("home", "home-signed-in", "identify-pin", "borrow", "return-scan", "loans", "receipt", "thanks")


def _visit(window, ui, cards, state: str) -> None:
    if state == "home-signed-in":
        ui.sign_in(cards["윤지우"])
        window.go("home")
    elif state == "identify-pin":
        window.go("borrow")
        ui.tap("UsePin")
    elif state == "borrow":
        ui.sign_in(cards["윤지우"])
        assert ui.scan(ui.label("T-00002"))
    elif state == "return-scan":
        window.go("return")
    elif state == "loans":
        ui.sign_in(cards["윤지우"], "loans")
    elif state in ("receipt", "thanks"):
        ui.sign_in(cards["윤지우"])
        assert ui.scan(ui.label("T-00002"))
        ui.tap("BorrowDone")
        if state == "thanks":
            window.go("thanks")
    ui.settle()


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("state", STATES)
def test_zoomed_screens_fit_a_small_panel_without_scrolling_sideways_or_cutting_text(make_ui, cards, lang, state):
    window, ui = make_ui((1280, 800))
    window.session.set_voice(True)
    window.session.set_language(lang)
    ui.tap("Zoom")
    _visit(window, ui, cards, state)
    window.resize(1280, 800)
    ui.settle()
    assert (window.width(), window.height()) == (1280, 800)
    assert window.zoom_page.page is not None and window.body.widget() is window.zoom_page.page
    found, measures = check_screen(window, image_array(window.grab().toImage()), lang, False)
    cut = [f for f in found if f.check in ("h-scroll", "clipped", "layout", "overlap", "text-size")]
    assert cut == [], cut
    assert sideways(window) == []
    assert measures.text_mm >= 14.5 - 0.1  # every text at 200 % of the default's 7.25 mm


def test_a_screen_wider_than_the_panel_is_caught_as_needing_sideways_scrolling(window, ui):
    from PySide6.QtWidgets import QLabel

    assert sideways(window) == []
    wide = QLabel("→")
    wide.setMinimumWidth(3 * window.width())
    window.screens["home"].layout().addWidget(wide)
    ui.settle()
    window._fit_body()
    assert [f.widget for f in sideways(window)] == ["ScreenBody"]


def test_a_zoomed_dialog_taller_than_the_panel_scrolls_up_and_down(make_ui):
    window, ui = make_ui((1280, 800))
    window.session.set_voice(True)
    window.go("return")
    window.session.set_display(zoom=True)
    ui.settle()
    keyboard = window.open_keyboard()
    ui.settle()
    assert keyboard.scroller is not None and keyboard.scroller.widget() is keyboard.panel
    assert keyboard.scroller.verticalScrollBar().maximum() > 0  # more than fits: it scrolls
    found, _m = check_screen(window, image_array(window.grab().toImage()), "ko", False)
    assert [f for f in found if f.check in ("overlap", "clipped", "h-scroll")] == []
    window.session.set_display(zoom=False)  # back to 100 %: the panel sits in the dialog again
    ui.settle()
    assert keyboard.scroller is None and keyboard.panel.parentWidget() is keyboard
    keyboard.finish("cancel")


def test_who_is_signed_in_stays_in_view_when_the_zoomed_page_scrolls_to_the_newest_item(make_ui, cards):
    window, ui = make_ui((1280, 800))
    window.session.set_voice(True)
    ui.sign_in(cards["윤지우"])
    window.session.set_display(zoom=True)
    window.go("borrow")
    assert ui.scan(ui.label("T-00002"))
    ui.settle()
    # As the result shows: the page scrolled to the newest item, the name still above it.
    found, _m = check_screen(window, image_array(window.grab().toImage()), "ko", False)
    assert [f for f in found if f.check in ("signed-in", "newest", "clipped")] == []
    bar = window.body.verticalScrollBar()
    bar.setValue(bar.maximum())  # the resident scrolls to the bottom of the page
    ui.settle()
    who = window.chrome.strip.who
    assert bar.value() > 0 and who.isVisible() and "윤지우" in who.text()
    assert not window.body.isAncestorOf(who)  # above the scrolling page, not on it
    found, _m = check_screen(window, image_array(window.grab().toImage()), "ko", False)
    assert [f for f in found if f.check in ("signed-in", "clipped")] == []
    window.session.set_display(zoom=False)  # back at 100 %: the name is in the strip again
    ui.settle()
    assert who.parentWidget() is window.chrome.strip and who.isVisible()


def test_zoomed_low_reach_keeps_the_scrolling_page_below_the_reach_line(make_ui, cards):
    window, ui = make_ui((1920, 1080))
    window.session.set_voice(True)
    ui.sign_in(cards["윤지우"])
    window.session.set_display(zoom=True, low_reach=True)
    ui.settle()
    line = window.config.reach_line(window.height())
    assert line > 0  # the panel's top is out of reach: the rule is tested
    view = window.body.viewport()
    assert view.mapTo(window, view.rect().topLeft()).y() >= line
    for value in (0, window.body.verticalScrollBar().maximum()):  # scrolled to the top, then the bottom
        window.body.verticalScrollBar().setValue(value)
        ui.settle()
        found, _m = check_screen(window, image_array(window.grab().toImage()), "ko", True)
        assert [f for f in found if f.check in ("reach", "signed-in")] == []


def test_a_long_answer_takes_two_lines_on_a_zoomed_portrait_panel_and_one_again_at_100(make_ui):
    window, ui = make_ui((1080, 1920))
    window.session.set_voice(True)
    window.session.set_language("en")
    window.go("borrow")
    ui.settle()
    use_pin = window.findChild(QPushButton, "UsePin")
    whole = use_pin.text()
    window.session.set_display(zoom=True)
    ui.settle()
    assert "\n" in use_pin.text() and use_pin.text().replace("\n", " ") == whole
    assert accessible_name(use_pin) == whole  # said and announced as one line
    found, _m = check_screen(window, image_array(window.grab().toImage()), "en", False)
    assert [f for f in found if f.check == "clipped"] == []
    window.session.set_display(zoom=False)
    ui.settle()
    assert use_pin.text() == whole
