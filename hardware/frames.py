"""Frame sources: where camera pictures come from.

One interface (:class:`FrameSource`) over a USB camera, an image file or
folder, a video file and a virtual camera that shows a chosen label or card,
so the demo and the tests drive the exact production scan path.

``read()`` blocks for at most about one frame interval and returns the newest
BGR frame, or ``None`` when no frame could be had (device unplugged, file gone);
a source that cannot be opened raises :class:`SourceError`. The scan service
treats both as a lost camera and reopens the source with backoff.
"""

from __future__ import annotations

import glob
import os
import sys
import threading
import time
from abc import ABC, abstractmethod
from pathlib import Path

import cv2
import numpy as np

from hardware import synth
from kiosk.errors import BadInput

IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm")
VIDEO_EXTS = (".mp4", ".avi", ".mkv", ".mov", ".webm", ".mjpeg", ".mjpg", ".m4v")


class SourceError(OSError):
    """A frame source could not be opened or has gone away."""


class EncodedFrame:
    """A camera frame still compressed as the camera sent it (one MJPEG picture).

    Decompressing a 720p JPEG costs more than everything else an idle kiosk
    does, so the scan service first reads it at an eighth of its size
    (libjpeg-turbo scales in the DCT, for a fraction of the cost) to see
    whether anything moved, and decompresses it in full only when it did.
    """

    __slots__ = ("data", "_full")

    def __init__(self, data: bytes | np.ndarray) -> None:
        self.data = np.frombuffer(data, np.uint8) if isinstance(data, (bytes, bytearray)) else data.reshape(-1)
        self._full: np.ndarray | None = None

    def reduced_gray(self, flag: int = cv2.IMREAD_REDUCED_GRAYSCALE_8) -> np.ndarray | None:
        """The frame in grey at a reduced scale (1/8 by default); None when it is not a picture."""
        return cv2.imdecode(self.data, flag)

    def decode(self) -> np.ndarray | None:
        """The whole frame, BGR (decoded once, then kept); None when it is not a picture."""
        if self._full is None:
            self._full = cv2.imdecode(self.data, cv2.IMREAD_COLOR)
        return self._full


#: what a source hands over: a picture, or a compressed one the scan service decodes when needed
Frame = np.ndarray | EncodedFrame


class FrameSource(ABC):
    """A stream of BGR frames (``numpy.ndarray`` of shape (h, w, 3), uint8)."""

    name: str = "source"

    @abstractmethod
    def open(self) -> None:
        """Start the stream; raises :class:`SourceError` when it cannot."""

    @abstractmethod
    def read(self) -> Frame | None:
        """The next frame, or None when none could be had (a camera may hand over its
        compressed frame as an :class:`EncodedFrame`)."""

    @abstractmethod
    def close(self) -> None:
        """Release the device or file. Safe to call twice."""

    def __enter__(self) -> FrameSource:
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


class _Pacer:
    """Holds a file or synthetic source to its frame rate, as a camera would."""

    def __init__(self, fps: float | None) -> None:
        self.interval = 1.0 / fps if fps else 0.0
        self.next = 0.0

    def wait(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        if self.next > now:
            time.sleep(self.next - now)
            now = self.next
        # Never try to catch up a backlog: a late frame starts a new schedule.
        self.next = max(self.next + self.interval, now)


class CameraSource(FrameSource):
    """A USB camera through OpenCV (V4L2 on Linux), MJPEG where the camera offers it."""

    def __init__(self, device: int | str, width: int = 1280, height: int = 720, fps: int = 30,
                 raw_mjpeg: bool = True) -> None:
        self.device = device
        self.width, self.height, self.fps = width, height, fps
        self.name = f"camera {device}"
        self._cap: cv2.VideoCapture | None = None
        #: hand over MJPEG frames compressed (the scan service decodes them only when needed)
        self.raw_mjpeg = raw_mjpeg
        self._raw = False

    def open(self) -> None:
        self.close()
        backend = cv2.CAP_V4L2 if sys.platform.startswith("linux") else cv2.CAP_ANY
        cap = cv2.VideoCapture(self.device, backend)
        if not cap.isOpened():
            cap.release()
            raise SourceError(f"cannot open camera {self.device}")
        # MJPEG first: uncompressed YUYV at 720p is capped near 10 fps on USB 2.
        cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*"MJPG"))  # type: ignore[attr-defined]
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        cap.set(cv2.CAP_PROP_FPS, self.fps)
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # newest frame, not a queue of old ones
        # With conversion off, OpenCV's V4L2 backend hands over the MJPEG buffer as it came.
        mjpg = int(cap.get(cv2.CAP_PROP_FOURCC)) == cv2.VideoWriter_fourcc(*"MJPG")  # type: ignore[attr-defined]
        self._raw = bool(self.raw_mjpeg and mjpg and cap.set(cv2.CAP_PROP_CONVERT_RGB, 0))
        self._cap = cap

    def read(self) -> Frame | None:
        if self._cap is None:
            return None
        ok, frame = self._cap.read()
        if not ok or frame is None:
            return None
        if self._raw and (frame.ndim == 1 or frame.shape[0] == 1):
            return EncodedFrame(frame)
        if frame.ndim == 2:
            frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
        return frame

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None

    def actual(self) -> dict:
        """Resolution and frame rate the driver actually granted."""
        if self._cap is None:
            return {}
        return {"width": int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
                "height": int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
                "fps": float(self._cap.get(cv2.CAP_PROP_FPS))}


class JpegSequenceSource(FrameSource):
    """Compressed JPEG frames played in a loop at ``fps``, handed over undecoded as a
    V4L2 camera in MJPEG mode does (the benchmark and the tests)."""

    def __init__(self, frames: list[bytes], fps: float | None = 30.0) -> None:
        self.frames = list(frames)
        self.name = "jpeg sequence"
        self._i = 0
        self._open = False
        self._pacer = _Pacer(fps)

    def open(self) -> None:
        if not self.frames:
            raise SourceError("no frames")
        self._open = True

    def read(self) -> Frame | None:
        if not self._open:
            return None
        data = self.frames[self._i % len(self.frames)]
        self._i += 1
        self._pacer.wait()
        return EncodedFrame(data)

    def close(self) -> None:
        self._open = False


class ImageFolderSource(FrameSource):
    """Images of a folder (sorted by name), or one image file, played in a loop."""

    def __init__(self, path: str | os.PathLike, fps: float | None = 10.0, loop: bool = True) -> None:
        self.path = Path(path)
        self.fps, self.loop = fps, loop
        self.name = f"images {self.path}"
        self._files: list[Path] = []
        self._cache: dict[Path, np.ndarray] = {}
        self._i = 0
        self._pacer = _Pacer(fps)

    def open(self) -> None:
        if self.path.is_dir():
            files = sorted(p for p in self.path.iterdir() if p.suffix.lower() in IMAGE_EXTS)
        elif self.path.is_file():
            files = [self.path]
        else:
            raise SourceError(f"no such file or folder: {self.path}")
        if not files:
            raise SourceError(f"no images in {self.path}")
        self._files, self._i = files, 0

    def read(self) -> np.ndarray | None:
        if not self._files:
            return None
        if self._i >= len(self._files):
            if not self.loop:
                return None
            self._i = 0
        f = self._files[self._i]
        self._i += 1
        img = self._cache.get(f)
        if img is None:
            img = cv2.imread(str(f), cv2.IMREAD_COLOR)
            if img is None:
                return None
            if len(self._cache) < 64:
                self._cache[f] = img
        self._pacer.wait()
        return img

    def close(self) -> None:
        self._files = []


class VideoFileSource(FrameSource):
    """A video file played at its own frame rate (or as fast as it decodes)."""

    def __init__(self, path: str | os.PathLike, loop: bool = True, realtime: bool = True) -> None:
        self.path = Path(path)
        self.loop, self.realtime = loop, realtime
        self.name = f"video {self.path}"
        self._cap: cv2.VideoCapture | None = None
        self._pacer = _Pacer(None)
        self.fps = 0.0

    def open(self) -> None:
        self.close()
        if not self.path.is_file():
            raise SourceError(f"no such video: {self.path}")
        cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            cap.release()
            raise SourceError(f"cannot read video {self.path}")
        self.fps = float(cap.get(cv2.CAP_PROP_FPS)) or 30.0
        self._pacer = _Pacer(self.fps if self.realtime else None)
        self._cap = cap

    def read(self) -> np.ndarray | None:
        if self._cap is None:
            return None
        ok, frame = self._cap.read()
        if not ok and self.loop:
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._cap.read()
        if not ok:
            return None
        self._pacer.wait()
        return frame

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class VirtualCamera(FrameSource):
    """A camera looking at a desk; ``present()`` holds a label or card in front of it.

    Frames carry the look of a cheap webcam (optics blur, sensor noise) and the
    presented code wobbles like a hand holding it, so every frame differs.
    ``disconnect()``/``reconnect()`` simulate unplugging the camera. ``fps``
    None renders as fast as asked (tests); the same ``seed`` gives the same frames.
    """

    def __init__(self, width: int = 1280, height: int = 720, fps: float | None = 15, seed: int = 0) -> None:
        self.width, self.height, self.fps = width, height, fps
        self.name = "virtual camera"
        self._rng = np.random.default_rng(seed)
        self._bg = synth.background(width, height, seed)
        self._lock = threading.Lock()
        self._scene: tuple[str, synth.Placement, bool, bool] | None = None
        self._optics = (0.0, 0.0)  # blur sigma and motion length of the presented label
        self._place: synth.Placement | None = None
        self._connected = True
        self._open = False
        self._pacer = _Pacer(fps)
        #: the payload the last rendered frame shows (None: none); a frame
        #: rendered just before ``present()`` does not show the new label yet
        self.shown: str | None = None
        # A bank of sensor noise, sliced at a random offset per frame: fresh
        # noise per pixel and frame would cost more than the decoder.
        pad = 32
        bank = np.rint(self._rng.standard_normal((height + pad, width + pad), dtype=np.float32) * 3.0)
        # Split into what is added and what is taken away, as 3-channel uint8:
        # two saturating uint8 operations per frame instead of a widening add.
        self._noise_up = cv2.merge([np.clip(bank, 0, 255).astype(np.uint8)] * 3)
        self._noise_down = cv2.merge([np.clip(-bank, 0, 255).astype(np.uint8)] * 3)
        self._pad = pad

    # -- what the camera sees -------------------------------------------------
    def present(self, payload: str, *, invert: bool = False, card: bool | None = None,
                module_px: float | None = None, tilt: float | None = None, blur: float = 0.0,
                motion: float = 0.0) -> None:
        """Hold the label (or member card) encoding ``payload`` in view until :meth:`clear`.

        ``tilt`` (degrees) leans it back from the camera; ``blur`` (sigma, px) puts it out of
        focus; ``motion`` (px) smears it as a hand moving during the exposure does.
        """
        if card is None:
            card = payload.upper().startswith("NKC")
        n = synth.qr_matrix(payload).shape[0]
        if module_px is None:
            # The symbol fills about a third of the picture, as at the kiosk's guide frame.
            module_px = max(3.0, 0.34 * min(self.width, self.height) / n)
        with self._lock:
            base = synth.Placement(self.width / 2 + self._rng.uniform(-0.06, 0.06) * self.width,
                                   self.height / 2 + self._rng.uniform(-0.06, 0.06) * self.height,
                                   module_px, angle=self._rng.uniform(-12, 12),
                                   tilt_x=self._rng.uniform(-8, 8) if tilt is None else tilt,
                                   tilt_y=self._rng.uniform(-8, 8))
            self._scene = (payload, base, invert, card)
            self._optics = (blur, motion)
            self._place = base

    def clear(self) -> None:
        """Take the label away."""
        with self._lock:
            self._scene = None
            self._place = None

    @property
    def presented(self) -> str | None:
        """The payload now in view, if any."""
        scene = self._scene
        return scene[0] if scene else None

    def disconnect(self) -> None:
        """Simulate pulling the USB plug: reads fail and the device cannot be opened."""
        self._connected = False

    def reconnect(self) -> None:
        """Plug the camera back in."""
        self._connected = True

    # -- FrameSource ----------------------------------------------------------
    def open(self) -> None:
        if not self._connected:
            raise SourceError("virtual camera unplugged")
        self._open = True

    def read(self) -> np.ndarray | None:
        if not (self._open and self._connected):
            self._pacer.wait()
            return None
        frame = self.render()
        self._pacer.wait()
        return frame

    def close(self) -> None:
        self._open = False

    def render(self) -> np.ndarray:
        """One frame of the current scene (no pacing)."""
        with self._lock:
            scene = self._scene
            if scene is not None:
                payload, base, invert, card = scene
                # A hand wobbles around where it holds the label, it does not drift away.
                assert self._place is not None  # set with the scene
                p = self._place.moved(self._rng, px=1.5, deg=0.4)
                k = 0.15
                p = synth.Placement(p.cx + k * (base.cx - p.cx), p.cy + k * (base.cy - p.cy),
                                    base.module_px, p.angle + k * (base.angle - p.angle),
                                    p.tilt_x + k * (base.tilt_x - p.tilt_x),
                                    p.tilt_y + k * (base.tilt_y - p.tilt_y))
                self._place = p
            y, x = (int(v) for v in self._rng.integers(0, self._pad, 2))
            blur, motion = self._optics
            direction = float(self._rng.uniform(0, 180))
        self.shown = scene[0] if scene is not None else None
        if scene is not None:
            frame, _ = synth.compose(self._bg, payload, p, invert=invert, card=card)
            frame = cv2.GaussianBlur(frame, (0, 0), max(0.6, blur))
            if motion > 0:
                frame = cv2.filter2D(frame, -1, synth.motion_kernel(motion, direction))
        else:
            frame = self._bg
        window = (slice(y, y + self.height), slice(x, x + self.width))
        return cv2.subtract(cv2.add(frame, self._noise_up[window]), self._noise_down[window])


def open_source(spec: str) -> FrameSource:
    """A frame source from a config or command-line spec.

    ``virtual`` (or ``virtual:640x480``); ``auto`` (the first camera); a device index ``0``;
    a device path ``/dev/video0``;
    ``file:PATH`` (one image); ``folder:PATH``; ``video:PATH``. A bare path to
    an existing image, folder or video works too.
    """
    spec = (spec or "virtual").strip()
    kind, _, rest = spec.partition(":")
    if spec == "virtual":
        return VirtualCamera()
    if spec == "auto":
        # The first camera; with none attached yet, device 0, which the scan
        # service keeps retrying until one is plugged in.
        cams = list_cameras()
        return CameraSource(cams[0]["device"] if cams else 0)
    if kind == "virtual" and "x" in rest:
        w, _, h = rest.partition("x")
        if w.isascii() and h.isascii() and w.isdigit() and h.isdigit():
            return VirtualCamera(int(w), int(h))
    if spec.isascii() and spec.isdigit():  # int() reads other digits too, or fails on ²
        return CameraSource(int(spec))
    if kind in ("file", "folder") and rest:
        return ImageFolderSource(rest)
    if kind == "video" and rest:
        return VideoFileSource(rest)
    if spec.startswith("/dev/"):
        return CameraSource(spec)
    p = Path(spec)
    if p.is_dir():
        return ImageFolderSource(p)
    if p.suffix.lower() in IMAGE_EXTS:
        return ImageFolderSource(p)
    if p.suffix.lower() in VIDEO_EXTS:
        return VideoFileSource(p)
    raise BadInput("Unknown camera: {spec}. Use a device number, /dev/videoN, "
                   "file:PATH, folder:PATH, video:PATH or virtual.", spec=spec)


def list_cameras(sysfs: str = "/sys/class/video4linux") -> list[dict]:
    """Cameras attached to this machine: ``{"device", "index", "name"}`` each.

    On Linux, from /sys/class/video4linux without opening anything (only
    capture nodes, not the metadata nodes UVC cameras also create); elsewhere,
    by probing indices 0-4.
    """
    cams: list[dict] = []
    nodes = sorted(glob.glob(os.path.join(sysfs, "video*")), key=lambda s: int(s.rsplit("video", 1)[1]))
    if nodes:
        for node in nodes:
            dev = "/dev/" + os.path.basename(node)
            try:
                if Path(node, "index").read_text().strip() not in ("", "0"):
                    continue
                name = Path(node, "name").read_text().strip()
            except OSError:
                name = ""
            cams.append({"device": dev, "index": int(dev.rsplit("video", 1)[1]), "name": name})
        return cams
    if sys.platform.startswith("linux") or os.path.isdir(sysfs):
        return cams
    for i in range(5):  # pragma: no cover - other platforms
        cap = cv2.VideoCapture(i)
        if cap.isOpened():
            cams.append({"device": str(i), "index": i, "name": f"camera {i}"})
        cap.release()
    return cams


def to_bgrx(frame: np.ndarray) -> np.ndarray:
    """A BGR (or grey) frame as 4-byte BGRX pixels, the screen's native layout.

    Qt paints 32-bit ``RGB32`` images without converting them first; a 24-bit
    frame would be converted on every paint of the live preview.
    """
    code = cv2.COLOR_GRAY2BGRA if frame.ndim == 2 else cv2.COLOR_BGR2BGRA
    return cv2.cvtColor(frame, code)
