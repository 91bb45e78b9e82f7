"""Earphones plugged into the kiosk turn voice guidance on.

A blind resident should not have to find a button first: plugging
earphones into the kiosk's jack is the signal. On Linux the sound card
reports the jack as an input switch (``SW_HEADPHONE_INSERT``) on an event
device; :func:`linux_jack_probe` reads it (the kiosk's user needs read access
to ``/dev/input/event*``, e.g. the ``input`` group). :class:`EarphoneWatcher`
polls a probe on the GUI thread's timer; tests give it their own probe.
"""

from __future__ import annotations

import fcntl
import logging
import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

log = logging.getLogger(__name__)

SW_HEADPHONE_INSERT = 0x02
SW_MAX = 0x10
_IOC_READ = 2


def _eviocgsw(length: int) -> int:
    """The EVIOCGSW(len) ioctl number: read the switch states."""
    return (_IOC_READ << 30) | (length << 16) | (ord("E") << 8) | 0x1B


def jack_devices(devices_file: Path = Path("/proc/bus/input/devices")) -> list[Path]:
    """Event devices that report a headphone jack switch."""
    try:
        text = devices_file.read_text()
    except OSError:
        return []
    found = []
    for block in text.split("\n\n"):
        handlers = re.search(r"^H: Handlers=.*?\b(event\d+)\b", block, re.M)
        switches = re.search(r"^B: SW=([0-9a-f ]+)$", block, re.M)
        if handlers and switches:
            bits = int(switches.group(1).split()[-1], 16)
            if bits & (1 << SW_HEADPHONE_INSERT):
                found.append(Path("/dev/input") / handlers.group(1))
    return found


def linux_jack_probe() -> Callable[[], bool | None] | None:
    """A probe of the first headphone jack found, or None when there is none to read."""
    for device in jack_devices():
        try:
            with device.open("rb"):
                pass
        except OSError as exc:
            log.info("cannot read the headphone jack %s: %s", device, exc)
            continue

        def probe(device: Path = device) -> bool | None:
            buf = bytearray((SW_MAX + 8) // 8)
            try:
                with device.open("rb") as fh:
                    fcntl.ioctl(fh, _eviocgsw(len(buf)), buf, True)
            except OSError:
                return None
            return bool(buf[0] & (1 << SW_HEADPHONE_INSERT))
        return probe
    return None


class EarphoneWatcher(QObject):
    """Emits ``changed(plugged)`` when the probe's answer changes (None: cannot tell)."""

    changed = Signal(bool)

    def __init__(self, probe: Callable[[], bool | None], interval_ms: int = 700,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.probe = probe
        self.plugged: bool | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)

    def start(self) -> None:
        self.check()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def check(self) -> None:
        state = self.probe()
        if state is None or state == self.plugged:
            return
        first = self.plugged is None
        self.plugged = state
        if not (first and not state):  # unplugged at start is no news
            self.changed.emit(state)
