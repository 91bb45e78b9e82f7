"""The kiosk UI's options, declared once with defaults (read from settings).

Settings (``kiosk.set_setting``; all optional):

``ui_panel_dpi``       the panel's pixel density (default 102: a 21.5" 1080p panel)
``ui_idle_quiet_s``    seconds without a touch before the warning (default 60)
``ui_idle_warning_s``  seconds the warning counts down (default 20, at least 20)
``ui_thanks_s``        seconds the thank-you screen stays (default 6)
``ui_language``        the language a session starts in (default ko)
``ui_receipt_qr``      offer a receipt as a QR code (default true)
``printer``            receipt printer: "lp", "lp:NAME", "pdf:DIR" or "none" (default: lp when CUPS is present)
``ui_panel_mount_cm``  height above the floor of the bottom edge of the screen's picture, in cm
                       (default 100); with the panel's height it says which part of the screen
                       a seated resident or a child can reach (at most 120 cm above the floor):
                       the low-reach layout keeps every control below that line
``ui_panel_height_cm`` height of the screen's picture in cm (default 0: worked out from the
                       window's height in pixels and ``ui_panel_dpi``)
``ui_earphone_voice``  turn voice guidance on when earphones are plugged in (default true)
``staff_pin_hash``     hash of the staff PIN that unlocks leaving the kiosk, made by
                       ``kiosk.secrets_hash.hash_pin("...")``; without it the kiosk cannot be left
                       from the screen (stop the service instead)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from kiosk.i18n import DEFAULT_LANGUAGE, LANGUAGES
from ui.theme import DEFAULT_DPI

MIN_WARNING_S = 20
#: the highest point a control may be for a resident in a wheelchair or a child (KS X 9211, ADA 707)
MAX_REACH_CM = 120.0


@dataclass(frozen=True)
class UiConfig:
    dpi: float = DEFAULT_DPI
    idle_quiet_ms: int = 60_000
    idle_warning_ms: int = 20_000
    thanks_ms: int = 6_000
    language: str = DEFAULT_LANGUAGE
    receipt_qr: bool = True
    printer: str | None = None
    staff_pin_hash: str | None = None
    site_name: str = ""
    panel_mount_cm: float = 100.0
    panel_height_cm: float = 0.0
    earphone_voice: bool = True

    @classmethod
    def from_settings(cls, setting) -> UiConfig:
        """Build from ``kiosk.setting`` (a callable ``(key, default) -> value``).

        A configured warning shorter than 20 s is raised to 20 s: residents
        need time to notice and answer it.
        """
        def num(key: str, default: float, lo: float, hi: float) -> float:
            value: Any = setting(key, default)
            try:
                return min(hi, max(lo, float(value)))
            except (TypeError, ValueError):
                return default
        lang = setting("ui_language", DEFAULT_LANGUAGE)
        return cls(dpi=num("ui_panel_dpi", DEFAULT_DPI, 50, 600),
                   idle_quiet_ms=int(num("ui_idle_quiet_s", 60, 10, 3600) * 1000),
                   idle_warning_ms=int(num("ui_idle_warning_s", 20, MIN_WARNING_S, 300) * 1000),
                   thanks_ms=int(num("ui_thanks_s", 6, 2, 60) * 1000),
                   language=lang if lang in LANGUAGES else DEFAULT_LANGUAGE,
                   receipt_qr=bool(setting("ui_receipt_qr", True)),
                   printer=setting("printer", None),
                   staff_pin_hash=setting("staff_pin_hash", None),
                   site_name=str(setting("site_name", "") or ""),
                   panel_mount_cm=num("ui_panel_mount_cm", 100.0, 0, 250),
                   panel_height_cm=num("ui_panel_height_cm", 0.0, 0, 300),
                   earphone_voice=bool(setting("ui_earphone_voice", True)))

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
