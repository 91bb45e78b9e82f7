"""From the scanning service's threads to the screens: queued codes, preview, wedge, virtual camera."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import QApplication

from hardware.scanning import ScanResult
from kiosk.codes import ItemRef
from ui.scanbridge import ScanBridge, bgr_to_qimage, camera_ok, install_wedge


def test_codes_from_a_worker_thread_arrive_on_the_gui_thread(qtbot):
    bridge = ScanBridge()
    got = []
    bridge.code.connect(lambda ref: got.append((ref, QThread.currentThread())))
    worker = threading.Thread(target=bridge._on_code,
                              args=(ScanResult("T-00002", ItemRef("T-00002")),))
    worker.start()
    worker.join()
    assert got == []  # queued: nothing runs on the worker
    qtbot.waitUntil(lambda: len(got) == 1, timeout=2000)
    assert got[0][0] == ItemRef("T-00002")  # the classified reference, not the text
    assert got[0][1] is QApplication.instance().thread()


def test_status_changes_are_delivered_once_each(qtbot):
    bridge = ScanBridge()
    seen = []
    bridge.status_changed.connect(seen.append)
    for status in ("starting", "ok", "ok", "lost", "ok"):
        threading.Thread(target=bridge._on_status, args=(status,)).start()
        qtbot.wait(20)
    qtbot.waitUntil(lambda: len(seen) == 4, timeout=2000)
    assert seen == ["starting", "ok", "lost", "ok"]
    assert camera_ok("ok") and not camera_ok("lost") and not camera_ok("unavailable")


def test_bgr_frames_become_images_with_the_right_colours():
    bgr = np.zeros((4, 6, 3), np.uint8)
    bgr[:, :, 0] = 255  # blue
    bgr[1, 2] = (0, 0, 255)  # one red pixel
    img = bgr_to_qimage(bgr[:, ::1])
    assert (img.width(), img.height()) == (6, 4)
    assert img.pixelColor(0, 0).name() == "#0000ff" and img.pixelColor(2, 1).name() == "#ff0000"
    view = bgr_to_qimage(np.ascontiguousarray(bgr[:, ::2]))  # a strided view is copied, not misread
    assert view.width() == 3 and view.pixelColor(1, 1).name() == "#ff0000"


def test_camera_loss_tells_the_resident_to_type(window):
    window.bridge._set_status("lost")
    assert window.camera_state.isVisible() and "카메라" in window.camera_state.text()
    window.bridge._set_status("ok")
    assert not window.camera_state.isVisible()


def test_a_keyboard_wedge_burst_is_a_scan_and_slow_typing_is_not(qtbot, window, ui, cards):
    pytest.importorskip("hardware.wedge")
    assert install_wedge(window, window.bridge) is not None
    ui.sign_in(cards["윤지우"])
    window.setFocus()
    qtbot.keyClicks(window, "T-00002")
    qtbot.keyClick(window, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.screens["borrow"].entries != [] or False, timeout=3000)
    ui.settle()
    assert window.screens["borrow"].entries[0][0].item == "T-00002"
    for ch in "T-00003":  # a person typing: far slower than a scanner
        qtbot.keyClick(window, ch)
        qtbot.wait(80)
    qtbot.keyClick(window, Qt.Key.Key_Return)
    qtbot.wait(100)
    ui.settle()
    assert len(window.screens["borrow"].entries) == 1


def test_virtual_camera_end_to_end_card_then_item(qtbot, camera_window, cards):
    window, ui = camera_window
    assert window.bridge.virtual
    view = window.screens["home"]
    assert view.name == "home"
    window.bridge.present(cards["윤지우"])  # the demo strip's tap: the card is held up
    qtbot.waitUntil(lambda: window.session.member is not None, timeout=8000)
    qtbot.waitUntil(lambda: window.current.name == "borrow", timeout=3000)
    camera = window.screens["borrow"].camera
    qtbot.waitUntil(lambda: camera.frame is not None, timeout=3000)  # the preview runs
    window.bridge.present(ui.label("T-00002"))
    qtbot.waitUntil(lambda: window.screens["borrow"].entries != [], timeout=8000)
    ui.settle()
    outcome = window.screens["borrow"].entries[0][0]
    assert outcome.item == "T-00002" and outcome.ok


def test_the_camera_opens_after_the_first_screen_is_painted(qtbot, demo, tmp_path):
    pytest.importorskip("hardware.scanning")
    from hardware.printing import PdfFilePrinter
    from ui.app import build_window
    from ui.sound import RecordingSound

    window = build_window(demo, camera_spec="virtual:640x480", sound=RecordingSound(),
                          printer=PdfFilePrinter(tmp_path / "receipts"))
    qtbot.addWidget(window)
    window.bridge.start()
    assert window.bridge.service is None  # nothing slow before the resident sees the kiosk
    window.resize(1280, 800)
    window.show()
    qtbot.waitUntil(lambda: window.bridge.service is not None, timeout=5000)
    assert window.bridge.virtual
    qtbot.waitUntil(lambda: window.bridge.status == "ok", timeout=5000)
    window.bridge.stop()
    assert not window.bridge.service.running
