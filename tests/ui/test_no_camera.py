"""Without a camera the scan screens offer typed entry in their main area and say so in
their instruction; when the camera comes back they scan again."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kiosk.demo import DEMO_PIN
from kiosk.i18n import translate
from kiosk.store.models import Member

pytestmark = pytest.mark.usefixtures("demo")

NO_CAMERA_SIGN_IN = ("The camera is not working now, so a card cannot be read. Type your "
                     "membership number, then touch OK.")
NO_CAMERA_SCAN = ("The camera is not working now. Type the code printed under the label "
                  "with the keys on the screen, then touch OK.")


def _number(demo, name: str) -> str:
    with demo.reading() as s:
        return s.execute(select(Member.number).where(Member.display_name == name)).scalar_one()


def _lose_camera(window, ui) -> None:
    # The kiosk switches to a camera that is not there, as when one is unplugged: the scan
    # service reports it lost, through the bridge, into the device-status holder.
    window.bridge.switch("/dev/video-not-there")
    ui.qtbot.waitUntil(lambda: window.devices.camera == "missing", timeout=10000)


def _type(ui, keys: str, prefix: str) -> None:
    for key in keys:
        ui.tap(f"{prefix}{key}")


def test_without_a_camera_a_member_signs_in_with_number_and_pin_and_types_item_codes(camera_window, demo):
    window, ui = camera_window
    ui.qtbot.waitUntil(lambda: window.devices.camera == "ok", timeout=10000)
    window.go("borrow")
    identify = window.current
    assert identify.name == "identify" and identify.camera.isVisible()
    _lose_camera(window, ui)
    ui.settle()
    # The number and PIN keypad is in the main area, and the instruction says why.
    assert identify.pin_mode and identify.keypad.isVisible()
    assert not identify.back_to_card.isVisible()
    said = translate(NO_CAMERA_SIGN_IN, "ko")
    assert identify.instruction() == said and said in ui.visible_texts()
    assert translate("Show your member card to the camera.", "ko") not in ui.visible_texts()

    number = _number(demo, "김민준")
    _type(ui, number.split("-")[1], "key_")
    ui.tap("key_ok")
    _type(ui, DEMO_PIN, "key_")
    ui.tap("key_ok")
    assert window.session.member is not None and window.session.member.number == number
    borrow = window.current
    assert borrow.name == "borrow"
    # Borrow: the code keys take the camera's place, and the hint says to type.
    assert borrow.pad.isVisible() and not borrow.camera.isVisible()
    assert translate(NO_CAMERA_SCAN, "ko") in ui.visible_texts()
    _type(ui, "T-00002", "borrowpad_")
    ui.tap("borrowpad_ok")
    assert len(borrow.entries) == 1 and borrow.entries[0][0].ok, borrow.entries
    assert window.sound.played[-1] == "ok"

    # Return too.
    window.go("return")
    giveback = window.current
    assert giveback.pad.isVisible() and not giveback.camera.isVisible()
    assert translate(NO_CAMERA_SCAN, "ko") in ui.visible_texts()


def test_when_the_camera_comes_back_the_screens_scan_again(camera_window, demo):
    window, ui = camera_window
    window.go("borrow")
    _lose_camera(window, ui)
    ui.settle()
    assert window.current.pin_mode
    assert window.bridge.switch("virtual:640x480")  # plugged in again
    ui.qtbot.waitUntil(lambda: window.devices.camera == "ok", timeout=10000)
    ui.settle()
    identify = window.current
    assert not identify.pin_mode and identify.camera.isVisible()
    assert identify.instruction() == translate("Show your member card to the camera.", "ko")
    assert window.screens["borrow"].camera.isVisibleTo(window.screens["borrow"])
    assert window.screens["borrow"].pad.isHidden()
    assert window.screens["return"].pad.isHidden()


def test_the_typed_way_follows_the_language(camera_window):
    window, ui = camera_window
    window.go("borrow")
    _lose_camera(window, ui)
    window.session.set_language("vi")
    ui.settle()
    assert window.current.instruction() == translate(NO_CAMERA_SIGN_IN, "vi")
