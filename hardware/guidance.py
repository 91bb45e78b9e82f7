"""Guidance while a code is held up but not read: what the resident should change.

The frame analyser reports the symbols it saw but could not read (their size,
slant and blur). :func:`hint_for` turns that into one piece of advice, and
:class:`GuidanceFilter` keeps the screen calm: advice appears only after it has
held for a moment, one message at a time, stays long enough to be read, and
goes as soon as a code is read or nothing is held up any more.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from hardware.pipeline import Sighting
from kiosk.i18n import N_


class Hint(StrEnum):
    """One piece of advice; ``msgid`` is what the screen shows and the voice says."""

    CLOSER = "closer"
    HOLD_STILL = "hold_still"
    STRAIGHTEN = "straighten"

    @property
    def msgid(self) -> str:
        return MESSAGES[self]


MESSAGES = {
    Hint.CLOSER: N_("Bring the label a little closer."),
    Hint.HOLD_STILL: N_("Hold it still for a moment."),
    Hint.STRAIGHTEN: N_("Hold the label straight towards the camera."),
}

#: px: a symbol smaller than this on the frame is too far away to read (about 2.5 px per
#: module for our labels' 29-module codes)
MIN_SIDE_PX = 72.0
#: slant (1 - shortest / longest side of the outline) beyond which the label is tilted too far
#: (about 40 degrees)
MAX_SKEW = 0.25


def hint_for(unread: Sequence[Sighting]) -> Hint | None:
    """The advice for the symbols seen but not read on one frame (the biggest one counts)."""
    if not unread:
        return None
    s = max(unread, key=lambda u: u.side)
    if s.skew is not None and s.skew > MAX_SKEW:
        return Hint.STRAIGHTEN
    if s.blur is not None and s.blur.moving:
        return Hint.HOLD_STILL
    if s.side < MIN_SIDE_PX:
        return Hint.CLOSER
    if s.blur is not None and s.blur.blurred:
        return Hint.HOLD_STILL
    return None


class GuidanceFilter:
    """Turns per-frame hints into calm advice (times in seconds from an injected clock).

    A hint is shown once it has been the hint for ``delay_s`` without a code
    being read; the one shown stays at least ``min_show_s`` before another
    replaces it; it is withdrawn when a code is read, or after ``clear_after_s``
    without any hint.
    """

    def __init__(self, delay_s: float = 0.7, min_show_s: float = 1.5, clear_after_s: float = 0.6) -> None:
        self.delay_s, self.min_show_s, self.clear_after_s = delay_s, min_show_s, clear_after_s
        self.shown: Hint | None = None
        self._shown_at = 0.0
        self._pending: Hint | None = None
        self._since = 0.0
        self._last_hint_t = 0.0

    def update(self, hint: Hint | None, read: bool, t: float) -> bool:
        """One analysed frame; returns True when :attr:`shown` changed."""
        before = self.shown
        if read:
            self.shown, self._pending = None, None
            return before is not None
        if hint is None:
            # A frame or two without a sighting does not restart the wait.
            if t - self._last_hint_t >= self.clear_after_s:
                self.shown, self._pending = None, None
            return self.shown != before
        self._last_hint_t = t
        if hint != self._pending:
            self._pending, self._since = hint, t
        if (hint != self.shown and t - self._since >= self.delay_s
                and (self.shown is None or t - self._shown_at >= self.min_show_s)):
            self.shown, self._shown_at = hint, t
        return self.shown != before

    def reset(self) -> None:
        self.shown, self._pending = None, None


def fill_of(unread: Sequence[Sighting], view_side: float) -> float | None:
    """How much of the camera's view the biggest symbol seen but not read fills: its side over
    the view's shorter side (0 to 1), None when none is seen."""
    if not unread or view_side <= 0:
        return None
    return min(1.0, max(u.side for u in unread) / view_side)


class AimFilter:
    """The fill of a code held up but not read, steadied for an aiming tone (times in seconds).

    Sightings come and go from frame to frame (a symbol zxing found on one frame, a guess at
    a textured region on the next): the fill reported is the largest of the last
    ``window_s``, and it stays through a gap of up to ``clear_after_s`` without any sighting.
    It starts only once symbols have been seen for ``start_after_s`` (one guess at a textured
    spot of an empty scene is not a code held up), and goes at once when a code is read.
    Reported only when it moves by ``step`` or more, so a hand's tremor does not flood the
    screen with changes.
    """

    def __init__(self, window_s: float = 0.4, clear_after_s: float = 0.6, step: float = 0.01,
                 start_after_s: float = 0.4) -> None:
        self.window_s, self.clear_after_s, self.step = window_s, clear_after_s, step
        self.start_after_s = start_after_s
        self.shown: float | None = None
        self._recent: list[tuple[float, float]] = []  # (t, fill)
        self._last_t = 0.0  # when a symbol was last seen
        self._since = -1.0  # when this run of sightings began (-1: none yet)

    def update(self, fill: float | None, read: bool, t: float) -> bool:
        """One analysed frame; returns True when :attr:`shown` changed."""
        before = self.shown
        if read:
            self.reset()
            return before is not None
        if fill is not None:
            if self._since < 0 or not 0 <= t - self._last_t < self.clear_after_s:
                self._since = t  # a new run of sightings
            self._recent.append((t, fill))
            self._last_t = t
        elif before is not None and t - self._last_t < self.clear_after_s:
            return False  # a frame or two without a sighting: the tone goes on as it was
        self._recent = [(s, f) for s, f in self._recent if 0 <= t - s <= self.window_s]
        if not self._recent:
            self.shown = None
            return before is not None
        if before is None and t - self._since < self.start_after_s:
            return False  # a moment's guess at a textured spot is not a code held up
        now = max(f for _s, f in self._recent)
        if before is None or abs(now - before) >= self.step:
            self.shown = now
        return self.shown != before

    def reset(self) -> None:
        self.shown = None
        self._recent.clear()
        self._since = -1.0
