"""After an unhandled error: a calm "please ask staff" screen, then a clean restart.

:class:`KioskGuard` is installed by ``nanum run`` around the kiosk window. It
writes a crash file and the log for any uncaught exception (via
:class:`kiosk.runtime.CrashReporter`, with faulthandler for native crashes),
covers the kiosk with :class:`CrashScreen` -- nothing half-done stays on
screen -- and after a few seconds leaves the event loop with
:data:`EXIT_CODE`, so the service manager starts a fresh kiosk
(``Restart=always``). It also feeds systemd's watchdog from the GUI thread:
a frozen event loop stops the feeding and systemd restarts the kiosk.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication, QFrame, QLabel, QVBoxLayout, QWidget

from kiosk.i18n import current_language, translate
from kiosk.runtime import CrashReporter, Watchdog
from ui.text import N_

log = logging.getLogger(__name__)

RESTART_AFTER_MS = 12_000  # long enough to read the screen, short enough that nobody walks away
EXIT_CODE = 70  # EX_SOFTWARE: the service manager restarts the kiosk on any exit

HEADING = N_("Sorry, something went wrong.")
BODY = N_("Please ask a staff member for help. Your loans are safe. "
          "The kiosk will start again by itself in a moment.")
REFERENCE = N_("Reference for staff: {reference}")

# The default palette's calm colours, fixed here so the screen needs no theme code.
_BG, _SURFACE, _TEXT, _MUTED, _ACCENT = "#F4F2EC", "#FFFFFF", "#1A1A1A", "#474747", "#0A58A8"


class CrashScreen(QWidget):
    """The screen a resident sees after an error: what happened, what to do, in plain words.

    Shown in the session's language with the other of Korean and English
    beneath, and a short reference staff can find in the crash files.
    """

    def __init__(self, reference: str = "", lang: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CrashScreen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.lang = lang or current_language()
        other = "en" if self.lang != "en" else "ko"
        family = _font_family(self.lang)
        self.setStyleSheet(
            f"#CrashScreen {{ background: {_BG}; }}"
            f"#CrashPanel {{ background: {_SURFACE}; border: 3px solid {_ACCENT}; border-radius: 24px; }}"
            f"QLabel {{ color: {_TEXT}; font-family: {family}; }}"
            f"#CrashOther, #CrashReference {{ color: {_MUTED}; }}")
        panel = QFrame()
        panel.setObjectName("CrashPanel")
        self.heading = self._label("CrashHeading", translate(HEADING, self.lang), bold=True)
        self.body = self._label("CrashBody", translate(BODY, self.lang))
        self.other = self._label("CrashOther", translate(HEADING, other) + " " + translate(BODY, other))
        self.reference = self._label("CrashReference",
                                     translate(REFERENCE, self.lang, reference=reference) if reference else "")
        inner = QVBoxLayout(panel)
        inner.setContentsMargins(64, 56, 64, 56)
        inner.setSpacing(28)
        for w in (self.heading, self.body, self.other, self.reference):
            inner.addWidget(w)
        # No alignment flag on the panel: an aligned widget loses height-for-width,
        # and wrapped lines would be cut. Side margins centre it instead.
        self._outer = QVBoxLayout(self)
        self._outer.addStretch(1)
        self._outer.addWidget(panel)
        self._outer.addStretch(1)
        self._fit()

    @staticmethod
    def _label(name: str, text: str, bold: bool = False) -> QLabel:
        lab = QLabel(text)
        lab.setObjectName(name)
        lab.setWordWrap(True)
        lab.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        if bold:
            f = lab.font()
            f.setBold(True)
            lab.setFont(f)
        return lab

    def _fit(self) -> None:
        """Text sizes follow the screen so the message reads from a step away."""
        w = max(self.width(), 640)
        h = max(min(self.height(), int(w * 0.8)), 480)  # a portrait panel sizes text by its width
        for lab, share in ((self.heading, 16), (self.body, 30), (self.other, 42), (self.reference, 54)):
            f = lab.font()
            f.setPixelSize(max(14, h // share))
            lab.setFont(f)
        side = int(w * 0.15)
        self._outer.setContentsMargins(side, 0, side, 0)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def keyPressEvent(self, event) -> None:
        event.ignore()  # nothing to do here but wait for the restart


def _font_family(lang: str = "ko") -> str:
    """The style sheet's font families for ``lang`` (Chinese and Vietnamese have their own first)."""
    try:
        from ui.assets import font_families, register_fonts

        register_fonts()
        return ", ".join(f"'{f}'" for f in font_families(lang))
    except Exception:  # a missing font must not stop the crash screen itself
        log.exception("bundled font unavailable for the crash screen")
        return "sans-serif"


class KioskGuard(QObject):
    """Crash files, the crash screen and the systemd watchdog for a running kiosk."""

    #: emitted with the crash file's path; queued to the GUI thread when raised elsewhere
    crashed = Signal(str)

    def __init__(self, data_dir: str | Path, *, watchdog: Watchdog | None = None,
                 restart_after_ms: int = RESTART_AFTER_MS, exit_code: int = EXIT_CODE,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.reporter = CrashReporter(data_dir, on_crash=lambda path: self.crashed.emit(str(path)))
        self.watchdog = watchdog or Watchdog()
        self.restart_after_ms = restart_after_ms
        self.exit_code = exit_code
        self.screen: CrashScreen | None = None
        self.crashed.connect(self.show_crash_screen)
        self._feeder = QTimer(self)
        self._feeder.timeout.connect(self.feed)

    def install(self) -> KioskGuard:
        """Take over the exception hooks and start feeding the watchdog.

        READY=1 goes out on the event loop's first turn, when the kiosk window
        is up; then the GUI thread feeds the watchdog at half its timeout.
        """
        self.reporter.install()
        if self.watchdog.enabled:
            if self.watchdog.interval_s:
                self._feeder.start(max(50, int(self.watchdog.interval_s * 1000)))
            QTimer.singleShot(0, self._ready)
        return self

    def uninstall(self) -> None:
        self._feeder.stop()
        self.reporter.uninstall()

    def _ready(self) -> None:
        self.watchdog.ready()
        self.watchdog.status("running")
        self.feed()

    @Slot()
    def feed(self) -> None:
        self.watchdog.feed()

    @Slot(str)
    def show_crash_screen(self, crash_file: str) -> None:
        """Cover everything with the crash screen (once) and schedule the restart."""
        if self.screen is not None:
            return  # one calm screen, however many errors follow
        from ui.app import KioskWindow

        for w in QApplication.topLevelWidgets():
            if w.isVisible() and isinstance(w, KioskWindow):
                w.setEnabled(False)  # no half-finished flow stays touchable under the screen
        # the crash file's time to the second: short to read out, enough to find the file
        self.screen = CrashScreen(Path(crash_file).stem.removeprefix("crash-")[:15])
        self.screen.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        self.screen.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
        primary = QApplication.primaryScreen()
        if primary is not None:
            self.screen.setGeometry(primary.geometry())
        self.screen.showFullScreen()
        self.screen.raise_()
        self.watchdog.status("crashed; restarting")
        QTimer.singleShot(self.restart_after_ms, self.restart)

    @Slot()
    def restart(self) -> None:
        """Leave the event loop; the service manager starts a fresh kiosk."""
        log.warning("leaving after a crash so the service restarts the kiosk")
        QApplication.exit(self.exit_code)


def guard_kiosk(data_dir: str | Path, config: Any = None, *, watchdog: Watchdog | None = None,
                restart_after_ms: int = RESTART_AFTER_MS) -> KioskGuard:
    """Everything ``nanum run`` needs to run unattended: the capped log file in
    the configured log folder (default ``<data_dir>/logs``), crash files, the
    crash screen and the watchdog. Creates the QApplication when there is none."""
    import sys

    from kiosk.runtime import setup_logging

    log_dir = Path(data_dir) / "logs"
    max_bytes, backups = 2_000_000, 5
    if config is not None:
        log_dir = Path(config.get("kiosk", "log_dir") or log_dir)
        max_bytes = config.get("kiosk", "log_max_bytes")
        backups = config.get("kiosk", "log_backups")
    setup_logging(log_dir, max_bytes=max_bytes, backups=backups)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    return KioskGuard(data_dir, watchdog=watchdog, restart_after_ms=restart_after_ms,
                      parent=app).install()
