"""What the kiosk knows about its devices (camera, printer), in one place.

The composition root (``nanum run``) builds one :class:`DeviceStatus`. The
camera's scan service and the printer checks write it; the resident window
reads it (the camera warning in the bar) and the heartbeat reads it, so the
city platform's fleet view shows what the screen shows. Plain Python and a
lock: safe from any thread, no Qt.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

#: what a device's state may be; anything else is kept as "unknown"
DEVICE_STATES = ("ok", "degraded", "missing", "off", "none", "unknown")
#: the devices the kiosk reports
DEVICES = ("camera", "printer")

Listener = Callable[[str, str], None]


def camera_state(status: str) -> str:
    """The device state of a camera status text (the scan service's or the scan bridge's)."""
    s = status.lower()
    if s in ("ok", "running"):
        return "ok"
    if "retry" in s:
        return "degraded"
    if any(word in s for word in ("lost", "unavailable", "error", "closed")):
        return "missing"
    if s in ("off", "stopped"):
        return "off"
    return "unknown"  # starting: not known yet


class DeviceStatus:
    """The camera's and the printer's state, one of :data:`DEVICE_STATES` each.

    Listeners are called after a state changed, on the thread that changed it,
    with the device and its new state.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states = dict.fromkeys(DEVICES, "unknown")
        self._listeners: list[Listener] = []

    @property
    def camera(self) -> str:
        return self.get("camera")

    @property
    def printer(self) -> str:
        return self.get("printer")

    def get(self, device: str) -> str:
        with self._lock:
            return self._states[device]

    def snapshot(self) -> dict[str, str]:
        """Every device's state, copied."""
        with self._lock:
            return dict(self._states)

    def set(self, device: str, state: str) -> bool:
        """Record ``device``'s state; True when it changed (the listeners were told)."""
        if device not in DEVICES:
            raise ValueError(f"unknown device {device!r}")
        state = state if state in DEVICE_STATES else "unknown"
        with self._lock:
            if self._states[device] == state:
                return False
            self._states[device] = state
            listeners = list(self._listeners)
        for listener in listeners:
            listener(device, state)
        return True

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(device, state)`` after each change."""
        with self._lock:
            self._listeners.append(listener)
