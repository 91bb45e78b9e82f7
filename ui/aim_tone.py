"""The aiming tone: a soft repeating pip while a code is held up but not read yet.

A resident who cannot see the camera's picture needs to know they are close:
while the scanner sees a code-like shape it cannot read, :class:`ToneGuide`
repeats a short pip whose pitch and pace rise as the code fills more of the
camera's view (the scan bridge's ``aim`` signal, see
:class:`hardware.guidance.AimFilter`), in :data:`STEPS` steps. It stops at once
when the code reads (the success chime follows) or is taken away.

It sounds only while voice guidance is on (earphones plugged in, the voice
button, or the keypad): a sighted resident hears no tone. The scanner's advice
("bring it closer", "hold it still", "hold it straight") is said by the voice
guide as it is shown (:meth:`ui.app.KioskWindow.on_guidance`).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from ui.sound import AIM_CUES, Sound

STEPS = len(AIM_CUES)
#: the fill (code side / the view's shorter side) at which each step above the first begins:
#: evenly spaced on a log scale from a code too small to read to the guide frame's size
STEP_FILLS = (0.075, 0.10, 0.135, 0.18)
#: ms between two pips at each step: faster as the code comes closer
STEP_MS = (800, 650, 500, 380, 260)


def step_for(fill: float) -> int:
    """The tone step (0 = far, ``STEPS - 1`` = nearly there) for a fill of the view."""
    return sum(fill >= f for f in STEP_FILLS)


class ToneGuide(QObject):
    """Repeats the aiming pip of the current step through ``sound`` while ``active()``."""

    def __init__(self, sound: Sound, active: Callable[[], bool], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.sound = sound
        self.active = active
        #: the step sounding now (None: silent)
        self.step: int | None = None
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.tick)

    def set_fill(self, fill: float | None) -> None:
        """The scanner's fill changed (None: no code held up, or it was read)."""
        if fill is None or not self.active():
            self.stop()
            return
        step = step_for(fill)
        if step == self.step:
            return
        self.step = step
        self.timer.start(STEP_MS[step])
        self.sound.play(AIM_CUES[step])  # a new step is heard at once

    def tick(self) -> None:
        if self.step is None or not self.active():
            self.stop()
            return
        self.sound.play(AIM_CUES[self.step])

    def stop(self) -> None:
        self.timer.stop()
        self.step = None
