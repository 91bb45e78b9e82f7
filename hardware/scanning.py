"""The scan service: camera frames in, classified codes out, once per presentation.

Capture runs in its own thread and hands on only the newest frame (a slow
decode drops frames instead of queueing them); decoding runs in a worker
thread through :class:`~hardware.pipeline.FrameAnalyser` (ROI tracking, retries,
unchanged-frame skipping). Callbacks come from these threads; the UI marshals
them to its GUI thread.

Camera loss: when the source stops giving frames the status turns ``"lost"``
and the source is reopened with a backoff capped at one second, so a camera
plugged back in is delivering frames again well within three seconds.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import cv2
import numpy as np

from hardware.decoders import Decoder, make_decoder
from hardware.frames import EncodedFrame, Frame, FrameSource
from hardware.guidance import AimFilter, GuidanceFilter, Hint, fill_of, hint_for
from hardware.pipeline import Analysis, FrameAnalyser
from kiosk import codes as kc

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScanResult:
    """A code read from the camera, a wedge scanner or typed on screen.

    ``ref`` is what it is, classified once by :func:`kiosk.codes.classify`:
    an item (our label, a bare item code or a legacy alias), a member card, or
    an :class:`~kiosk.codes.Unreadable` code carrying its refusal. ``text`` is
    the payload as read.
    """

    text: str
    ref: kc.Scan
    source: str = "camera"
    #: the camera frame the code was read in and the code's corners in it (a return keeps
    #: a condition photo of the item from them); None and () for other inputs
    frame: Frame | None = field(default=None, repr=False, compare=False)
    points: tuple = field(default=(), repr=False, compare=False)

    @property
    def kind(self) -> str:
        """``"item"``, ``"card"`` or ``"foreign"`` (damaged codes of ours keep their kind)."""
        if isinstance(self.ref, kc.Unreadable):
            return self.ref.looks_like
        return "card" if isinstance(self.ref, kc.CardRef) else "item"

    @property
    def code(self) -> str | None:
        """The item code (``T-00042``), the alias text or the card payload; None when unreadable."""
        ref = self.ref
        if isinstance(ref, kc.ItemRef):
            return ref.code
        if isinstance(ref, kc.AliasRef):
            return ref.text
        if isinstance(ref, kc.CardRef):
            return kc.card_payload(ref.token)
        return None


def classify(text: str, base_url: str | None = None, source: str = "camera",
             extra_bases: tuple[str, ...] = ()) -> ScanResult:
    """What a payload is, by :func:`kiosk.codes.classify`. Never raises."""
    ref = kc.classify(text, base_url or kc.DEFAULT_BASE_URL, extra_bases)
    return ScanResult(text if isinstance(text, str) else str(text), ref, source)


class PresenceFilter:
    """Reports a code once per presentation.

    A code seen again is not reported until it has been out of view for
    ``gone_after_s`` or ``repeat_after_s`` have passed since it was reported
    (None: only leaving the view re-arms it).
    """

    def __init__(self, gone_after_s: float = 0.5, repeat_after_s: float | None = 2.0) -> None:
        self.gone_after_s = gone_after_s
        self.repeat_after_s = repeat_after_s
        self._seen: dict[str, list[float]] = {}  # text -> [last seen, last reported]

    def update(self, texts: Iterable[str], t: float) -> list[str]:
        """The texts seen at time ``t``; returns those to report now."""
        out = []
        for text in dict.fromkeys(texts):
            st = self._seen.get(text)
            if (st is None or t - st[0] > self.gone_after_s
                    or (self.repeat_after_s is not None and t - st[1] >= self.repeat_after_s)):
                out.append(text)
                st = self._seen[text] = [t, t]
            st[0] = t
        if len(self._seen) > 32:
            horizon = max(self.gone_after_s, self.repeat_after_s or 0.0)
            self._seen = {k: v for k, v in self._seen.items() if t - v[0] <= horizon}
        return out

    def in_view(self, t: float) -> list[str]:
        """Codes seen within the last ``gone_after_s``."""
        return [k for k, v in self._seen.items() if t - v[0] <= self.gone_after_s]

    def reset(self) -> None:
        self._seen.clear()


@dataclass
class ScanStats:
    """Counters of a running service.

    ``frames`` captured; ``decoded``: frames run through the decoder;
    ``skipped``: frames not decoded because nothing changed; ``dropped``:
    frames replaced by a newer one before the worker took them.
    """

    frames: int = 0
    decoded: int = 0
    skipped: int = 0
    dropped: int = 0
    reported: int = 0
    reconnects: int = 0
    #: frame captured -> code reported, seconds (recent reports)
    latencies: deque = field(default_factory=lambda: deque(maxlen=512))
    #: time spent analysing a frame, seconds (recent frames)
    analyse_times: deque = field(default_factory=lambda: deque(maxlen=512))


class ScanService:
    """Reads codes from a frame source in the background."""

    def __init__(self, source: FrameSource, decoder: Decoder | None = None, *,
                 on_code: Callable[[ScanResult], None],
                 on_status: Callable[[str], None] | None = None,
                 base_url: str | None = None, gone_after_s: float = 0.5,
                 repeat_after_s: float | None = 2.0, lost_after_s: float = 1.0,
                 max_backoff_s: float = 1.0, clock: Callable[[], float] = time.monotonic,
                 on_guidance: Callable[[Hint | None], None] | None = None,
                 on_aim: Callable[[float | None], None] | None = None) -> None:
        self.source = source
        #: seconds: frames are stamped with it, presentations and camera loss timed by it
        self.clock = clock
        self.decoder = decoder or make_decoder("zxing")
        self.on_code = on_code
        self.on_status = on_status
        self.base_url = base_url
        self.lost_after_s = lost_after_s
        self.max_backoff_s = max_backoff_s
        self.analyser = FrameAnalyser(self.decoder)
        self.presence = PresenceFilter(gone_after_s, repeat_after_s)
        #: advice while a code is held up but not read (None: withdrawn), from the worker thread
        self.on_guidance = on_guidance
        self.guidance = GuidanceFilter()
        #: how much of the view a code held up but not read fills (0 to 1; None: none or read),
        #: for an aiming tone, from the worker thread
        self.on_aim = on_aim
        self.aim = AimFilter()
        self._view = 0  # px, the shorter side of the frames analysed
        self.stats = ScanStats()
        self.status = "stopped"
        self._cond = threading.Condition()
        self._frame: tuple[int, Frame, float] | None = None
        self._taken = 0
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._status_lock = threading.Lock()
        self._last_frame_t = 0.0
        self._reset_analyser = False
        #: while nothing moves, look at one compressed frame in this many
        self.idle_check_every = 3
        self._enc_size, self._enc_unseen = 0, 0

    # -- control ----------------------------------------------------------------
    def start(self) -> None:
        """Start capturing and decoding (no-op when running)."""
        if self._threads:
            return
        self._stop = stop = threading.Event()  # a fresh one: an old thread stuck in read() keeps its own
        self.analyser.reset()
        self.presence.reset()
        self.guidance.reset()
        self.aim.reset()
        self._set_status("starting")
        self._threads = [threading.Thread(target=self._capture_loop, args=(stop,), name="scan-capture",
                                          daemon=True),
                         threading.Thread(target=self._decode_loop, args=(stop,), name="scan-decode",
                                          daemon=True)]
        for th in self._threads:
            th.start()

    def stop(self, timeout: float = 3.0) -> None:
        """Stop both threads and release the source."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        for th in self._threads:
            th.join(timeout)
        # The capture thread closes the source as it ends; one still stuck in a
        # driver's read() closes it when that returns (closing under it could crash).
        if any(th.is_alive() for th in self._threads):
            log.warning("camera %s did not stop within %.0f s", self.source.name, timeout)
        self._threads = []
        self.status = "stopped"

    @property
    def running(self) -> bool:
        return bool(self._threads)

    def latest_frame(self) -> tuple[int, np.ndarray] | None:
        """The newest frame and its number, for the preview (do not modify it)."""
        f = self._frame
        if not f:
            return None
        frame = f[1].decode() if isinstance(f[1], EncodedFrame) else f[1]
        return (f[0], frame) if frame is not None else None

    def _analyse_encoded(self, frame: EncodedFrame) -> Analysis | None:
        """A compressed frame: the motion check on an eighth-scale decode, the full decode only
        when the frame is analysed. None for a frame that is not a picture."""
        # Even a reduced decode reads every coefficient of the picture; while the
        # scene is still, a frame whose compressed size has not changed (a code
        # coming into view changes it by a tenth, sensor noise by under 0.5%)
        # is looked at only every ``idle_check_every``-th time.
        size = frame.data.size
        if (self.analyser.settled and abs(size - self._enc_size) < 0.02 * self._enc_size
                and self._enc_unseen < self.idle_check_every - 1):
            self._enc_unseen += 1
            return self.analyser.repeat()
        self._enc_size, self._enc_unseen = size, 0
        small = frame.reduced_gray()
        if small is None:
            return None
        h, w = small.shape[:2]
        self._view = 8 * min(h, w)
        thumb = cv2.resize(small, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA)

        def full() -> np.ndarray:
            img = frame.decode()
            return img if img is not None else cv2.resize(small, (w * 8, h * 8))

        return self.analyser.analyse_thumb(thumb, full)

    # -- threads ----------------------------------------------------------------
    def _set_status(self, status: str) -> None:
        with self._status_lock:
            if status == self.status:
                return
            self.status = status
        log.info("camera %s: %s", self.source.name, status)
        if self.on_status is not None:
            try:
                self.on_status(status)
            except Exception:
                log.exception("status callback failed")

    def _capture_loop(self, stop: threading.Event) -> None:
        opened = False
        backoff = 0.1
        last_ok = self.clock()
        while not stop.is_set():
            if not opened:
                try:
                    self.source.open()
                    opened = True
                    last_ok = self.clock()
                except Exception as exc:  # a missing device is expected here
                    log.debug("open %s: %s", self.source.name, exc)
                    self._set_status("lost")
                    stop.wait(backoff)
                    backoff = min(backoff * 2, self.max_backoff_s)
                    continue
            try:
                frame = self.source.read()
            except Exception as exc:
                log.debug("read %s: %s", self.source.name, exc)
                frame = None
            if stop.is_set():
                break
            now = self.clock()
            if frame is None:
                if now - last_ok > self.lost_after_s:
                    self._set_status("lost")
                    self.stats.reconnects += 1
                    try:
                        self.source.close()
                    except Exception:
                        log.exception("closing %s", self.source)
                    opened = False
                    backoff = 0.1
                else:
                    stop.wait(0.02)  # a source failing fast must not spin a core
                continue
            last_ok = self._last_frame_t = now
            backoff = 0.1
            with self._cond:
                n = self.stats.frames = self.stats.frames + 1
                if self._frame is not None and self._frame[0] > self._taken:
                    self.stats.dropped += 1
                self._frame = (n, frame, now)
                self._cond.notify()
            if self.status != "ok":
                self._set_status("ok")
                self._reset_analyser = True  # the camera may have moved while it was away
        try:
            self.source.close()
        except Exception:
            log.exception("closing %s", self.source)

    def _decode_loop(self, stop: threading.Event) -> None:
        while not stop.is_set():
            with self._cond:
                while not stop.is_set() and (self._frame is None or self._frame[0] <= self._taken):
                    self._cond.wait(0.25)
                    # Some drivers block in read() for seconds after an unplug:
                    # say so now, the capture thread reopens when read() returns.
                    if self.status == "ok" and self.clock() - self._last_frame_t > self.lost_after_s:
                        self._set_status("lost")
                if stop.is_set():
                    return
                assert self._frame is not None  # the wait above ends with a newer frame
                n, frame, t_in = self._frame
                self._taken = n
            if self._reset_analyser:
                self._reset_analyser = False
                self.analyser.reset()
            try:
                self.process(frame, t_in)
            except Exception:  # one bad frame must not end scanning
                log.exception("scan pipeline failed on frame %d", n)

    def process(self, frame: Frame, t_in: float | None = None) -> list[ScanResult]:
        """Analyse one frame and report new codes (the worker calls this; tests may too)."""
        t0 = time.monotonic()  # the analysis's own duration is measured on the real clock
        t_in = self.clock() if t_in is None else t_in
        if isinstance(frame, EncodedFrame):
            res = self._analyse_encoded(frame)
            if res is None:
                return []
        else:
            self._view = min(frame.shape[:2])
            res = self.analyser.analyse(frame)
        if self.on_aim is not None and not res.skipped:
            # Before the code is reported: the tone stops before the chime sounds.
            if self.aim.update(fill_of(res.unread, self._view), bool(res.codes), t_in):
                try:
                    self.on_aim(self.aim.shown)
                except Exception:
                    log.exception("aim callback failed")
        if self.on_guidance is not None and not res.skipped:
            if self.guidance.update(hint_for(res.unread), bool(res.codes), t_in):
                try:
                    self.on_guidance(self.guidance.shown)
                except Exception:
                    log.exception("guidance callback failed")
        st = self.stats
        if res.skipped:
            st.skipped += 1
        else:
            st.decoded += 1
        st.analyse_times.append(time.monotonic() - t0)
        results = []
        corners = {d.text: d.points for d in res.codes}
        for text in self.presence.update((d.text for d in res.codes), t_in):
            result = classify(text, self.base_url, "camera")
            result = dataclasses.replace(result, frame=frame, points=tuple(corners.get(text, ())))
            results.append(result)
            st.reported += 1
            try:
                self.on_code(result)
            except Exception:
                log.exception("code callback failed")
            st.latencies.append(self.clock() - t_in)
        return results
