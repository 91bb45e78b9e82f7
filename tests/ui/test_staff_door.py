"""The staff door through the real window: first manager, names, PIN lockout, cards."""

from __future__ import annotations

import json
import sqlite3

import pytest

from kiosk.codes import classify
from kiosk.errors import BadInput, Refused
from kiosk.i18n import translate
from kiosk.services.staff import VOLUNTEER, Staff


def _events(kiosk, type_):
    db = sqlite3.connect(kiosk.engine.url.database)
    rows = db.execute("SELECT actor, payload FROM events WHERE type = ? ORDER BY seq", (type_,)).fetchall()
    db.close()
    return [(a, json.loads(p)) for a, p in rows]


@pytest.fixture(autouse=True)
def _staff_mode_installed(window):
    # build_window installs the hook; the test window is built by hand.
    from ui.staffmode import open_staff_mode

    window.staff_mode_hook = open_staff_mode


def _door(window, ui):
    from ui.staff import StaffPin

    window.end_session()
    ui.tap("StaffDoor")
    [door] = [w for w in window.findChildren(StaffPin) if w.is_open]
    return door


def _type_pin(ui, pin):
    for d in pin:
        ui.tap(f"staffkey_{d}")
    ui.tap("staffkey_ok")


def _tap_name(ui, door, name):
    from PySide6.QtWidgets import QPushButton

    [b] = [b for b in door.findChildren(QPushButton) if b.text() == name]
    ui.tap(b.objectName())


def test_first_run_creates_the_manager_and_opens_staff_mode(window, ui, demo):
    code = Staff(demo).issue_setup_code()
    door = _door(window, ui)
    assert door.mode == "legacy"
    _type_pin(ui, code)
    assert door.mode == "first"
    from PySide6.QtWidgets import QLineEdit

    for name, text in (("FirstManagerName", " 김관리 "), ("FirstManagerPin", "2580"),
                       ("FirstManagerPinAgain", "2581")):
        window.findChild(QLineEdit, name).setText(text)
    ui.tap("CreateFirstManager")
    assert door.message.text() == translate("The two PINs are not the same.", "ko")
    assert Staff(demo).needs_first_manager()
    window.findChild(QLineEdit, "FirstManagerPinAgain").setText("2580")
    ui.tap("CreateFirstManager")
    assert window.staff_member.name == "김관리" and window.staff_member.role == "manager"
    ui.tap("StaffMenu_staff_mode")
    mode = window.staff_mode
    assert mode.isVisible() and mode.current.name == "dashboard"
    assert [(a, p["first"]) for a, p in _events(demo, "staff.added")] == [("김관리", True)]


def test_five_wrong_pins_lock_the_keypad_then_the_right_pin_opens(window, ui, demo):
    Staff(demo).create_first_manager("김관리", "2580")
    door = _door(window, ui)
    assert door.mode == "names"
    _tap_name(ui, door, "김관리")
    for _ in range(4):
        _type_pin(ui, "1111")
        assert door.is_open and door.keypad.isEnabled()
    _type_pin(ui, "1111")
    assert door.lock_left == 30 and not door.keypad.isEnabled()
    assert "30" in door.message.text()
    # The keypad stays locked for the right PIN too until the time is up.
    demo.test_clock.advance(seconds=10)
    door.lock_left = 0
    door._update_message()
    _type_pin(ui, "2580")
    assert door.is_open and door.lock_left == 20
    demo.test_clock.advance(seconds=20)
    for _ in range(20):
        door._tick()
    assert door.keypad.isEnabled()
    _type_pin(ui, "2580")
    assert not door.is_open and window.staff_member.name == "김관리"
    assert [p["failures"] for _a, p in _events(demo, "staff.pin_failed")] == [1, 2, 3, 4, 5]


def test_the_lock_is_shown_again_when_the_door_is_reopened(window, ui, demo):
    Staff(demo).create_first_manager("김관리", "2580")
    door = _door(window, ui)
    _tap_name(ui, door, "김관리")
    for _ in range(5):
        _type_pin(ui, "1111")
    ui.tap("StaffPin_cancel")
    again = _door(window, ui)
    _tap_name(ui, again, "김관리")  # the lock belongs to the account: shown once it is picked
    ui.settle()
    assert again.lock_left > 0 and not again.keypad.isEnabled()


def test_a_staff_card_shown_at_the_door_picks_the_account(window, ui, demo):
    boss = Staff(demo).create_first_manager("김관리", "2580")
    Staff(demo).add("이봉사", VOLUNTEER, "7391", by=boss)
    card = Staff(demo).issue_card("이봉사", by=boss)
    door = _door(window, ui)
    window.bridge.inject(card)  # the path a camera or wedge scan takes
    ui.settle()  # the queued scan arrives and asks whose card it is
    ui.settle()
    assert door.mode == "pin" and door.card == classify(card)  # the card as a typed reference
    _type_pin(ui, "7391")
    assert window.staff_member.name == "이봉사"
    assert [a for a, p in _events(demo, "staff.login")] == ["이봉사"]


def test_back_to_residents_from_the_menu_is_a_logout(window, ui, demo):
    Staff(demo).create_first_manager("김관리", "2580")
    door = _door(window, ui)
    _tap_name(ui, door, "김관리")
    _type_pin(ui, "2580")
    ui.tap("StaffMenu_back")
    assert window.staff_member is None
    assert [(a, p["reason"]) for a, p in _events(demo, "staff.logout")] == [("김관리", "back")]


def test_the_set_up_code_guards_the_first_run(make_ui, demo):
    code = Staff(demo).issue_setup_code()
    assert len(code) == 8 and code.isdigit()
    window, ui = make_ui()
    door = _door(window, ui)
    assert door.mode == "legacy"
    _type_pin(ui, "12345678" if code != "12345678" else "87654321")
    assert door.mode == "legacy" and not door.first_page.isVisible()
    _type_pin(ui, code)
    assert door.mode == "first" and door.first_page.isVisible()


def test_a_fresh_kiosk_without_a_set_up_code_offers_no_way_to_become_manager(window, ui, demo):
    """A resident tapping the staff door of a new kiosk must not be able to make themselves manager."""
    door = _door(window, ui)
    assert door.mode == "no_code"
    assert not door.first_page.isVisible() and not door.keypad.isVisible()
    assert not door.create_button.isVisible()
    assert "nanum staff setup-code" in door.message.text()
    with pytest.raises(Refused):
        Staff(demo).create_first_manager_with_code("침입자", "1357", "00000000")
    assert Staff(demo).needs_first_manager()


def test_the_set_up_code_is_checked_again_by_the_service(demo):
    code = Staff(demo).issue_setup_code()
    with pytest.raises(BadInput):
        Staff(demo).create_first_manager_with_code("침입자", "1357", "0" * 8 if code != "0" * 8 else "1" * 8)
    assert Staff(demo).needs_first_manager()
    boss = Staff(demo).create_first_manager_with_code("김관리", "2580", code)
    assert boss.role == "manager"
    with pytest.raises(Refused):
        Staff(demo).issue_setup_code()  # a manager adds the others


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920)])
def test_the_door_fits_other_screens(make_ui, demo, size):
    Staff(demo).create_first_manager("김관리", "2580")
    window, ui = make_ui(size=size)
    door = _door(window, ui)
    _tap_name(ui, door, "김관리")
    assert door.keypad.ok_key.isVisible()
    panel = door.panel.geometry()
    assert panel.right() <= size[0] and panel.bottom() <= size[1]
