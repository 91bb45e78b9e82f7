"""The bar's buttons keep their places when the resident changes the language: a button
about to be touched never moves under the finger."""

from __future__ import annotations

import pytest

LANGUAGES = ("ko", "en", "zh", "vi")
BUTTONS = ("TypeCode", "StartOver", "CallHelp", "StaffDoor")


def _places(window, ui) -> dict[str, tuple[int, int, int, int]]:
    out = {}
    for name in BUTTONS:
        b = ui.button(name)
        assert b.isVisible(), name
        g = b.geometry()
        top_left = b.mapTo(window, g.topLeft() - g.topLeft())
        out[name] = (top_left.x(), top_left.y(), g.width(), g.height())
    return out


@pytest.mark.parametrize(("size", "large_text"), [((1280, 800), False), ((1920, 1080), True)])
def test_header_buttons_keep_their_geometry_in_every_language(make_ui, size, large_text):
    window, ui = make_ui(size)
    window.session.set_display(large_text=large_text)
    window.go("return")  # a scan screen: all four buttons
    ui.settle()
    seen = {}
    for lang in LANGUAGES:
        window.session.set_language(lang)
        ui.settle()
        seen[lang] = _places(window, ui)
    assert all(seen[lang] == seen["ko"] for lang in LANGUAGES), seen
    # And each text fits its button in each language (the widest sets the width).
    for lang in LANGUAGES:
        window.session.set_language(lang)
        ui.settle()
        for name in BUTTONS:
            b = ui.button(name)
            assert b.sizeHint().width() <= b.width() + 1, (lang, name, b.text())


def test_the_staff_pin_dialog_has_one_primary_action(window, ui, demo):
    from PySide6.QtWidgets import QPushButton

    from kiosk.services.staff import Staff
    from ui.a11y_checks import resident_checks

    ui.tap("StaffDoor")  # a kiosk with no staff and no set-up code: only Cancel, the primary
    assert [f for f in resident_checks(window) if f.check == "primary"] == []
    assert ui.button("StaffPin_cancel").property("role") == "primary"
    window.end_session()
    Staff(demo).create_first_manager("김관리", "2580")
    ui.tap("StaffDoor")
    [b] = [b for b in window.findChildren(QPushButton) if b.text() == "김관리" and b.isVisible()]
    ui.tap(b.objectName())
    assert ui.button("staffkey_ok").property("role") == "primary"  # the keypad's OK
    assert ui.button("StaffPin_cancel").property("role") is None
    assert [f for f in resident_checks(window) if f.check == "primary"] == []


def test_a_bar_that_cannot_keep_its_places_still_fits_the_window(make_ui):
    # Large text on a 1280x800 panel: the widest texts side by side would not fit; the
    # buttons take the width their own language needs and the window keeps its size.
    window, ui = make_ui((1280, 800))
    window.session.set_display(large_text=True)
    window.go("return")
    for lang in LANGUAGES:
        window.session.set_language(lang)
        ui.settle()
        assert window.width() == 1280, lang
        for name in BUTTONS:
            b = ui.button(name)
            assert b.sizeHint().width() <= b.width() + 1, (lang, name, b.text())
