"""A resident asks for help from any screen: a chime, an event, an alert in staff mode,
and a message saying when staff were called; the call can be cancelled."""

from __future__ import annotations

import json

from PySide6.QtWidgets import QLabel
from sqlalchemy import select

from kiosk.calendar import SEOUL
from kiosk.i18n import translate
from kiosk.services.help import open_calls
from kiosk.services.staff import Staff
from kiosk.store.models import Event


def _events(demo, type_: str) -> list[dict]:
    with demo.reading() as s:
        return [json.loads(e.payload) for e in
                s.execute(select(Event).where(Event.type == type_).order_by(Event.seq)).scalars()]


def test_every_resident_screen_has_the_help_button(window, ui, cards):
    for name in ("home", "identify", "return"):
        window.go(name)
        assert ui.button("CallHelp").isVisible(), name
    ui.sign_in(cards["김민준"], "loans")
    assert ui.button("CallHelp").isVisible()


def test_help_is_called_with_a_chime_an_event_and_a_staff_alert(window, ui, demo):
    window.go("return")
    ui.tap("CallHelp")
    assert window.sound.played[-1] == "help"
    [call] = _events(demo, "help.requested")
    assert call["screen"] == "return"
    [open_call] = open_calls(demo)
    said = translate("We have called staff. Please wait a moment.", "ko")
    at = open_call.at.astimezone(SEOUL).strftime("%H:%M")
    texts = ui.visible_texts()
    assert any(said in t for t in texts)
    assert any(translate("Called at {time}.", "ko", time=at) in t for t in texts)
    ui.tap("HelpCall_close")  # back to the screen: the call stays open until staff come
    assert open_calls(demo)

    Staff(demo).create_first_manager("김관리", "2580")
    staff = ui.enter_staff_mode()  # opens on today's dashboard
    ui.settle()
    banner = staff.findChild(QLabel, "HelpAlert")
    assert banner is not None and banner.isVisible()
    assert banner.text() == translate("A resident at the kiosk asked for help: {count}. Please go to the kiosk.",
                                      "ko", count=1)
    ui.tap(f"answer_{call['call_id']}")
    assert open_calls(demo) == []
    assert _events(demo, "help.answered") == [{"call_id": call["call_id"]}]
    assert not banner.isVisible()


def test_a_resident_cancels_the_call(window, ui, demo):
    window.go("home")
    ui.tap("CallHelp")
    [call] = _events(demo, "help.requested")
    assert call["screen"] == "home"
    ui.tap("HelpCall_cancel")
    assert open_calls(demo) == []
    assert _events(demo, "help.cancelled") == [{"call_id": call["call_id"]}]


def test_the_help_message_is_in_the_residents_language(window, ui, demo):
    window.session.set_language("vi")
    window.go("home")
    ui.tap("CallHelp")
    assert any(translate("We have called staff. Please wait a moment.", "vi") in t for t in ui.visible_texts())
    assert ui.button("CallHelp").text() == translate("Help", "vi")
