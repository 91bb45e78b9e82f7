"""The keypad on the resident window (ui/keypad.py): the focus moves in reading order and wraps,
each move is said (role, name, state, place), OK presses, back goes back, help twice calls
staff, the voice keys work, the first key turns voice on, digits type (a PIN digit as "star"),
and a keyboard-wedge scanner's burst is a scan, never keypad presses."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton

from kiosk import keymap, settings
from kiosk.demo import DEMO_PIN
from kiosk.errors import BadInput
from kiosk.i18n import translate
from ui.keypad import RING_COLOURS, RING_MIN_PX, bindings, qt_key
from ui.theme import PALETTES, contrast_ratio
from ui.voice import NORMAL_STEP, RATE_STEPS

KP = Qt.KeyboardModifier.KeypadModifier
NO = Qt.KeyboardModifier.NoModifier


def press(ui, key, mods=NO) -> None:
    """One key on the window, as a person presses it: what it does is done before the next."""
    ui.qtbot.keyClick(ui.window, key, mods)
    ui.qtbot.waitUntil(lambda: not ui.window.keypad.waiting, timeout=2000)
    ui.settle()


def said(window) -> str:
    return window.voice.speech.last.text


def voice_on(ui) -> None:
    ui.window.session.set_voice(True)
    ui.settle()
    ui.window.voice.speech.clear()


# -- the key map ------------------------------------------------------------------------------
def test_the_default_map_is_in_its_one_form_and_every_name_is_a_qt_key():
    assert keymap.check(keymap.DEFAULT_KEYS) == keymap.DEFAULT_KEYS
    assert settings.default("keypad_keys") == keymap.DEFAULT_KEYS
    for name in (*keymap.NAMED_KEYS, *(f"Num{k}" for k in keymap.NUMPAD_KEYS), "F1", "F24", "A", "7"):
        qt_key(name)  # raises AttributeError for a name Qt does not have
    b = bindings(keymap.parse(keymap.DEFAULT_KEYS))
    assert b[(int(Qt.Key.Key_2), True)] == "next"  # the keypad's 2
    assert (int(Qt.Key.Key_2), False) not in b  # the main row's 2 is left to typing and scanners
    assert b[(int(Qt.Key.Key_Down), True)] == b[(int(Qt.Key.Key_Down), False)] == "next"  # NumLock off
    assert b[(int(Qt.Key.Key_Enter), True)] == b[(int(Qt.Key.Key_Return), False)] == "ok"


@pytest.mark.parametrize("text", ["next=Down; jump=Up", "next=Down Sideways; previous=Up; ok=Return; back=Escape",
                                  "next=Down; previous=Down; ok=Return; back=Escape", "next=Down; ok=Return",
                                  "next=Down; next=Up; previous=Left; ok=Return; back=Escape", "next=NumQ"])
def test_a_map_that_cannot_work_is_refused(text):
    with pytest.raises(BadInput):
        settings.validate("keypad_keys", text)


def test_an_empty_map_turns_the_keypad_off(window, ui):
    assert settings.validate("keypad_keys", "  ") == ""
    window.keypad.set_keys("")
    press(ui, Qt.Key.Key_Down)
    assert not window.session.voice and window.keypad.focused is None


# -- moving and saying ------------------------------------------------------------------------------
def test_the_focus_moves_in_reading_order_wraps_and_says_role_name_and_place(window, ui):
    voice_on(ui)
    nav = window.keypad
    order = nav.elements()
    assert len(order) > 10
    tops = [(b.mapTo(window, b.rect().topLeft()).y() // 8, b.mapTo(window, b.rect().topLeft()).x()) for b in order]
    assert tops == sorted(tops)  # top to bottom, then left to right
    home = window.screens["home"]
    assert {home.borrow, home.give_back, home.loans, window.chrome.help_button} <= set(order)
    n = len(order)
    for i in range(n):
        press(ui, Qt.Key.Key_Down)
        assert nav.focused is order[i]
    b = order[order.index(home.borrow)]
    assert f"버튼, 빌리기, {order.index(b) + 1} / {n}" in window.voice.speech.spoken
    press(ui, Qt.Key.Key_Down)  # past the last: the first again
    assert nav.focused is order[0] and said(window).endswith(f"1 / {n}")
    press(ui, Qt.Key.Key_Up)  # and back round to the last
    assert nav.focused is order[-1] and said(window).endswith(f"{n} / {n}")
    press(ui, Qt.Key.Key_8, KP)  # the numeric keypad's 8 moves too
    assert nav.focused is order[-2]


def test_a_toggle_says_its_state_and_english_says_of(window, ui):
    voice_on(ui)
    window.session.set_language("en")
    ui.settle()
    nav = window.keypad
    english = window.screens["home"].lang_buttons["en"]
    while nav.focused is not english:
        press(ui, Qt.Key.Key_Right)
    n = len(nav.elements())
    assert said(window) == f"button, English, selected, {nav.elements().index(english) + 1} of {n}"
    large = window.screens["home"].large
    press(ui, Qt.Key.Key_2, KP)
    while nav.focused is not large:
        press(ui, Qt.Key.Key_2, KP)
    assert ", Large text, not selected, " in said(window)
    press(ui, Qt.Key.Key_Return)
    assert window.session.large_text
    assert "selected" in window.voice.speech.spoken


def test_the_ring_is_thick_and_stands_out_from_every_button_and_ground_in_every_theme(window, ui):
    voice_on(ui)
    press(ui, Qt.Key.Key_Down)
    ring = window.keypad.ring
    assert ring.isVisible() and ring.band() >= RING_MIN_PX
    box = window.keypad.focused
    inner = box.geometry()
    inner.moveTopLeft(box.mapTo(window, box.rect().topLeft()))
    assert ring.geometry().contains(inner)
    # Drawn: the outer band's colour on the screen, just outside the button.
    image = window.grab().toImage()
    x, y = ring.geometry().left() + ring.band() // 2, ring.geometry().center().y()
    assert image.pixelColor(x, y).name().upper() == RING_COLOURS["default"][0]
    for name, p in PALETTES.items():
        outer, inner_band = RING_COLOURS[name]
        fills = (p.secondary, p.primary, p.refused, p.bg, p.surface, p.ok, p.warning)
        for colour in fills:  # button faces, and the grounds a button stands on
            assert max(contrast_ratio(outer, colour), contrast_ratio(inner_band, colour)) >= 3.0, (name, colour)


def test_ok_presses_the_focused_button_and_back_goes_back(window, ui):
    voice_on(ui)
    nav = window.keypad
    press(ui, Qt.Key.Key_Return)  # nothing focused yet
    assert said(window) == translate("Nothing is chosen yet. Move to a button with the arrow keys first.", "ko")
    while nav.focused is not window.screens["home"].borrow:
        press(ui, Qt.Key.Key_Down)
    press(ui, Qt.Key.Key_Return)
    assert window.current.name == "identify"
    assert nav.focused is None  # a new screen: nothing focused on it yet
    press(ui, Qt.Key.Key_Escape)  # back: the screen's Home
    assert window.current.name == "home"
    press(ui, Qt.Key.Key_Escape)
    assert said(window) == translate("This is the first screen.", "ko")
    # In a dialog, back is its own way out.
    window.go("return")
    ui.settle()
    window.chrome.type_code.click()
    ui.settle()
    assert window.keypad.back_button().objectName() == "CodeKeyboard_cancel"
    press(ui, Qt.Key.Key_Period, KP)  # the keypad's dot: nothing typed to erase, so back
    from ui.widgets.overlay import open_overlays
    assert not open_overlays(window) and window.current.name == "return"


def test_help_says_what_to_do_and_the_keys_and_twice_calls_staff(window, ui):
    voice_on(ui)
    again = window.keypad.help_again
    again.setInterval(30)  # the time for a second press, short here: it runs out on the Qt timer
    press(ui, Qt.Key.Key_F1)
    text = said(window)
    assert translate("Show your member card to the camera, or choose what you would like to do.", "ko") in text
    assert "8과 2로 움직이고" in text and text.endswith(translate("To call staff, press Help again now.", "ko"))
    ui.qtbot.waitUntil(lambda: not again.isActive(), timeout=2000)
    press(ui, Qt.Key.Key_Slash, KP)  # long after the first press: help is said again, not a call
    assert said(window) == text and "help" not in window.sound.played
    ui.qtbot.waitUntil(lambda: not again.isActive(), timeout=2000)
    again.setInterval(5000)
    press(ui, Qt.Key.Key_Slash, KP)
    press(ui, Qt.Key.Key_Slash, KP)  # the second within the time: staff are called
    ui.qtbot.waitUntil(lambda: "help" in window.sound.played, timeout=5000)
    ui.settle()
    assert translate("We have called staff. Please wait a moment.", "ko") in said(window)
    press(ui, Qt.Key.Key_F1)  # in the call's dialog help only repeats
    assert window.sound.played.count("help") == 1


def test_volume_and_speed_keys(window, ui):
    voice_on(ui)
    g = window.voice
    press(ui, Qt.Key.Key_F8)
    assert g.volume_step == NORMAL_STEP + 1 and said(window) == g.volume_text()
    press(ui, Qt.Key.Key_3, KP)
    press(ui, Qt.Key.Key_3, KP)
    assert g.volume_step == NORMAL_STEP - 1
    press(ui, Qt.Key.Key_F5)
    assert g.rate_step == NORMAL_STEP - 1 and said(window) == g.rate_text()
    for _ in range(len(RATE_STEPS) - 1 - g.rate_step):
        press(ui, Qt.Key.Key_F9)  # one speed key: faster up to the top...
    assert g.rate_step == len(RATE_STEPS) - 1
    press(ui, Qt.Key.Key_F9)  # ...then the slowest
    assert g.rate_step == 0 and said(window) == g.rate_text()
    press(ui, Qt.Key.Key_F2)
    assert said(window) == " ".join(window.guide_text().split())


def test_the_first_key_turns_voice_on_and_names_the_keys(window, ui):
    assert not window.session.voice
    press(ui, Qt.Key.Key_Down)
    assert window.session.voice and window.keypad.focused is None  # taken for turning voice on
    first = window.voice.speech.spoken[0]
    assert first.startswith(translate("Voice guidance is on.", "ko"))
    assert "위아래 키로 버튼 사이를 움직이고" in first
    assert translate("Welcome to the sharing centre.", "ko") in first
    press(ui, Qt.Key.Key_Down)
    assert window.keypad.focused is not None
    window.end_session()
    ui.settle()
    assert not window.session.voice and not window.keypad.woke  # the next resident starts afresh


# -- typing ---------------------------------------------------------------------------------------------
def test_the_number_keys_type_the_number_and_pin_a_pin_digit_said_as_star(window, ui, demo):
    from sqlalchemy import select

    from kiosk.store.models import Member

    with demo.reading() as s:
        number = s.execute(select(Member.number).where(Member.display_name == "김민준")).scalar_one()
    voice_on(ui)
    window.go("borrow")
    ui.settle()
    identify = window.current
    identify.use_pin.click()
    ui.settle()
    digits = number.split("-")[1]
    for d in digits:
        press(ui, getattr(Qt.Key, f"Key_{d}"), KP)
        assert said(window) == "숫자"  # on the loudspeaker the number itself is not said
    assert identify.number.text() == digits
    assert window.keypad.focused is identify.keypad.ok_key  # OK now sends it
    press(ui, Qt.Key.Key_Enter, KP)
    assert identify.number.property("done")
    for d in DEMO_PIN + "9":
        press(ui, getattr(Qt.Key, f"Key_{d}"))  # the main row's digits type too
        assert said(window) == "별표"
    press(ui, Qt.Key.Key_Backspace)
    assert said(window) == translate("Erased.", "ko") and identify.pin.text() == DEMO_PIN
    press(ui, Qt.Key.Key_Return)
    assert window.session.member is not None and window.session.member.number == number
    assert window.current.name == "borrow"


def test_with_earphones_in_each_digit_of_the_number_is_read_back(qtbot, make_ui):
    from ui.earphones import EarphoneWatcher

    window, ui = make_ui(earphones=EarphoneWatcher(lambda: True, interval_ms=50))
    qtbot.waitUntil(lambda: window.session.voice, timeout=2000)
    window.go("borrow")
    ui.settle()
    window.current.use_pin.click()
    ui.settle()
    for d in "307":
        press(ui, getattr(Qt.Key, f"Key_{d}"), KP)
        heard = window.voice.speech.last
        assert heard.text == d and heard.private  # into the earphones only


def test_a_wedge_scanners_burst_is_a_scan_not_keypad_presses(window, ui, cards):
    from ui.scanbridge import install_wedge

    install_wedge(window, window.bridge)
    voice_on(ui)
    window.devices.set("camera", "missing")  # the code keys are on the borrow screen: digits would type
    ui.sign_in(cards["윤지우"])
    ui.settle()
    borrow = window.current
    assert borrow.pad.isVisible()
    window.voice.speech.clear()
    played = len(window.sound.played)
    ui.qtbot.keyClicks(window, "T-00002")  # a scanner types the whole code in a few milliseconds
    ui.qtbot.keyClick(window, Qt.Key.Key_Return)
    ui.qtbot.waitUntil(lambda: len(window.sound.played) > played, timeout=5000)
    ui.qtbot.waitUntil(lambda: not window.keypad.waiting, timeout=2000)
    ui.settle()
    assert [(o.item, o.ok) for o, _v, _r in borrow.entries] == [("T-00002", True)]
    assert borrow.pad.text == "" and window.keypad.focused is None
    assert not any(len(t) == 1 for t in window.voice.speech.spoken)  # no key was echoed as typed
    # The same keys typed by a person, one at a time, do type.
    for ch in "T-2":
        press(ui, getattr(Qt.Key, "Key_Minus" if ch == "-" else f"Key_{ch}"))
    assert borrow.pad.text == "T-2"


def test_every_control_of_a_screen_is_reached_and_named(window, ui, cards):
    from ui.a11y_checks import keypad_checks

    voice_on(ui)
    ui.sign_in(cards["김민준"], "loans")
    buttons = [b for b in window.findChildren(QAbstractButton) if b.isVisible() and b.isEnabled()]
    assert keypad_checks(window, buttons) == []
    walked = window.keypad.walk()
    renew = [said for b, _name, said in walked if b.objectName().startswith("renew_")]
    assert renew and all(": " in s for s in renew)  # "연장: 충전드릴": which item it renews
    # A control the keypad skipped is found.
    hidden = window.chrome.help_button
    window.keypad._covered = lambda b: b is hidden  # type: ignore[method-assign]
    found = keypad_checks(window, buttons)
    assert [(f.check, f.widget) for f in found] == [("keys", "CallHelp")]
