"""Camera controls through V4L2: exposure, power-line frequency, focus, white balance.

A good picture at the source beats any amount of processing: a short exposure
stops the motion blur of a moving hand, 60 Hz power-line filtering (Korea's
mains) stops the banding fluorescent light makes, and a focus fixed at the
label distance keeps a cheap camera from hunting. The controls are set with
the ``VIDIOC_S_CTRL`` ioctl on the device node (OpenCV's properties map to the
same calls but say nothing when a driver refuses one), and set again every
time the camera is opened, so they survive an unplugged cable.

:class:`ControlledSource` wraps a frame source and applies the settings after
each successful open; the ioctl function and the way the node is opened are
injectable, so tests fake the kernel boundary and nothing of ours.
"""

from __future__ import annotations

import logging
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass, fields, replace

from hardware.frames import Frame, FrameSource
from kiosk.errors import BadInput

log = logging.getLogger(__name__)

# <linux/videodev2.h>
_USER = 0x00980900  # V4L2_CID_BASE
_CAMERA = 0x009A0900  # V4L2_CID_CAMERA_CLASS_BASE
CID_AUTO_WHITE_BALANCE = _USER + 12
CID_POWER_LINE_FREQUENCY = _USER + 24
CID_WHITE_BALANCE_TEMPERATURE = _USER + 26
CID_EXPOSURE_AUTO = _CAMERA + 1
CID_EXPOSURE_ABSOLUTE = _CAMERA + 2  # in 100 microseconds
CID_FOCUS_ABSOLUTE = _CAMERA + 10
CID_FOCUS_AUTO = _CAMERA + 12
EXPOSURE_AUTO, EXPOSURE_MANUAL, EXPOSURE_APERTURE_PRIORITY = 0, 1, 3
POWER_LINE = {"off": 0, "50": 1, "60": 2, "auto": 3}

_CONTROL = struct.Struct("=Ii")  # struct v4l2_control {__u32 id; __s32 value;}


def _iowr(nr: int, size: int) -> int:
    return (3 << 30) | (size << 16) | (ord("V") << 8) | nr


VIDIOC_G_CTRL = _iowr(27, _CONTROL.size)
VIDIOC_S_CTRL = _iowr(28, _CONTROL.size)


@dataclass(frozen=True)
class CameraSettings:
    """What the camera is told; None leaves a control on the camera's automatic mode.

    ``exposure_ms``: exposure time (short, e.g. 8 ms, against motion blur);
    ``power_line``: ``"60"`` (Korea), ``"50"``, ``"off"`` or ``"auto"``;
    ``focus``: the driver's focus position (fixed at the label distance);
    ``white_balance_k``: colour temperature in kelvin.
    """

    exposure_ms: float | None = None
    power_line: str = "60"
    focus: int | None = None
    white_balance_k: int | None = None

    def to_text(self) -> str:
        """One line for the settings store: ``exposure_ms=8;power_line=60;focus=auto;...``."""
        return ";".join(f"{f.name}={'auto' if getattr(self, f.name) is None else getattr(self, f.name)}"
                        for f in fields(self))

    @classmethod
    def from_text(cls, text: str) -> CameraSettings:
        """The settings :meth:`to_text` wrote; raises BadInput on anything else."""
        out = cls()
        for part in (text or "").split(";"):
            if not part.strip():
                continue
            key, _, value = part.partition("=")
            key, value = key.strip(), value.strip().lower()
            try:
                if key == "power_line":
                    if value not in POWER_LINE:
                        raise ValueError(value)
                    out = replace(out, power_line=value)
                elif key == "exposure_ms":
                    ms = None if value == "auto" else float(value)
                    if ms is not None and not 0.1 <= ms <= 1000:
                        raise ValueError(value)
                    out = replace(out, exposure_ms=ms)
                elif key in ("focus", "white_balance_k"):
                    n = None if value == "auto" else int(value)
                    if n is not None and not 0 <= n <= 10000:
                        raise ValueError(value)
                    out = replace(out, focus=n) if key == "focus" else replace(out, white_balance_k=n)
                else:
                    raise ValueError(key)
            except ValueError:
                raise BadInput("Unknown camera setting: {setting}.", setting=part.strip()[:40]) from None
        return out

    def controls(self) -> list[tuple[int, int]]:
        """(control id, value) in the order a driver accepts them: automatic modes off first."""
        out: list[tuple[int, int]] = [(CID_POWER_LINE_FREQUENCY, POWER_LINE[self.power_line])]
        if self.exposure_ms is None:
            out.append((CID_EXPOSURE_AUTO, EXPOSURE_APERTURE_PRIORITY))
        else:
            out += [(CID_EXPOSURE_AUTO, EXPOSURE_MANUAL),
                    (CID_EXPOSURE_ABSOLUTE, max(1, round(self.exposure_ms * 10)))]
        if self.focus is None:
            out.append((CID_FOCUS_AUTO, 1))
        else:
            out += [(CID_FOCUS_AUTO, 0), (CID_FOCUS_ABSOLUTE, self.focus)]
        if self.white_balance_k is None:
            out.append((CID_AUTO_WHITE_BALANCE, 1))
        else:
            out += [(CID_AUTO_WHITE_BALANCE, 0), (CID_WHITE_BALANCE_TEMPERATURE, self.white_balance_k)]
        return out


Ioctl = Callable[[int, int, bytearray], object]


def _ioctl(fd: int, request: int, buf: bytearray) -> object:
    import fcntl

    return fcntl.ioctl(fd, request, buf, True)


class V4L2Controls:
    """Reads and sets controls of one V4L2 device node."""

    def __init__(self, device: str, ioctl: Ioctl = _ioctl,
                 opener: Callable[[str, int], int] = os.open, closer: Callable[[int], None] = os.close) -> None:
        self.device = device
        self._ioctl, self._open, self._close = ioctl, opener, closer

    def apply(self, settings: CameraSettings) -> dict[int, bool]:
        """Set every control of ``settings``; which were accepted (a camera without
        autofocus refuses the focus controls, and that is fine)."""
        done: dict[int, bool] = {}
        fd = self._open(self.device, os.O_RDWR | getattr(os, "O_NONBLOCK", 0))
        try:
            for cid, value in settings.controls():
                buf = bytearray(_CONTROL.pack(cid, value))
                try:
                    self._ioctl(fd, VIDIOC_S_CTRL, buf)
                    done[cid] = True
                except OSError as exc:
                    log.info("camera %s refused control %#x=%d: %s", self.device, cid, value, exc)
                    done[cid] = False
        finally:
            self._close(fd)
        return done

    def get(self, cid: int) -> int | None:
        """The control's current value; None when the camera has no such control."""
        fd = self._open(self.device, os.O_RDWR | getattr(os, "O_NONBLOCK", 0))
        try:
            buf = bytearray(_CONTROL.pack(cid, 0))
            self._ioctl(fd, VIDIOC_G_CTRL, buf)
            return int(_CONTROL.unpack(bytes(buf))[1])
        except OSError:
            return None
        finally:
            self._close(fd)


class ControlledSource(FrameSource):
    """A camera whose controls are set each time it is opened (at start and when it comes back)."""

    def __init__(self, inner: FrameSource, controls: V4L2Controls, settings: CameraSettings) -> None:
        self.inner, self.v4l2, self.settings = inner, controls, settings
        self.name = inner.name
        #: what the camera accepted when last opened (control id -> accepted)
        self.applied: dict[int, bool] = {}

    def open(self) -> None:
        self.inner.open()
        try:
            self.applied = self.v4l2.apply(self.settings)
        except OSError as exc:  # the picture matters more than its controls
            log.warning("camera controls of %s not set: %s", self.v4l2.device, exc)
            self.applied = {}

    def read(self) -> Frame | None:
        return self.inner.read()

    def close(self) -> None:
        self.inner.close()

    def change(self, settings: CameraSettings) -> dict[int, bool]:
        """New settings (the staff Camera page): kept for the next open, and applied now."""
        self.settings = settings
        self.applied = self.v4l2.apply(settings)
        return self.applied


def controlled(source: FrameSource, settings: CameraSettings | None) -> FrameSource:
    """``source`` with its controls set at every open when it is a V4L2 camera (others unchanged)."""
    from hardware.frames import CameraSource

    if settings is None or not isinstance(source, CameraSource):
        return source
    dev = source.device
    node = f"/dev/video{dev}" if isinstance(dev, int) else str(dev)
    if not node.startswith("/dev/"):
        return source
    return ControlledSource(source, V4L2Controls(node), settings)
