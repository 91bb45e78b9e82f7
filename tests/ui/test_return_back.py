"""A step back within a return: an answer touched by mistake is taken back, by touch or with the
keypad's back key, and from the first question the item is put aside, not returned."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from resident_catalogue import resident_catalogues  # noqa: F401

from ui.screens.giveback import CONDITION, COUNT, DAMAGE, PARTS, RESULT, SCAN

pytestmark = pytest.mark.usefixtures("resident_catalogues")


def _open_codes(window) -> set[str]:
    return {loan.item_code for loan in window.app.kiosk.circulation.loans(open_only=True)}


def test_each_step_of_a_return_goes_back_to_the_one_before_and_the_first_puts_the_item_aside(window, ui):
    screen = window.screens["return"]
    window.go("return")
    assert not screen.back.isVisible()  # nothing to go back from while scanning
    ui.scan(ui.label("K-00001"))
    assert screen.step == PARTS and screen.back.isVisible()
    assert screen.back.text() == "이전 단계"
    ui.tap("SomeMissing")
    assert screen.step == COUNT
    ui.tap("ReturnBack")
    assert screen.step == PARTS  # "some are missing" taken back
    ui.tap("AllPartsHere")
    ui.tap("ConditionDamaged")
    assert screen.step == DAMAGE
    ui.tap("ReturnBack")
    assert screen.step == CONDITION
    ui.tap("ReturnBack")
    assert screen.step == PARTS
    ui.tap("ReturnBack")  # the first question: the item is put aside, nothing is returned
    assert screen.step == SCAN and not screen.head.isVisible() and not screen.back.isVisible()
    assert "K-00001" in _open_codes(window)
    assert window.session.visit.returned == []
    ui.scan(ui.label("K-00001"))  # and it can be scanned again
    assert screen.step == PARTS
    ui.tap("AllPartsHere")
    ui.tap("ConditionFine")
    assert screen.step == RESULT and not screen.back.isVisible()  # returned: no step back from it
    assert "K-00001" not in _open_codes(window)


def test_the_keypads_back_key_takes_the_same_step_back(window, ui):
    screen = window.screens["return"]
    window.session.set_voice(True)
    window.go("return")
    ui.scan(ui.label("K-00001"))
    ui.tap("AllPartsHere")
    assert screen.step == CONDITION
    ui.qtbot.keyClick(window, Qt.Key.Key_Escape)
    ui.qtbot.waitUntil(lambda: not window.keypad.waiting, timeout=2000)
    ui.settle()
    assert screen.step == PARTS  # back within the return, not to the start
    assert window.current is screen
