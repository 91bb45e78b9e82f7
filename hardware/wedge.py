"""Keyboard-wedge scanners: USB barcode scanners that type the code and Enter.

A scanner types a whole code within a few tens of milliseconds; a person
takes well over 50 ms per key. :class:`WedgeParser` watches key timings and
reports only scanner bursts, so the UI can install it as a key filter and
still let people type.
"""

from __future__ import annotations

ENTER = ("\r", "\n")


class WedgeParser:
    """Tells scanner bursts from human typing by the time between keys.

    Feed every typed character with its timestamp (seconds, any monotonic
    clock). A burst is reported when Enter ends a run of at least
    ``min_length`` characters whose keys (Enter included) all came within
    ``max_interval_s`` of each other.
    """

    def __init__(self, max_interval_s: float = 0.05, min_length: int = 4) -> None:
        self.max_interval_s = max_interval_s
        self.min_length = min_length
        self.reset()

    def reset(self) -> None:
        """Forget any partial burst (e.g. when the screen changes)."""
        self._chars: list[str] = []
        self._last: float | None = None

    @property
    def pending(self) -> str:
        """Characters of the burst in progress (empty when none)."""
        return "".join(self._chars)

    def in_burst(self, t: float) -> bool:
        """True while a burst may be in progress at time ``t`` (keys just came fast)."""
        return bool(self._chars) and self._last is not None and t - self._last <= self.max_interval_s

    def feed(self, char: str, t: float) -> str | None:
        """Take one key; returns the scanned text when this Enter completes a burst."""
        if not char:
            return None
        fast = self._last is not None and 0 <= t - self._last <= self.max_interval_s
        if char in ENTER:
            text = "".join(self._chars)
            complete = fast and len(text) >= self.min_length
            self.reset()
            return text if complete else None
        if len(char) != 1 or not char.isprintable():
            self.reset()  # arrows, function keys...: not from a scanner burst
            return None
        if not fast:
            self._chars = []  # a pause: whatever came before was typed by hand
        self._chars.append(char)
        self._last = t
        return None
