"""The staff Camera page sets a V4L2 camera's controls with a live preview and saves them.

The kernel is faked at the ioctl boundary (no virtual V4L2 device can be loaded
here): the page, the bridge, the controlled source and the scan service are real.
"""

from __future__ import annotations

import errno
import json
import sqlite3
import struct

import pytest

from hardware.camera_controls import CameraSettings, ControlledSource, V4L2Controls
from hardware.frames import VirtualCamera
from kiosk.services.staff import Staff
from ui.scanbridge import camera_settings

POWER_LINE, EXPOSURE_AUTO, EXPOSURE = 0x00980918, 0x009A0901, 0x009A0902
FOCUS, FOCUS_AUTO, WB_AUTO, WB = 0x009A090A, 0x009A090C, 0x0098090C, 0x0098091A
S_CTRL = 0xC008561C  # VIDIOC_S_CTRL, as <linux/videodev2.h> numbers it


class FakeKernel:
    """A UVC camera's controls at /dev/video0; unplugged, the node is gone and the values reset."""

    def __init__(self) -> None:
        self.values: dict[int, int] = {}
        self.plugged = True
        self.fds: set[int] = set()

    def open(self, path: str, flags: int) -> int:
        if path != "/dev/video0" or not self.plugged:
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)
        fd = 100 + len(self.fds)
        self.fds.add(fd)
        return fd

    def close(self, fd: int) -> None:
        self.fds.discard(fd)

    def ioctl(self, fd: int, request: int, buf: bytearray) -> int:
        assert fd in self.fds and request == S_CTRL
        cid, value = struct.unpack("=Ii", bytes(buf))
        self.values[cid] = value
        return 0


@pytest.fixture
def mode(window, ui, demo):
    Staff(demo).create_first_manager("김관리", "2580")
    return ui.enter_staff_mode()


def _events(kiosk, type_):
    db = sqlite3.connect(kiosk.engine.url.database)
    rows = db.execute("SELECT actor, payload FROM events WHERE type = ? ORDER BY seq", (type_,)).fetchall()
    db.close()
    return [(a, json.loads(p)) for a, p in rows]


def test_camera_controls_preview_live_are_saved_and_set_again_when_the_camera_comes_back(
        window, ui, mode, demo, qtbot):
    kernel = FakeKernel()
    camera = VirtualCamera(320, 240, fps=30)
    bridge = window.bridge
    # What the kiosk does at start: the saved controls (none yet: 60 Hz, the rest automatic).
    saved = camera_settings(demo.setting("camera_controls"))
    assert saved == CameraSettings()
    source = ControlledSource(camera, V4L2Controls("/dev/video0", kernel.ioctl, kernel.open, kernel.close), saved)
    assert bridge.open("/dev/video0", demo.base_url, saved, source=source)
    bridge.start()
    try:
        qtbot.waitUntil(lambda: bridge.status == "ok", timeout=5000)
        assert kernel.values[POWER_LINE] == 2 and kernel.values[EXPOSURE_AUTO] == 3  # 60 Hz, automatic
        ui.tap("nav_settings")
        ui.tap("nav_camera")
        page = mode.current
        assert not page.no_controls.isVisible()
        assert ui.button("CameraExposure_auto").isChecked() and ui.button("CameraPowerLine_60").isChecked()

        ui.tap("CameraExposure_8")  # set at once: the preview shows it
        ui.tap("CameraFocus_30")
        assert kernel.values[EXPOSURE_AUTO] == 1 and kernel.values[EXPOSURE] == 80
        assert kernel.values[FOCUS_AUTO] == 0 and kernel.values[FOCUS] == 30
        ui.tap("nav_dashboard")  # left without saving: the saved controls again
        assert kernel.values[EXPOSURE_AUTO] == 3 and kernel.values[FOCUS_AUTO] == 1
        assert demo.setting("camera_controls") == ""

        ui.tap("nav_camera")
        assert ui.button("CameraExposure_auto").isChecked()
        ui.tap("CameraExposure_8")
        ui.tap("CameraFocus_30")
        ui.tap("CameraWhiteBalance_4000")
        ui.tap("CameraSave")
        assert page.banner.kind == "ok"
        kept = CameraSettings(exposure_ms=8.0, power_line="60", focus=30, white_balance_k=4000)
        demo.forget_cached_settings()
        assert CameraSettings.from_text(demo.setting("camera_controls")) == kept
        [(actor, payload)] = _events(demo, "settings.changed")
        assert actor == "김관리"
        assert payload["changes"] == {"camera_device": "/dev/video0", "camera_controls": kept.to_text()}
        expected = {POWER_LINE: 2, EXPOSURE_AUTO: 1, EXPOSURE: 80, FOCUS_AUTO: 0, FOCUS: 30, WB_AUTO: 0, WB: 4000}
        assert kernel.values == expected
        ui.tap("nav_dashboard")
        assert kernel.values == expected  # kept

        camera.disconnect()  # unplugged: the camera forgets its controls
        kernel.plugged = False
        kernel.values.clear()
        service = bridge.service
        assert service is not None
        reconnects = service.stats.reconnects
        # Lost, and closed by the capture thread: a camera plugged back in is a new
        # device node, so it comes back only through a fresh open (which sets its controls).
        qtbot.waitUntil(lambda: bridge.status == "lost" and service.stats.reconnects > reconnects,
                        timeout=20000)
        camera.reconnect()
        kernel.plugged = True
        qtbot.waitUntil(lambda: bridge.status == "ok", timeout=20000)
        qtbot.waitUntil(lambda: kernel.values == expected, timeout=5000)  # set again as it came back
        assert not kernel.fds
    finally:
        bridge.stop()


def test_a_camera_without_controls_says_so(window, ui, mode):
    bridge = window.bridge
    assert bridge.switch("virtual")
    ui.tap("nav_settings")
    ui.tap("nav_camera")
    page = mode.current
    assert page.no_controls.isVisible() and page.controls == {}
    assert page.chosen_controls() is None
