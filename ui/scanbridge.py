"""From the scanning service (worker threads) to the GUI thread.

The scanning service in ``hardware.scanning`` decodes frames on its own worker
and calls ``on_code`` / ``on_status`` there. No widget may be touched from that
thread, so the bridge turns each call into a queued Qt signal that is
delivered on the GUI thread. The preview does not travel by signal at all:
a QTimer on the GUI thread asks for ``latest_frame()`` and shows only the
newest frame, so a slow paint never builds a queue of old frames.

A USB keyboard-wedge scanner types the code and Enter; :class:`WedgeFilter`
tells such bursts from a person typing (``hardware.wedge.WedgeParser``).

Every code leaves the bridge classified (:data:`kiosk.codes.Scan`): the camera's
by the scan service on its worker, a wedge's, a demo tap's or a typed one by
:meth:`ScanBridge.classify`, the same classifier; the window and the screens
receive the typed reference, never the text.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QImage, QKeyEvent

from kiosk import codes
from kiosk.codes import Scan
from kiosk.errors import BadInput

if TYPE_CHECKING:
    from hardware.camera_controls import CameraSettings, ControlledSource
    from hardware.frames import FrameSource, VirtualCamera
    from hardware.guidance import Hint
    from hardware.scanning import ScanResult, ScanService

log = logging.getLogger(__name__)

PREVIEW_FPS = 15
#: how long the demo holds a card or label in front of the virtual camera
PRESENT_MS = 1500


def bgr_to_qimage(bgr: Any) -> QImage:
    """A camera frame (BGR ``uint8``, h x w x 3) as a 32-bit QImage that owns its pixels.

    32-bit pixels are what the raster paint engine draws without conversion,
    so each preview paint is a plain scaled blit on the GUI thread.
    """
    from hardware.frames import to_bgrx

    bgrx = to_bgrx(bgr)
    h, w = bgrx.shape[:2]
    return QImage(bgrx.data, w, h, bgrx.strides[0], QImage.Format.Format_RGB32).copy()


class ScanBridge(QObject):
    """Owns the scan service and hands its codes, status and frames to the GUI thread."""

    #: a code was read, classified: a :data:`kiosk.codes.Scan`
    code = Signal(object)
    #: the camera's state changed (the service's status, as text)
    status_changed = Signal(str)
    #: a new preview frame
    frame = Signal(QImage)
    #: advice for a code held up but not read: a :class:`hardware.guidance.Hint`, or None
    #: when it is withdrawn (the service already waits, holds and withdraws it calmly)
    guidance = Signal(object)
    #: how much of the view a code held up but not read fills (a float, 0 to 1), or None when
    #: none is seen or it was read: what the aiming tone follows (:mod:`ui.aim_tone`)
    aim = Signal(object)

    _raw_code = Signal(object)
    _raw_status = Signal(str)
    _raw_guidance = Signal(object)
    _raw_aim = Signal(object)

    def __init__(self, parent: QObject | None = None, preview_fps: int = PREVIEW_FPS, *,
                 base_url: str = codes.DEFAULT_BASE_URL) -> None:
        super().__init__(parent)
        self.service: ScanService | None = None
        self.source: FrameSource | None = None
        self.status = "off"
        self.spec: str | None = None  # the camera being used (an open_source spec)
        self._base_url = base_url  # the kiosk's labels' address: what codes are ours
        #: the camera controls set at every open (None: the camera's own defaults)
        self.settings: CameraSettings | None = None
        #: the advice shown now (None: none)
        self.hint: Hint | None = None
        self._last_n: int | None = None
        self._started = False
        self._pending: tuple[str | None, str] | None = None
        #: the last code the camera read: (its reference, the frame, the code's corners)
        self._sighting: tuple[Scan, Any, tuple] | None = None
        self._first_paint: _FirstPaint | None = None
        # Explicitly queued: these are emitted on the scanner's worker thread.
        self._raw_code.connect(self._deliver_code, Qt.ConnectionType.QueuedConnection)
        self._raw_status.connect(self._deliver_status, Qt.ConnectionType.QueuedConnection)
        self._raw_guidance.connect(self._deliver_guidance, Qt.ConnectionType.QueuedConnection)
        self._raw_aim.connect(self._deliver_aim, Qt.ConnectionType.QueuedConnection)
        #: the fill reported now (None: no code held up)
        self.fill: float | None = None
        self.preview = QTimer(self)
        self.preview.setInterval(max(10, 1000 // max(1, preview_fps)))
        self.preview.timeout.connect(self._poll_frame)
        self._clear = QTimer(self)
        self._clear.setSingleShot(True)
        self._clear.timeout.connect(self._clear_virtual)

    # -- wiring to the hardware wing -----------------------------------------------
    def open(self, camera_spec: str | None, base_url: str, settings: CameraSettings | None = None, *,
             source: FrameSource | None = None) -> bool:
        """Open the frame source and the scan service; False (typing only) when it cannot.

        ``settings`` (else the ones given before) are the camera controls, set
        each time a V4L2 camera opens: at start and when it comes back.
        ``source``: a frame source made already for ``camera_spec`` (used as it is).
        """
        try:
            from hardware.camera_controls import controlled
            from hardware.frames import open_source
            from hardware.scanning import ScanService
        except ImportError as exc:
            log.warning("scanning is not available (%s): codes can be typed", exc)
            self._set_status("unavailable")
            return False
        self.spec, self._base_url = camera_spec or "virtual", base_url
        if settings is not None:
            self.settings = settings
        try:
            self.source = source if source is not None else controlled(open_source(self.spec), self.settings)
            self.service = ScanService(self.source, on_code=self._on_code, on_status=self._on_status,
                                       base_url=base_url, on_guidance=self._raw_guidance.emit,
                                       on_aim=self._raw_aim.emit)
        except Exception as exc:  # a missing camera must not stop the kiosk: typing still works
            log.warning("cannot open camera %r: %s", camera_spec, exc)
            self.service = None
            self._set_status("unavailable")
            return False
        return True

    def switch(self, camera_spec: str) -> bool:
        """Scan from another camera from now on (staff settings); the old one is closed first.

        False when the new camera cannot be opened: codes can still be typed,
        and the status says the camera is unavailable.
        """
        if self.service is not None:
            self.service.stop()
        self.service = self.source = None
        self._last_n = None
        self._deliver_guidance(None)  # advice about the old camera's picture no longer holds
        self._deliver_aim(None)
        if not self.open(camera_spec, self._base_url):
            return False
        if self._started:
            self._start_service()
        return True

    def change_controls(self, settings: CameraSettings) -> bool:
        """Set the camera's controls now (a live preview of them) and at every later open.

        False when this camera has no controls to set (the virtual camera, a
        video file, a camera OpenCV opened by index on another system).
        """
        self.settings = settings
        source = self._controlled()
        if source is None:
            return False
        try:
            source.change(settings)
        except OSError as exc:  # unplugged just now: set when it comes back
            log.warning("camera controls not set now: %s", exc)
            source.settings = settings
        return True

    def has_controls(self) -> bool:
        """Whether the camera in use takes exposure, focus and the like (a V4L2 camera)."""
        return self._controlled() is not None

    def _controlled(self) -> ControlledSource | None:
        if self.source is None:
            return None
        from hardware.camera_controls import ControlledSource  # loaded: the source came from there

        return self.source if isinstance(self.source, ControlledSource) else None

    def frames_captured(self) -> int:
        """Frames the camera has delivered since it was opened (to measure its frame rate)."""
        return self.service.stats.frames if self.service is not None else 0

    def decode_ms(self) -> float | None:
        """Median time the scanner spent on one of the recent frames, in ms (None: none yet)."""
        times = sorted(self.service.stats.analyse_times) if self.service is not None else []
        return 1e3 * times[len(times) // 2] if times else None

    def open_after_first_paint(self, window: QObject, camera_spec: str | None, base_url: str) -> None:
        """Open the camera once ``window`` has painted its first screen.

        Loading OpenCV and the decoder and starting the device take longer than
        drawing the home screen; the resident sees the kiosk first, and the
        camera joins a moment later (a code typed or scanned meanwhile still works).
        """
        self._pending = (camera_spec, base_url)
        self._first_paint = _FirstPaint(window, lambda: QTimer.singleShot(0, self._open_pending))

    def _open_pending(self) -> None:
        pending, self._pending = self._pending, None
        if pending is None:
            return
        if self.open(*pending) and self._started:
            self._start_service()

    def start(self) -> None:
        self._started = True
        self._start_service()
        self.preview.start()

    def _start_service(self) -> None:
        if self.service is not None:
            self.service.start()
            self._set_status(self.service.status)

    def stop(self) -> None:
        self._started = False
        self._pending = None
        self.preview.stop()
        if self.service is not None:
            self.service.stop()
        self._deliver_guidance(None)
        self._deliver_aim(None)

    @property
    def virtual(self) -> bool:
        """True when the frames come from the virtual camera (the demo can present codes)."""
        return self._virtual_source() is not None

    def _virtual_source(self) -> VirtualCamera | None:
        if self.source is None:
            return None
        from hardware.frames import VirtualCamera  # loaded already: the source came from there

        return self.source if isinstance(self.source, VirtualCamera) else None

    def present(self, payload: str) -> None:
        """Demo: hold ``payload`` in front of the virtual camera for a moment.

        Without a virtual camera the code is delivered as if it had been read,
        so the demo still runs every flow.
        """
        camera = self._virtual_source()
        if camera is not None:
            camera.present(payload)
            self._clear.start(PRESENT_MS)
        else:
            self._raw_code.emit(self.classify(payload))

    def _clear_virtual(self) -> None:
        camera = self._virtual_source()
        if camera is not None:
            camera.clear()

    # -- worker thread side: only emit -------------------------------------------
    def _on_code(self, result: ScanResult) -> None:
        # Kept before the code travels on: the screen that takes the code may ask for it.
        self._sighting = (result.ref, result.frame, result.points)
        self._raw_code.emit(result.ref)  # classified on the scanner's worker already

    def snapshot(self, ref: Scan | None = None) -> tuple[Any, tuple] | None:
        """The camera frame (BGR) where ``ref`` was read and the code's corners in it; for a
        code that came another way (typed, a wedge), the newest frame and no corners.
        None when the camera gives no picture."""
        sighting = self._sighting
        if ref is not None and sighting is not None and sighting[0] == ref and sighting[1] is not None:
            from hardware.frames import EncodedFrame

            frame = sighting[1]
            frame = frame.decode() if isinstance(frame, EncodedFrame) else frame
            if frame is not None:
                return frame, sighting[2]
        if self.service is None or not camera_ok(self.status):
            return None
        got = self.service.latest_frame()
        return (got[1], ()) if got is not None else None

    def _on_status(self, status: str) -> None:
        self._raw_status.emit(str(status))

    def classify(self, payload: str) -> Scan:
        """What a payload is, for this kiosk's labels: the classifier of every input."""
        return codes.classify(payload, self._base_url)

    def inject(self, payload: str) -> None:
        """A code from any other input (keyboard wedge, tests), classified once here, takes
        the same queued path."""
        self._raw_code.emit(self.classify(payload))

    # -- GUI thread side -----------------------------------------------------------
    @Slot(object)
    def _deliver_code(self, ref: Scan) -> None:
        self.code.emit(ref)

    @Slot(object)
    def _deliver_guidance(self, hint: Hint | None) -> None:
        if hint != self.hint:
            self.hint = hint
            self.guidance.emit(hint)

    @Slot(object)
    def _deliver_aim(self, fill: float | None) -> None:
        if fill != self.fill:
            self.fill = fill
            self.aim.emit(fill)

    @Slot(str)
    def _deliver_status(self, status: str) -> None:
        self._set_status(status)

    def _set_status(self, status: str) -> None:
        if status != self.status:
            self.status = status
            self.status_changed.emit(status)

    def _poll_frame(self) -> None:
        if self.service is None:
            return
        got = self.service.latest_frame()
        if got is None:
            return
        n, bgr = got
        if n == self._last_n:
            return
        self._last_n = n
        self.frame.emit(bgr_to_qimage(bgr))


def camera_settings(text: str | None) -> CameraSettings | None:
    """The saved ``camera_controls`` setting as camera controls (empty: 60 Hz, the rest
    automatic); text that does not read leaves them so too, with a warning in the log.
    None when the hardware wing is not installed."""
    try:
        from hardware.camera_controls import CameraSettings
    except ImportError:
        return None
    try:
        return CameraSettings.from_text(text or "")
    except BadInput as exc:
        log.warning("camera controls %r not used: %s", text, exc)
        return CameraSettings()


class _FirstPaint(QObject):
    """Calls ``then()`` once, after the first paint of ``window``."""

    def __init__(self, window: QObject, then: Callable[[], None]) -> None:
        super().__init__(window)
        self.then: Callable[[], None] | None = then
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self.then is not None:
            then, self.then = self.then, None
            watched.removeEventFilter(self)
            then()
        return False


def camera_ok(status: str) -> bool:
    """Whether a status text means frames are arriving."""
    s = status.lower()
    return not any(word in s for word in ("lost", "unavailable", "error", "closed", "retry", "off"))


class WedgeFilter(QObject):
    """Catches a keyboard-wedge scanner's keystrokes and turns a burst into a code."""

    def __init__(self, bridge: ScanBridge, max_interval_s: float = 0.05, min_length: int = 4) -> None:
        super().__init__(bridge)
        from hardware.wedge import WedgeParser

        self.bridge = bridge
        self.parser = WedgeParser(max_interval_s, min_length)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress and not event.isAutoRepeat():
            key = event.key()
            ch = "\n" if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) else event.text()
            if ch:
                code = self.parser.feed(ch, time.monotonic())
                if code:
                    self.bridge.inject(code)
        return False


def install_wedge(window: QObject, bridge: ScanBridge) -> WedgeFilter | None:
    """Install the wedge filter on ``window``; None when the parser is not available."""
    try:
        f = WedgeFilter(bridge)
    except ImportError as exc:
        log.warning("keyboard-wedge scanners are not available (%s)", exc)
        return None
    window.installEventFilter(f)
    return f
