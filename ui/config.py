"""The kiosk UI's options, read from the settings declared in :mod:`kiosk.settings`.

Each ``ui_*`` setting, the printer, the staff PIN hash and the centre's name are
declared there once (type, default, range, where they may come from) and listed
in docs/settings.md. ``UiConfig`` is what the window uses of them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kiosk import settings

#: the shortest idle warning: residents need time to notice and answer it
MIN_WARNING_S = int(settings.spec("ui_idle_warning_s").low or 20)
#: the highest point a control may be for a resident in a wheelchair or a child (KS X 9211, ADA 707)
MAX_REACH_CM = 120.0

_d = settings.default


@dataclass(frozen=True)
class UiConfig:
    dpi: float = _d("ui_panel_dpi")
    idle_quiet_ms: int = _d("ui_idle_quiet_s") * 1000
    idle_warning_ms: int = _d("ui_idle_warning_s") * 1000
    thanks_ms: int = _d("ui_thanks_s") * 1000
    language: str = _d("ui_language")
    receipt_qr: bool = _d("ui_receipt_qr")
    printer: str | None = _d("printer")
    site_name: str = _d("site_name")
    panel_mount_cm: float = _d("ui_panel_mount_cm")
    panel_height_cm: float = _d("ui_panel_height_cm")
    earphone_voice: bool = _d("ui_earphone_voice")
    #: the keypad's key map (kiosk.keymap; empty: keypad operation off)
    keypad_keys: str = _d("keypad_keys")

    @classmethod
    def from_settings(cls, setting: Callable[[str, Any], Any]) -> UiConfig:
        """Build from ``kiosk.setting`` (a callable ``(key, default) -> value``).

        Each value is read as a stored one (:func:`kiosk.settings.read`): a number
        out of range is brought inside it (a configured warning shorter than 20 s
        is raised to 20 s), a value that does not fit gives the default.
        """
        def get(key: str) -> Any:
            return settings.read(key, setting(key, settings.default(key)))
        return cls(dpi=get("ui_panel_dpi"),
                   idle_quiet_ms=get("ui_idle_quiet_s") * 1000,
                   idle_warning_ms=get("ui_idle_warning_s") * 1000,
                   thanks_ms=get("ui_thanks_s") * 1000,
                   language=get("ui_language"),
                   receipt_qr=get("ui_receipt_qr"),
                   printer=get("printer"),
                   site_name=get("site_name"),
                   panel_mount_cm=get("ui_panel_mount_cm"),
                   panel_height_cm=get("ui_panel_height_cm"),
                   earphone_voice=get("ui_earphone_voice"),
                   keypad_keys=get("keypad_keys"))

    def panel_cm(self, height_px: int) -> float:
        """The height of the screen's picture in cm (configured, or from pixels and DPI)."""
        return self.panel_height_cm or height_px / self.dpi * 2.54

    def reach_line(self, height_px: int) -> int:
        """Pixels from the top of a ``height_px`` screen that are above 120 cm (0: all in reach)."""
        height_cm = self.panel_cm(height_px)
        over = self.panel_mount_cm + height_cm - MAX_REACH_CM
        if over <= 0 or height_cm <= 0:
            return 0
        return min(height_px, math.ceil(over / height_cm * height_px))

    def height_cm_at(self, y_px: int, height_px: int) -> float:
        """How high above the floor a point ``y_px`` from the top of the screen is."""
        height_cm = self.panel_cm(height_px)
        return self.panel_mount_cm + height_cm * (1 - y_px / max(1, height_px))
