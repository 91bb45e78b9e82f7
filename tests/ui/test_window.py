"""The kiosk window: no way out without the staff PIN, the demo strip, screenshots."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.codes import CardRef
from ui.widgets.overlay import open_overlays


def test_a_locked_kiosk_cannot_be_closed_from_the_screen(make_ui):
    window, _ui = make_ui()
    window.may_close = False  # what run_kiosk does in fullscreen
    window.close()
    assert window.isVisible()


def test_closing_takes_the_staff_pin(make_ui):
    window, ui = make_ui()
    window.may_close = False
    ui.tap("StaffDoor")
    assert open_overlays(window)[0].objectName() == "StaffPin"
    window.handle_scan(ui.label("T-00002"))  # scans wait while the door is open
    assert window.current.name == "home"
    for overlay in open_overlays(window):
        overlay.finish("cancel")
    window._staff_choice("exit")  # what the staff menu answers after the PIN
    assert not window.isVisible()


def test_staff_mode_opens_through_the_hook_with_the_resident_gone(window, ui, cards):
    opened = []
    window.staff_mode_hook = lambda w: opened.append((w, w.session.member))
    ui.sign_in(cards["윤지우"])
    window._staff_choice("staff_mode")
    assert opened == [(window, None)]


def test_the_home_button_keeps_the_session_and_finish_ends_it(window, ui, cards):
    ui.sign_in(cards["윤지우"])
    ui.tap("StartOver")
    assert window.current.name == "home" and window.session.member is not None
    assert window.screens["home"].member_line.text() == "윤지우 님, 안녕하세요."
    ui.tap("SignOut")  # nothing borrowed: straight back, forgotten
    assert window.session.member is None


def test_demo_strip_presents_cards_and_labels(qtbot, demo, tmp_path):
    from ui.app import KioskWindow
    from ui.config import UiConfig
    from ui.widgets.demo_strip import demo_entries

    entries = demo_entries(demo)
    kinds = {e.kind for e in entries}
    assert kinds == {"card", "item", "foreign"}
    window = KioskWindow(demo, UiConfig.from_settings(demo.setting), demo=entries)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    got = []
    window.bridge.code.connect(got.append)
    card = next(b for b, e in zip(window.demo.buttons, entries) if e.kind == "card")
    card.click()  # no camera opened: the strip delivers the code itself
    qtbot.waitUntil(lambda: got != [], timeout=2000)
    assert isinstance(got[0], CardRef)


@pytest.mark.slow
def test_nanum_screenshots_writes_every_state(tmp_path, capsys):
    out = tmp_path / "shots"
    assert main(["--data-dir", str(tmp_path / "data"), "screenshots", "--out", str(out),
                 "--lang", "en", "--size", "1280x800"]) == 0
    files = sorted(p.name for p in Path(out).glob("*.png"))
    assert "1280x800-en-default-01-home.png" in files
    assert any("return-to-staff" in f for f in files) and any("idle-warning" in f for f in files)
    assert not (tmp_path / "data").exists()  # the kiosk's own data is not touched
    assert main(["screenshots", "--out", str(out), "--size", "big"]) == 2
