"""Idle reset: nobody touched the kiosk for a while, so end the session.

After ``quiet_ms`` without a touch, key or scan, a warning counts down
``warning_ms`` (20 s by default, never less) with a "more time" button that
can be used as often as needed; the warning is shown and spoken. When it
reaches zero the window ends the session. The timers run in the GUI event loop, so
they fire whatever is open, dialogs included.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QElapsedTimer, QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from ui.text import N_, tr
from ui.widgets.common import qapp
from ui.widgets.host import WindowHost
from ui.widgets.overlay import Overlay

_INPUT_EVENTS = frozenset({QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin,
                           QEvent.Type.KeyPress, QEvent.Type.Wheel})


class IdleWarning(Overlay):
    """The countdown before the session ends."""

    def __init__(self, host: QWidget) -> None:
        super().__init__(host, "IdleWarning")
        self.more = self.add_button("", "more", "primary")
        self.end_now = self.add_button("", "end")

    def update_text(self, seconds: int) -> None:
        self.title.setText(tr(N_("Are you still there?")))
        self.message.setText(tr(N_("To keep your details private, this screen will reset in {seconds} seconds."),
                                seconds=seconds))
        self.more.setText(tr(N_("More time")))
        self.end_now.setText(tr(N_("Finish now")))


class IdleWatcher(QObject):
    """Watches for input everywhere in the application and warns before resetting."""

    warned = Signal()
    #: the countdown reached zero (or the resident chose to finish)
    expired = Signal()

    def __init__(self, host: QWidget, quiet_ms: int, warning_ms: int, is_pristine, sound=None,
                 voice=None) -> None:
        super().__init__(host)
        self.host = host
        self.voice = voice
        #: how many times "more time" was asked for in this session (no limit)
        self.extensions = 0
        self.quiet_ms, self.warning_ms = quiet_ms, warning_ms
        self.is_pristine = is_pristine
        self.sound = sound
        self.warning: IdleWarning | None = None
        self.quiet = QTimer(self)
        self.quiet.setSingleShot(True)
        self.quiet.timeout.connect(self._quiet_elapsed)
        self.tick = QTimer(self)
        self.tick.setInterval(max(50, min(1000, warning_ms // 4)))
        self.tick.timeout.connect(self._tick)
        self.clock = QElapsedTimer()
        qapp().installEventFilter(self)

    def start(self) -> None:
        self.quiet.start(self.quiet_ms)

    def stop(self) -> None:
        self.quiet.stop()
        self.tick.stop()
        qapp().removeEventFilter(self)

    def poke(self) -> None:
        """Someone is here: restart the quiet time (the open warning needs its own button)."""
        if self.warning is None:
            self.quiet.start(self.quiet_ms)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT_EVENTS:
            self.poke()
        return False

    @property
    def remaining_s(self) -> int:
        return max(0, math.ceil((self.warning_ms - self.clock.elapsed()) / 1000))

    def _quiet_elapsed(self) -> None:
        if self.is_pristine():
            self.quiet.start(self.quiet_ms)
            return
        self.warning = IdleWarning(self.host)
        self.warning.closed.connect(self._warning_closed)
        self.clock.start()
        self.warning.update_text(self.remaining_s)
        self.warning.open()
        self.tick.start()
        if self.sound is not None:
            self.sound.play("warning")
        if self.voice is not None and not self.voice.on:
            # Spoken even with voice guidance off (with it on, opening the warning said it):
            # whoever cannot see the warning hears it.
            guide = self.host.guide_text() if isinstance(self.host, WindowHost) else ""
            self.voice.speak(guide or " ".join(self.warning.prompt()), force=True)
        self.warned.emit()

    def _tick(self) -> None:
        if self.warning is None:
            self.tick.stop()
            return
        if self.clock.elapsed() >= self.warning_ms:
            self.tick.stop()
            self.warning.finish("timeout")
            return
        self.warning.update_text(self.remaining_s)

    def _warning_closed(self, result: str) -> None:
        self.warning = None
        self.tick.stop()
        if result == "more":
            self.extensions += 1
            self.quiet.start(self.quiet_ms)
        elif result in ("timeout", "end"):
            self.extensions = 0
            self.expired.emit()
        else:  # closed by the window during a reset
            self.extensions = 0
            self.quiet.start(self.quiet_ms)

    def retranslate(self) -> None:
        if self.warning is not None:
            self.warning.update_text(self.remaining_s)
