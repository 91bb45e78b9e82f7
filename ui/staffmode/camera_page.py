"""Camera: choose the camera, see what it sees, and how fast it delivers and reads frames.

Tapping a camera switches the scanner to it at once, so the preview and the
figures are the real ones; "Use this camera" keeps it (an event naming the
manager). Leaving the page without saving goes back to the saved camera.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.services.staff import Staff
from ui.scanbridge import camera_ok
from ui.staffmode.base import StaffPage, checked, choice_row
from ui.text import N_, tr
from ui.widgets.camera_view import CameraView
from ui.widgets.common import button, discard, label

#: how often the frame rate is sampled, and over how long it is averaged
SAMPLE_MS = 250
WINDOW_S = 2.0


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
        self.col.addWidget(self.save)
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
        self._list()
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
        self._restart_measure()

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

        def save() -> dict[str, Any]:
            Staff.require(who, "settings")
            return desk.save_settings({"camera_device": spec}, by=who)
        self.run(save, lambda _changed: self._saved(spec))

    def _saved(self, spec: str) -> None:
        self.saved = spec
        if self.ctx.bridge is not None and self.ctx.bridge.spec != spec:
            self.ctx.bridge.switch(spec)
        self.ok(tr(N_("This camera is used from now on.")))
