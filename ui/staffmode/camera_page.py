"""Camera: choose the camera, see what it sees, and how fast it delivers and reads frames.

Tapping a camera switches the scanner to it at once, so the preview and the
figures are the real ones; "Use this camera" keeps it (an event naming the
manager). Leaving the page without saving goes back to the saved camera.

A V4L2 camera's controls (exposure, mains frequency, focus, white balance)
are chosen the same way: a tap sets the camera at once, so the preview shows
the result; saving keeps them in the ``camera_controls`` setting, and the
camera is set so at every start and each time it comes back.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.services.staff import Staff
from ui.scanbridge import camera_ok, camera_settings
from ui.staffmode.base import StaffPage, checked, choice_row
from ui.text import N_, tr
from ui.widgets.camera_view import CameraView
from ui.widgets.common import button, discard, label

#: how often the frame rate is sampled, and over how long it is averaged
SAMPLE_MS = 250
WINDOW_S = 2.0
#: the choices offered for each control ("auto": the camera's automatic mode)
EXPOSURES_MS = ("4", "8", "16", "33")
POWER_LINES = ("60", "50", "off")
FOCUS_STEPS = ("10", "20", "30", "40", "60", "80")
WHITE_BALANCES_K = ("3000", "4000", "5000", "6500")


def camera_choices() -> list[tuple[str, str]]:
    """(spec, label) for every camera attached, then the automatic choice and the virtual camera."""
    try:
        from hardware.frames import list_cameras
        found = list_cameras()
    except (ImportError, OSError):
        found = []
    out = [(c["device"], f"{c.get('name') or c['device']} ({c['device']})") for c in found]
    out += [("auto", tr(N_("The first camera attached"))), ("virtual", tr(N_("Virtual camera (demo)")))]
    return out


class CameraPage(StaffPage):
    name = "camera"
    permission = "settings"
    title_msgid = N_("Camera")
    #: seconds, monotonic; the frame rate is frames counted over this clock's time
    clock = staticmethod(time.monotonic)

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.view = CameraView()
        self.rate = label(tr(N_("No picture yet.")))
        self.rate.setObjectName("CameraRate")
        self.choices_box: QWidget | None = None
        self.choice: dict[str, Any] = {}
        self.refresh = button(tr(N_("Look for cameras again")), None, "CameraRefresh")
        self.refresh.clicked.connect(self._list)
        self.save = button(tr(N_("Use this camera")), "primary", "CameraSave")
        self.save.clicked.connect(self._save)
        self.left = left = QVBoxLayout()
        left.addWidget(label(tr(N_("Tap a camera to see its picture."))))
        left.addStretch(1)
        left.addWidget(self.refresh)
        right = QVBoxLayout()
        right.addWidget(self.view, 1)
        right.addWidget(self.rate)
        row = QHBoxLayout()
        row.addLayout(left, 2)
        row.addLayout(right, 3)
        self.col.addLayout(row, 1)
        self.controls_box: QWidget | None = None
        self.controls: dict[str, dict[str, Any]] = {}
        self.no_controls = label(tr(N_("This camera has no controls to set here.")), "muted")
        self.no_controls.setObjectName("CameraNoControls")
        self.col.addWidget(self.no_controls)
        self.col.addWidget(self.save)
        #: the controls saved (None: the hardware wing is not there)
        self.saved_controls: Any = None
        self.saved: str | None = None
        self.fps: float | None = None
        self._samples: deque[tuple[float, int]] = deque()
        self.timer = QTimer(self)
        self.timer.setInterval(SAMPLE_MS)
        self.timer.timeout.connect(self._sample)

    # -- showing ----------------------------------------------------------------------------
    def enter(self, **_kw: Any) -> None:
        bridge = self.ctx.bridge
        self.saved = bridge.spec if bridge is not None else None
        self.saved_controls = camera_settings(self.ctx.kiosk.setting("camera_controls"))
        self._list()
        self._show_controls()
        if bridge is not None:
            bridge.frame.connect(self.view.show_frame)
        self._restart_measure()
        self.timer.start()

    def leave(self) -> None:
        self.timer.stop()
        bridge = self.ctx.bridge
        if bridge is None:
            return
        try:
            bridge.frame.disconnect(self.view.show_frame)
        except (RuntimeError, TypeError):
            pass
        if self.saved is not None and bridge.spec != self.saved:
            bridge.switch(self.saved)  # tried but not kept
        if self.saved_controls is not None and bridge.settings != self.saved_controls:
            bridge.change_controls(self.saved_controls)  # tried but not kept

    def _list(self) -> None:
        if self.choices_box is not None:
            discard(self.choices_box)
        options = camera_choices()
        current = self.ctx.bridge.spec if self.ctx.bridge is not None else None
        if current and current not in dict(options):
            options.insert(0, (current, current))  # a file or video named in the configuration
        box, self.choice = choice_row(options, "Camera", vertical=True)
        if current in self.choice:
            self.choice[current].setChecked(True)
        for spec, b in self.choice.items():
            b.clicked.connect(lambda _=False, s=spec: self._try(s))
        self.choices_box = box
        self.left.insertWidget(1, box)

    def _try(self, spec: str) -> None:
        bridge = self.ctx.bridge
        if bridge is None or bridge.spec == spec:
            return
        self.view.clear()
        if not bridge.switch(spec):
            self.fail(tr(N_("This camera cannot be opened. Codes can still be typed.")))
        else:
            self.banner.clear()
        self._show_controls()
        self._restart_measure()

    # -- the camera's controls ------------------------------------------------------------------
    def _show_controls(self) -> None:
        """Choice rows for the controls of a camera that has them, checked as it is set now."""
        if self.controls_box is not None:
            discard(self.controls_box)
            self.controls_box, self.controls = None, {}
        bridge = self.ctx.bridge
        now = bridge.settings if bridge is not None and bridge.has_controls() else None
        self.no_controls.setVisible(now is None)
        if now is None:
            return
        auto = tr(N_("Automatic"))

        def values(current: Any, offered: tuple[str, ...]) -> list[str]:
            text = "auto" if current is None else f"{current:g}" if isinstance(current, float) else str(current)
            return list(offered) if text in offered or text == "auto" else [*offered, text]

        rows = (
            ("exposure", N_("Exposure (short stops the blur of a moving hand)"), "CameraExposure",
             [("auto", auto)] + [(v, f"{v} ms") for v in values(now.exposure_ms, EXPOSURES_MS)],
             "auto" if now.exposure_ms is None else f"{now.exposure_ms:g}"),
            ("power_line", N_("Mains frequency (60 Hz in Korea: no flicker bands)"), "CameraPowerLine",
             [(v, tr(N_("Off")) if v == "off" else auto if v == "auto" else f"{v} Hz")
              for v in values(now.power_line, POWER_LINES)], now.power_line),
            ("focus", N_("Focus (fixed at the label's distance, or automatic)"), "CameraFocus",
             [("auto", auto)] + [(v, v) for v in values(now.focus, FOCUS_STEPS)],
             "auto" if now.focus is None else str(now.focus)),
            ("white_balance", N_("White balance"), "CameraWhiteBalance",
             [("auto", auto)] + [(v, f"{v} K") for v in values(now.white_balance_k, WHITE_BALANCES_K)],
             "auto" if now.white_balance_k is None else str(now.white_balance_k)),
        )
        box = QWidget()
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        for key, title, name, options, current in rows:
            col.addWidget(label(tr(title)))
            row, buttons = choice_row(options, name)
            if current in buttons:
                buttons[current].setChecked(True)
            for b in buttons.values():
                b.clicked.connect(self._preview_controls)
            self.controls[key] = buttons
            col.addWidget(row)
        self.controls_box = box
        self.col.insertWidget(self.col.indexOf(self.no_controls), box)

    def chosen_controls(self) -> Any:
        """The controls the rows say (a ``CameraSettings``), or None without rows."""
        if not self.controls:
            return None
        from hardware.camera_controls import CameraSettings  # there: the rows are shown

        exposure, focus, wb = (checked(self.controls[k]) for k in ("exposure", "focus", "white_balance"))
        return CameraSettings(exposure_ms=None if exposure == "auto" else float(exposure),
                              power_line=checked(self.controls["power_line"]),
                              focus=None if focus == "auto" else int(focus),
                              white_balance_k=None if wb == "auto" else int(wb))

    def _preview_controls(self) -> None:
        bridge, chosen = self.ctx.bridge, self.chosen_controls()
        if bridge is not None and chosen is not None:
            bridge.change_controls(chosen)  # the preview shows it at once; kept only when saved

    # -- measuring ----------------------------------------------------------------------------
    def _restart_measure(self) -> None:
        self._samples.clear()
        self.fps = None
        self.rate.setText(tr(N_("Measuring…")))

    def _sample(self) -> None:
        bridge = self.ctx.bridge
        if bridge is None:
            return
        now = self.clock()
        self._samples.append((now, bridge.frames_captured()))
        while len(self._samples) > 2 and now - self._samples[0][0] > WINDOW_S:
            self._samples.popleft()
        (t0, n0), (t1, n1) = self._samples[0], self._samples[-1]
        if not camera_ok(bridge.status) and n1 == n0:
            self.fps = 0.0
            self.rate.setText(tr(N_("No picture from this camera. Is it plugged in?")))
            return
        if t1 - t0 < 0.9:
            return  # not a second's worth yet
        self.fps = (n1 - n0) / (t1 - t0)
        ms = bridge.decode_ms()
        text = tr(N_("{fps} frames a second"), fps=f"{self.fps:.1f}")
        if ms is not None:
            text += " · " + tr(N_("{ms} ms to look for a code in a frame"), ms=f"{ms:.1f}")
        self.rate.setText(text)

    # -- keeping ------------------------------------------------------------------------------
    def _save(self) -> None:
        desk, who, spec = self.ctx.desk, self.ctx.staff, checked(self.choice)
        controls = self.chosen_controls()
        changes: dict[str, Any] = {"camera_device": spec}
        if controls is not None and controls != self.saved_controls:
            changes["camera_controls"] = controls.to_text()

        def save() -> dict[str, Any]:
            Staff.require(who, "settings")
            return desk.save_settings(changes, by=who)
        self.run(save, lambda _changed: self._saved(spec, controls))

    def _saved(self, spec: str, controls: Any = None) -> None:
        self.saved = spec
        if controls is not None:
            self.saved_controls = controls
        if self.ctx.bridge is not None and self.ctx.bridge.spec != spec:
            self.ctx.bridge.switch(spec)
        self.ok(tr(N_("This camera is used from now on.")))
