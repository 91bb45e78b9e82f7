"""Fixtures for the resident screens (shared with tests/security): a demo centre and the real kiosk window.

``demo``
    An initialised kiosk (site GN01, clock standing at Tuesday 2026-03-10
    10:00 in Seoul) filled with the demo centre of kiosk/demo.py.
``cards``
    The demo members' card payloads by display name.
``window``
    A :class:`ui.app.KioskWindow` on that kiosk, 1280x800, with a silent
    sound that records its cues, a speech engine that records what it would
    say (``window.voice.speech``) and a PDF-file printer. No camera is opened:
    scans enter through ``window.handle_scan`` (the path the scan bridge uses).
``ui``
    Helpers to tap, scan and wait for the background work.
``make_ui``
    Another window (other size, other options) and its helpers.
``camera_window``
    A window with its helpers that scans through the virtual camera.

Tests in tests/ui fail on a Qt warning (tests/ui/conftest.py).
"""

from __future__ import annotations

import pytest

from kiosk.codes import item_label_payload


@pytest.fixture
def demo(make_kiosk):
    from kiosk.demo import load_demo_data

    k, clock = make_kiosk()
    load_demo_data(k)
    k.forget_cached_settings()
    k.test_clock = clock
    return k


@pytest.fixture
def cards(demo):
    return {c["name"]: c["card"] for c in demo.setting("demo_cards")}


class UiDriver:
    """Taps and scans like a resident, waiting for background work to come back."""

    def __init__(self, qtbot, window) -> None:
        self.qtbot, self.window = qtbot, window

    def settle(self) -> None:
        from PySide6.QtCore import QCoreApplication, QEvent

        from ui.tasks import runner

        assert runner().wait(10), "background work did not finish"
        QCoreApplication.processEvents()
        QCoreApplication.processEvents()  # what the first turn queued: new widgets shown, speech
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

    def button(self, name: str):
        from PySide6.QtWidgets import QPushButton

        b = self.window.findChild(QPushButton, name)
        assert b is not None, f"no button {name}"
        return b

    def tap(self, name: str) -> None:
        from PySide6.QtCore import Qt

        b = self.button(name)
        assert b.isVisible() and b.isEnabled(), f"{name} cannot be touched"
        self.qtbot.mouseClick(b, Qt.MouseButton.LeftButton)
        self.settle()

    def scan(self, payload: str) -> bool:
        taken = self.window.handle_scan(payload)
        self.settle()
        return taken

    def label(self, code: str, site: str | None = None) -> str:
        return item_label_payload(code, self.window.ctx.kiosk.base_url, site)

    def sign_in(self, card: str, screen: str = "borrow") -> None:
        self.window.go(screen)
        assert self.window.current.name == "identify"
        self.scan(card)
        assert self.window.session.member is not None
        assert self.window.current.name == screen

    def enter_staff_mode(self, name: str = "김관리", pin: str = "2580"):
        """Staff mode opened through the staff door by ``name`` with ``pin``; returns it."""
        from PySide6.QtWidgets import QPushButton

        from ui.staffmode import open_staff_mode

        self.window.staff_mode_hook = open_staff_mode
        self.tap("StaffDoor")
        [b] = [b for b in self.window.findChildren(QPushButton) if b.text() == name and b.isVisible()]
        self.tap(b.objectName())
        for d in pin:
            self.tap(f"staffkey_{d}")
        self.tap("staffkey_ok")
        self.tap("StaffMenu_staff_mode")
        return self.window.staff_mode

    def visible_texts(self) -> list[str]:
        from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton

        w = self.window
        out = [lab.text() for lab in w.findChildren(QLabel) if lab.isVisible()]
        out += [b.text() for b in w.findChildren(QPushButton) if b.isVisible()]
        out += [e.text() for e in w.findChildren(QLineEdit) if e.isVisible()]
        return out


def make_window(qtbot, kiosk, tmp_path, size=(1280, 800), earphones=None, **config_changes):
    from hardware.printing import PdfFilePrinter
    from ui.app import KioskWindow
    from ui.config import UiConfig
    from ui.scanbridge import ScanBridge
    from ui.sound import RecordingSound

    config = UiConfig.from_settings(kiosk.setting)
    if config_changes:
        config = UiConfig(**{**config.__dict__, **config_changes})
    bridge = ScanBridge(base_url=kiosk.base_url)
    w = KioskWindow(kiosk, config, sound=RecordingSound(), bridge=bridge,
                    printer=PdfFilePrinter(tmp_path / "receipts"), earphones=earphones)
    bridge.setParent(w)
    qtbot.addWidget(w)
    w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture
def window(qtbot, demo, tmp_path):
    w = make_window(qtbot, demo, tmp_path)
    yield w
    UiDriver(qtbot, w).settle()


@pytest.fixture
def make_ui(qtbot, demo, tmp_path):
    """Factory: (window, driver) on the demo centre with other options or another size."""
    made = []

    def make(size=(1280, 800), earphones=None, **config_changes):
        w = make_window(qtbot, demo, tmp_path, size, earphones, **config_changes)
        made.append(w)
        return w, UiDriver(qtbot, w)
    yield make
    for w in made:
        UiDriver(qtbot, w).settle()


@pytest.fixture
def ui(qtbot, window):
    return UiDriver(qtbot, window)


@pytest.fixture
def camera_window(make_ui, demo):
    """A window scanning through the virtual camera (640x480) instead of taking
    scans straight into ``handle_scan``: ``window.bridge.present(payload)`` holds a code up."""
    pytest.importorskip("hardware.scanning")
    window, ui = make_ui()
    assert window.bridge.open("virtual:640x480", demo.base_url)
    window.bridge.start()
    yield window, ui
    window.bridge.stop()
