"""Camera controls at the V4L2 ioctl boundary: the kernel is faked, our code is not."""

from __future__ import annotations

import errno
import struct
import time

import pytest

from hardware import camera_controls as cc
from hardware.camera_controls import CameraSettings, ControlledSource, V4L2Controls, controlled
from hardware.frames import CameraSource, VirtualCamera
from hardware.scanning import ScanService
from kiosk.errors import BadInput


class FakeKernel:
    """The ioctl layer of a UVC camera at /dev/video0: open(), ioctl(VIDIOC_S_CTRL/G_CTRL), close().

    Unplugged, the node is gone; plugged back in, the camera starts on its own defaults.
    """

    def __init__(self, controls: set[int]) -> None:
        self.controls = controls  # the controls this camera has
        self.values: dict[int, int] = {}
        self.plugged = True
        self.calls: list[tuple[int, int, int]] = []
        self.open_fds: set[int] = set()

    def open(self, path: str, flags: int) -> int:
        if path != "/dev/video0" or not self.plugged:
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)
        fd = 100 + len(self.calls) + len(self.open_fds)
        self.open_fds.add(fd)
        return fd

    def close(self, fd: int) -> None:
        self.open_fds.discard(fd)

    def ioctl(self, fd: int, request: int, buf: bytearray) -> int:
        assert fd in self.open_fds
        cid, value = struct.unpack("=Ii", bytes(buf))
        self.calls.append((request, cid, value))
        if cid not in self.controls:
            raise OSError(errno.EINVAL, "Invalid argument")
        if request == 0xC008561C:  # VIDIOC_S_CTRL, as <linux/videodev2.h> numbers it
            self.values[cid] = value
        elif request == 0xC008561B:  # VIDIOC_G_CTRL
            buf[:] = struct.pack("=Ii", cid, self.values.get(cid, 0))
        else:
            raise OSError(errno.ENOTTY, "Inappropriate ioctl for device")
        return 0

    def unplug(self) -> None:
        self.plugged = False
        self.values.clear()


ALL = {0x00980918, 0x009A0901, 0x009A0902, 0x009A090A, 0x009A090C, 0x0098090C, 0x0098091A}
KIOSK = CameraSettings(exposure_ms=8.0, power_line="60", focus=30)


def _wait(cond, timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.01)
    return cond()


def test_exposure_60hz_and_focus_are_set_and_set_again_when_the_camera_comes_back():
    kernel = FakeKernel(ALL)
    cam = VirtualCamera(320, 240, fps=30)
    src = ControlledSource(cam, V4L2Controls("/dev/video0", kernel.ioctl, kernel.open, kernel.close), KIOSK)
    svc = ScanService(src, on_code=lambda r: None, lost_after_s=0.2)
    expected = {0x00980918: 2,  # power line: 60 Hz
                0x009A0901: 1, 0x009A0902: 80,  # manual exposure, 8 ms in 100 us units
                0x009A090C: 0, 0x009A090A: 30,  # autofocus off, focus fixed
                0x0098090C: 1}  # white balance stays automatic
    svc.start()
    try:
        assert _wait(lambda: svc.status == "ok")
        assert kernel.values == expected
        cam.disconnect()
        kernel.unplug()
        assert _wait(lambda: svc.status == "lost")
        assert kernel.values == {}
        cam.reconnect()
        kernel.plugged = True
        assert _wait(lambda: svc.status == "ok")
        assert _wait(lambda: kernel.values == expected)
        assert not kernel.open_fds  # every node opened for the controls was closed
    finally:
        svc.stop()


def test_a_camera_without_autofocus_refuses_focus_and_the_rest_still_applies():
    kernel = FakeKernel(ALL - {0x009A090A, 0x009A090C})
    v4l2 = V4L2Controls("/dev/video0", kernel.ioctl, kernel.open, kernel.close)
    done = v4l2.apply(KIOSK)
    assert done[0x009A090C] is False and done[0x00980918] is True
    assert kernel.values[0x009A0902] == 80
    assert v4l2.get(0x00980918) == 2
    assert v4l2.get(0x009A090A) is None


def test_the_camera_opens_even_when_its_controls_cannot_be_set():
    kernel = FakeKernel(ALL)
    kernel.plugged = False  # the node went away between the two opens
    cam = VirtualCamera(320, 240, fps=None)
    src = ControlledSource(cam, V4L2Controls("/dev/video0", kernel.ioctl, kernel.open, kernel.close), KIOSK)
    src.open()
    assert src.read() is not None and src.applied == {}
    src.close()


def test_settings_round_trip_as_text_and_bad_text_is_refused():
    s = CameraSettings(exposure_ms=8.0, power_line="60", focus=None, white_balance_k=4500)
    assert CameraSettings.from_text(s.to_text()) == s
    assert CameraSettings.from_text("") == CameraSettings()
    for bad in ("exposure_ms=-3", "power_line=61", "focus=near", "colour=red"):
        with pytest.raises(BadInput):
            CameraSettings.from_text(bad)


def test_only_v4l2_cameras_are_wrapped():
    cam = CameraSource(0)
    wrapped = controlled(cam, KIOSK)
    assert isinstance(wrapped, ControlledSource) and wrapped.v4l2.device == "/dev/video0"
    virtual = VirtualCamera(320, 240)
    assert controlled(virtual, KIOSK) is virtual
    assert controlled(cam, None) is cam
    assert cc.VIDIOC_S_CTRL == 0xC008561C and cc.VIDIOC_G_CTRL == 0xC008561B
