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
