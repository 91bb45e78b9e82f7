"""The kiosk as its screens see it: one typed object, built once by the composition root.

``nanum run`` (:func:`ui.app.run_kiosk`) builds a :class:`KioskApp` and hands
it to the resident window, which hands it to staff mode: the services, the
screen settings, the device-status holder, the sync status and the task
runner. Nothing reaches into another widget to find them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kiosk.devices import DeviceStatus
from ui.config import UiConfig
from ui.tasks import TaskRunner, runner

if TYPE_CHECKING:
    from hardware.printing import Printer
    from kiosk.services.core import Kiosk


@dataclass
class KioskApp:
    """What the resident window and staff mode share."""

    #: the services (loans, members, catalogue, settings in the database)
    kiosk: Kiosk
    #: the screen settings in effect (read through the kiosk's settings)
    config: UiConfig
    #: the camera's and the printer's state; the heartbeat reads it too
    devices: DeviceStatus = field(default_factory=DeviceStatus)
    #: receipts, cards, labels and reports go here (None: no printer)
    printer: Printer | None = None
    #: the sync worker's state for the staff dashboard (None: sync not set up)
    sync_status: Callable[[], dict[str, Any]] | None = None
    #: background work: the database lane and the slow lane
    tasks: TaskRunner = field(default_factory=runner)
