"""The kiosk window: fullscreen, one screen at a time, dialogs drawn inside it.

``run_kiosk`` is what ``nanum run`` calls. The window shows the resident
screens (home, identify, borrow, return, my loans, receipt, thank-you), keeps
the session (member, language, display) and ends it on "done" or the idle
reset. It cannot be closed from the screen without the staff PIN; ``--windowed``
gives a normal window for development.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Collection
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QResizeEvent
from PySide6.QtWidgets import QApplication, QFrame, QScrollArea, QStackedWidget, QVBoxLayout, QWidget

from hardware.printing import Printer, printer_state
from kiosk.codes import Scan
from kiosk.devices import DeviceStatus, camera_state
from kiosk.runtime import limit_heap_growth, release_free_memory
from ui.aim_tone import ToneGuide
from ui.application import KioskApp
from ui.assets import font_families, register_fonts
from ui.chrome import Chrome
from ui.config import UiConfig
from ui.earphones import EarphoneWatcher
from ui.guide import SpokenWindow
from ui.idle import IdleWatcher
from ui.keypad import KeypadNavigator
from ui.scanbridge import ScanBridge, camera_settings, install_wedge
from ui.screens.base import Context, Screen
from ui.screens.borrow import BorrowScreen
from ui.screens.giveback import ReturnScreen
from ui.screens.home import HomeScreen
from ui.screens.identify import IdentifyScreen
from ui.screens.loans import LoansScreen
from ui.screens.receipt import ReceiptScreen
from ui.screens.setpin import SetPinScreen
from ui.screens.thanks import ThanksScreen
from ui.session import Session
from ui.sound import RecordingSound, Sound
from ui.speech import Speech
from ui.staff import StaffMenu, StaffPin
from ui.tasks import Scope, run_task
from ui.text import tr
from ui.theme import Theme
from ui.voice import VoiceBar, VoiceGuide
from ui.widgets.common import Banner, layout_of
from ui.widgets.demo_strip import DemoEntry, DemoStrip
from ui.widgets.host import WindowHost
from ui.widgets.keyboard import CodeKeyboard
from ui.widgets.overlay import open_overlays
from ui.zoom import ZoomPage

if TYPE_CHECKING:
    from kiosk.services.core import Kiosk
    from kiosk.services.staff import StaffView
    from ui.staffmode.shell import StaffMode

log = logging.getLogger(__name__)

SCREENS: tuple[type[Screen], ...] = (HomeScreen, IdentifyScreen, BorrowScreen, ReturnScreen,
                                     LoansScreen, ReceiptScreen, ThanksScreen, SetPinScreen)


class ScreenStack(QStackedWidget):
    """The screens, one shown at a time; it needs only the room the shown one needs."""

    def minimumSizeHint(self):
        current = self.currentWidget()
        if current is None:
            return super().minimumSizeHint()
        need = current.minimumSizeHint()
        if current.hasHeightForWidth() and self.width() > 0:
            # Wrapped text needs more lines when narrow: at least that much height,
            # so the scroll area around the screens scrolls instead of cutting it.
            need.setHeight(max(need.height(), current.heightForWidth(self.width())))
        return need

    def sizeHint(self):
        current = self.currentWidget()
        return current.sizeHint() if current is not None else super().sizeHint()

    def heightForWidth(self, width: int) -> int:
        # The shown screen's, not the tallest of all (as QStackedLayout answers): the scroll area
        # around the screens sizes them by it, and a tall home screen would make every screen
        # scroll its next step out of view on a small panel.
        current = self.currentWidget()
        if current is None or not current.hasHeightForWidth():
            return -1
        return current.heightForWidth(width)


class KioskWindow(SpokenWindow, WindowHost, QWidget):
    """The one window of the resident kiosk."""

    theme: Theme  # always made in __init__
    devices: DeviceStatus  # always given or made in __init__
    #: staff mode plugs in here: called with the window after the staff PIN was accepted
    staff_mode_hook: Callable[[KioskWindow], object] | None = None

    def __init__(self, kiosk: Kiosk, config: UiConfig, *, sound: Sound | None = None,
                 printer: Printer | None = None, bridge: ScanBridge | None = None,
                 demo: list[DemoEntry] | None = None, locked: bool = False,
                 staff_mode_hook: Callable[[KioskWindow], object] | None = None,
                 speech: Speech | None = None, earphones: EarphoneWatcher | None = None,
                 devices: DeviceStatus | None = None,
                 sync_status: Callable[[], dict[str, Any]] | None = None) -> None:
        super().__init__()
        self.setObjectName("KioskRoot")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # receives a wedge scanner's keys
        self.family = register_fonts()
        #: what this window and staff mode share: services, settings, devices, sync, tasks
        self.app = KioskApp(kiosk=kiosk, config=config, devices=devices or DeviceStatus(), printer=printer,
                            sync_status=sync_status)
        self.config = config
        #: the camera's and the printer's state (the heartbeat reads it too)
        self.devices = self.app.devices
        #: who signed in at the staff door (None: nobody)
        self.staff_member: StaffView | None = None
        #: staff mode while it is open
        self.staff_mode: StaffMode | None = None
        self.locked = locked
        self.may_close = not locked
        if staff_mode_hook is not None:
            self.staff_mode_hook = staff_mode_hook
        self.theme = Theme.make(dpi=config.dpi)
        #: the window's own background work (printer checks): dropped once it is gone
        self.scope = Scope(self)
        self.session = Session(config.language)
        self.sound = sound or RecordingSound()
        self.voice = VoiceGuide(self.session, speech, self)
        self.setup_speech()
        self.bridge = bridge or ScanBridge(self, base_url=kiosk.base_url)
        self.ctx = Context(kiosk=kiosk, session=self.session, sound=self.sound, config=config,
                           printer=printer, camera=self.bridge, go=self.go, host=self,
                           announce=self.announce, say=self.voice.speak)

        # the bar: where am I, camera state, type a code, back to start, staff door
        self.chrome = Chrome(self, self.open_keyboard, lambda: self.go("home"), self.open_staff_door,
                             ctx=self.ctx)
        self.top = self.chrome.top
        self.heading = self.chrome.heading
        self.camera_state = self.chrome.camera_state
        self.type_code = self.chrome.type_code
        self.home_button = self.chrome.home_button
        self.staff_door = self.chrome.staff_door

        self._fit_pending = False  # a fit of the screen area is on its way (see _fit_body_soon)
        self.stack = ScreenStack()
        self.stack.installEventFilter(self)
        self.stack.currentChanged.connect(self._screen_changed)
        self.screens: dict[str, Screen] = {}
        for cls in SCREENS:
            screen = cls(self.ctx)
            self.screens[cls.name] = screen
            self.stack.addWidget(screen)

        self.voice_bar = VoiceBar(self.voice, self.repeat, self.say_details)
        self.voice_bar.hide()
        # On a small panel with large text a screen can need more height than
        # there is: it scrolls then, instead of squeezing its text until it is cut.
        self.body = QScrollArea()
        self.body.setObjectName("ScreenBody")
        self.body.setFrameShape(QFrame.Shape.NoFrame)
        self.body.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.body.setWidgetResizable(True)
        self.body.setWidget(self.stack)
        col = QVBoxLayout(self)
        col.addWidget(self.top)
        col.addWidget(self.body, 1)
        col.addWidget(self.chrome.bottom)
        col.addWidget(self.voice_bar)
        #: with the 200 % zoom the bars scroll with the screen (ui.zoom)
        self.zoom_page = ZoomPage(self)
        self.demo = DemoStrip(demo, self.bridge.present) if demo else None
        if self.demo is not None:
            col.addWidget(self.demo)

        self.idle = IdleWatcher(self, config.idle_quiet_ms, config.idle_warning_ms,
                                self.is_pristine, self.sound, self.voice)
        self.idle.expired.connect(self.end_session)
        #: the physical keypad: focus, announce, press, back, help and voice keys (ui.keypad)
        self.keypad = KeypadNavigator(self, config.keypad_keys)
        self.session.language_changed.connect(lambda _lang: self.retranslate())
        self.session.display_changed.connect(self.apply_theme)
        self.session.voice_changed.connect(self._voice_changed)
        # "Say my name" is offered while a member is signed in and speech is on the loudspeaker.
        self.session.member_changed.connect(self.show_private_choices)
        self.session.voice_changed.connect(lambda _on: self.show_private_choices())
        self.bridge.code.connect(self.on_code)
        self.bridge.frame.connect(self.on_frame)
        self.bridge.status_changed.connect(self.on_camera_status)
        self.bridge.guidance.connect(self.on_guidance)
        #: the aiming tone while a code is held up but not read (only with voice guidance on)
        self.aim_tone = ToneGuide(self.sound, self._aiming, self)
        self.bridge.aim.connect(self.aim_tone.set_fill)
        self.earphones = earphones
        if earphones is not None:
            earphones.setParent(self)
            earphones.changed.connect(self.session.earphones)
            earphones.changed.connect(lambda _plugged: self.show_private_choices())
        self._portrait: bool | None = None
        self._families: tuple[str, ...] | None = None
        self.apply_theme()
        self.retranslate()
        self.go("home")
        self.idle.start()
        if earphones is not None:
            earphones.start()

    def _screen_changed(self, _index: int) -> None:
        self.stack.updateGeometry()
        self._fit_body_soon()

    # -- navigation ------------------------------------------------------------------
    @property
    def current(self) -> Screen:
        return self.stack.currentWidget()  # type: ignore[return-value]

    def go(self, name: str, end: bool = False, **kwargs: Any) -> None:
        """Show screen ``name``; ``end=True`` ends the session first (back home, clean)."""
        if end:
            self.end_session()
            return
        screen = self.screens[name]
        if screen.needs_member and self.session.member is None:
            kwargs = {"next": name}
            screen = self.screens["identify"]
        old = self.current
        if old is not screen:
            old.leave()
            self.body.verticalScrollBar().setValue(0)  # a new screen starts at its top
        self.stack.setCurrentWidget(screen)
        screen.enter(**kwargs)
        self._update_bar()
        self.announce()

    def end_session(self) -> None:
        """Close every dialog, forget the member, back to home in the default language."""
        for overlay in open_overlays(self):
            overlay.finish("")
        modal = QApplication.activeModalWidget()
        if modal is not None and modal is not self:
            modal.close()
        self.current.leave()
        self.voice.reset()
        self.session.end()
        for screen in self.screens.values():
            screen.reset()
        self.stack.setCurrentWidget(self.screens["home"])
        self.body.verticalScrollBar().setValue(0)
        self.screens["home"].enter()
        self._update_bar()
        self.announce()
        release_free_memory()  # a quiet moment: freed camera frames go back to the system

    def is_pristine(self) -> bool:
        """Nothing to reset: the idle warning is not needed."""
        return (self.session.pristine and self.current is self.screens["home"]
                and not open_overlays(self))

    def _update_bar(self) -> None:
        screen = self.current
        self.heading.setText(screen.title())
        self.home_button.setVisible(screen.name not in ("home", "thanks"))
        self.type_code.setVisible(screen.wants_camera and screen.accepts_typed)
        self.chrome.show_screen(screen.name)
        self.chrome.set_caption(screen.instruction(), compact=screen.strip_compact())

    # -- scans -------------------------------------------------------------------------
    def handle_scan(self, payload: str) -> bool:
        """A code typed on the on-screen keyboard: classified once, here, like any other."""
        return self.on_code(self.bridge.classify(payload))

    def on_code(self, ref: Scan) -> bool:
        """A classified code from the camera, the keyboard wedge or the on-screen keyboard."""
        self.idle.poke()
        if open_overlays(self):
            return False  # a dialog is open: it has to be answered first
        screen = self.current
        if not screen.wants_camera:
            return False
        return screen.handle_scan(ref)

    def on_frame(self, image) -> None:
        view = self.current.camera
        if view is not None and view.isVisible():
            view.show_frame(image)

    def on_guidance(self, hint) -> None:
        """The scanner's advice for a code held up but not read (a Hint, or None: withdrawn):
        shown on the current screen's camera picture and said when voice is on."""
        text = tr(hint.msgid) if hint is not None else None
        current = self.current.camera
        for screen in self.screens.values():
            if screen.camera is not None:
                screen.camera.show_hint(text if screen.camera is current else None)
        if text and current is not None and current.isVisible():
            self.voice.speak(text)

    def _aiming(self) -> bool:
        """Whether the aiming tone may sound: voice is on and the screen shown waits for a code
        at its camera picture (no dialog over it)."""
        view = self.current.camera
        return (self.session.voice and self.current.wants_camera and view is not None and view.isVisible()
                and not open_overlays(self))

    def on_camera_status(self, status: str) -> None:
        self.devices.set("camera", camera_state(status))
        self.camera_state.setVisible(self.devices.camera in ("missing", "degraded", "off"))
        self.chrome.retranslate()

    def say(self, text: str) -> None:
        self.voice.speak(text)

    def intro_extra(self) -> list[str]:
        return self.keypad.intro_sentences()

    @property
    def sync_status(self) -> Callable[[], dict[str, Any]] | None:
        """The sync worker's state for the staff dashboard (None: sync is not set up)."""
        return self.app.sync_status

    @sync_status.setter
    def sync_status(self, status: Callable[[], dict[str, Any]] | None) -> None:
        self.app.sync_status = status

    def apply_settings(self, changed: Collection[str]) -> None:
        """Saved settings (the keys in ``changed``) take effect now, not only after a restart."""
        from hardware.printing import open_printer

        kiosk = self.app.kiosk
        kiosk.forget_cached_settings()
        config = UiConfig.from_settings(kiosk.setting)
        self.app.config = self.config = self.ctx.config = config
        if "ui_language" in changed:
            self.session.default_language = config.language  # the next resident starts in it
        if "ui_idle_quiet_s" in changed:
            self.idle.quiet_ms = config.idle_quiet_ms
        if "printer" in changed:
            try:
                printer = open_printer(config.printer)
            except ValueError:
                printer = None
            self.set_printer(printer)
        if "camera_device" in changed:
            spec = kiosk.setting("camera_device")
            if spec and spec != self.bridge.spec:
                self.bridge.switch(spec)  # a restored backup's camera; a missing one leaves typing
        if "camera_controls" in changed:
            controls = camera_settings(kiosk.setting("camera_controls"))
            if controls is not None and controls != self.bridge.settings:
                self.bridge.change_controls(controls)
        if "keypad_keys" in changed:
            self.keypad.set_keys(config.keypad_keys)

    def set_printer(self, printer: Printer | None) -> None:
        """Use ``printer`` from now on and find out whether it is there (in the background)."""
        self.app.printer = self.ctx.printer = printer
        if printer is None:
            self.devices.set("printer", "none")
            return
        run_task(lambda: printer_state(printer), self._printer_checked,
                 lambda _exc: self._printer_checked("missing"), scope=self.scope, slow=True)

    def _printer_checked(self, state: str) -> None:
        self.devices.set("printer", state)

    def open_keyboard(self) -> CodeKeyboard:
        kb = CodeKeyboard(self)
        kb.closed.connect(lambda result: self.handle_scan(kb.text) if result == "ok" else None)
        kb.open()
        return kb

    # -- staff door --------------------------------------------------------------------
    def open_staff_door(self) -> StaffPin:
        pin = StaffPin(self)
        pin.closed.connect(lambda result: self._signed_in(pin.signed_in) if result == "ok" else None)
        pin.open()
        return pin

    def _signed_in(self, who: StaffView | None) -> None:
        self.staff_member = who
        self._staff_menu()

    def _staff_menu(self) -> None:
        menu = StaffMenu(self, self.staff_member, self.staff_mode_hook is not None)
        menu.closed.connect(self._staff_choice)
        menu.open()

    def _staff_choice(self, result: str) -> None:
        if result not in ("staff_mode", "exit"):
            self.staff_member = None  # signed out: the menu noted why
        if result == "exit":
            self.may_close = True
            self.close()
        elif result == "staff_mode" and self.staff_mode_hook is not None:
            self.end_session()  # nothing of the resident stays on screen
            self.staff_mode_hook(self)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.may_close:
            event.ignore()  # Alt+F4 and the like: only staff close the kiosk
            return
        self.idle.stop()
        self.bridge.stop()
        event.accept()

    # -- language, display, layout -------------------------------------------------------
    def retranslate(self) -> None:
        if font_families(self.session.lang) != self._families:
            self.apply_theme()  # Chinese and Vietnamese draw with their own font first
        self.chrome.retranslate()
        self.voice_bar.retranslate()
        for screen in self.screens.values():
            screen.retranslate()
        for banner in self.findChildren(Banner):
            banner.retranslate()  # a message on screen follows the language
        if self.demo is not None:
            self.demo.retranslate()
        for overlay in open_overlays(self):
            overlay.retranslate()
        self.idle.retranslate()
        self._update_bar()
        self._fit_body_soon()
        self.announce()

    def apply_theme(self) -> None:
        s = self.session
        self.theme = Theme.make("contrast" if s.high_contrast else "default", self.config.dpi, s.large_text,
                                zoom=s.zoom)
        self._families = font_families(s.lang)
        self.setStyleSheet(self.theme.stylesheet(self._families))
        m = self.theme.mm(3)
        layout_of(self).setContentsMargins(m, m, m, m)
        layout_of(self).setSpacing(self.theme.mm(2))
        self.zoom_page.set(s.zoom)
        self.apply_layout()
        if self.demo is not None:
            self.demo.fit_height()
        # Drawn colours (icons, rows) follow the palette: render the screens again.
        for screen in self.screens.values():
            screen.retranslate()
        self._fit_body_soon()

    def _fit_body_soon(self) -> None:
        """Wrapped text in another language or size needs another height: the screen
        area measures the shown screen again once its layout has settled (once for
        a burst of changes)."""
        if not self._fit_pending:
            self._fit_pending = True
            QTimer.singleShot(0, self._fit_body)

    def _fit_body(self) -> None:
        self._fit_pending = False
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        if self.zoom_page.fit():
            return  # zoomed: the page's rows place the screen, the page scrolls
        view = self.body.viewport()
        height = max(view.height(), self.stack.minimumSizeHint().height())
        if self.stack.height() != height:
            self.stack.resize(view.width(), height)

    def reach_top(self) -> int:
        """Pixels at the top of the window out of reach in the low-reach layout (0 otherwise)."""
        return self.config.reach_line(self.height()) if self.session.low_reach else 0

    def apply_layout(self) -> None:
        """Standard or low-reach: where the bar's buttons go, how much room stays above."""
        # Zoomed, the bar's buttons and the sign-out wrap in the row at the bottom, as in low reach where
        # the top is out of reach (a band of one pixel: none is kept), and the strip stays under the heading.
        # The band out of reach is then above the scrolling page, which no control leaves (ui.zoom).
        low = self.session.low_reach or self.session.zoom
        band = 1 if self.session.zoom else self.reach_top()
        self.chrome.set_low_reach(low, band, self.theme.mm(2))
        self.zoom_page.set_band(self.reach_top())
        for overlay in open_overlays(self):
            overlay.fit_host()  # an open dialog moves below the reach line too

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.apply_layout()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Screens arrange for the room they get: in low reach a tall panel leaves a wide area.
        if watched is self.stack and event.type() == QEvent.Type.LayoutRequest:
            self._fit_body_soon()  # a message or a row came or went
        if watched is self.stack and isinstance(event, QResizeEvent):
            size = event.size()
            # Zoomed to 200 %, a landscape panel is as narrow as a portrait one.
            portrait = size.height() > size.width() * 1.1 or self.session.zoom
            if portrait != self._portrait:
                self._portrait = portrait
                for screen in self.screens.values():
                    screen.set_portrait(portrait)
        return False


SWITCH_INTERVAL_S = 0.001


def build_window(kiosk: Kiosk, *, camera_spec: str | None = None, demo_panel: bool = False,
                 locked: bool = False, sound: Sound | None = None, printer: Printer | None = None,
                 open_camera: bool = True, speech: Speech | None = None,
                 earphones: EarphoneWatcher | None = None,
                 devices: DeviceStatus | None = None,
                 sync_status: Callable[[], dict[str, Any]] | None = None) -> KioskWindow:
    """Everything read from the database happens here, before the first paint.

    This is where the kiosk's application object (:class:`ui.application.KioskApp`)
    is put together: ``devices`` is told the camera's and the printer's state as
    they become known, ``sync_status`` is what the staff dashboard shows.
    """
    from hardware.printing import open_printer
    from kiosk.services.reports import site_name

    # Imported here, not at the top: staff mode's pages import the resident window's parts.
    from ui.staffmode.shell import open_staff_mode

    kiosk.forget_cached_settings()  # read them fresh once, here, off the scan path
    # Camera capture, decoding and the database helper run Python in threads; by
    # default a thread holds the interpreter for 5 ms before handing it over, so
    # the GUI thread could wait that long several times between a scan and its
    # row on screen. A 1 ms turn keeps the screen responsive.
    sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_S))
    limit_heap_growth()  # frame buffers from several threads: two heaps, not one per thread
    config = UiConfig.from_settings(kiosk.setting)
    if not config.site_name:
        config = replace(config, site_name=site_name(kiosk))
    bridge = ScanBridge(base_url=kiosk.base_url)
    bridge.settings = camera_settings(kiosk.setting("camera_controls"))  # set at every open
    devices = devices or DeviceStatus()
    unusable = False
    if printer is None:
        try:
            printer = open_printer(config.printer)
        except ValueError as exc:
            log.warning("%s", exc)
            printer, unusable = None, True
    entries = None
    if demo_panel:
        from ui.widgets.demo_strip import demo_entries

        entries = demo_entries(kiosk)
    window = KioskWindow(kiosk, config, sound=sound, printer=printer, bridge=bridge, demo=entries,
                         locked=locked, staff_mode_hook=open_staff_mode, speech=speech,
                         earphones=earphones, devices=devices, sync_status=sync_status)
    bridge.setParent(window)
    if unusable:
        devices.set("printer", "missing")  # a printer setting we cannot use: none is there
    else:
        window.set_printer(printer)
    if open_camera:
        bridge.open_after_first_paint(window, camera_spec, kiosk.base_url)
    install_wedge(window, bridge)
    return window


def run_kiosk(kiosk: Kiosk, *, windowed: bool = False, camera_spec: str | None = None,
              demo_panel: bool = False, size: tuple[int, int] | None = None,
              sync_status: Callable[[], dict[str, Any]] | None = None,
              devices: DeviceStatus | None = None) -> int:
    """Start the kiosk; returns the exit status when staff close it.

    ``devices`` is the device-status holder the heartbeat reads as well.
    """
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Nanum Kiosk")
    from ui.earphones import linux_jack_probe
    from ui.sound import system_sound
    from ui.speech import system_speech

    kiosk.forget_cached_settings()
    probe = linux_jack_probe() if UiConfig.from_settings(kiosk.setting).earphone_voice else None
    window = build_window(kiosk, camera_spec=camera_spec, demo_panel=demo_panel,
                          locked=not windowed, sound=system_sound(), speech=system_speech(),
                          earphones=EarphoneWatcher(probe) if probe is not None else None,
                          devices=devices, sync_status=sync_status)
    if windowed:
        window.resize(*(size or (1280, 800)))
        window.show()
    else:
        window.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        window.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
        window.showFullScreen()
    window.setFocus()
    window.bridge.start()
    code = app.exec()
    window.bridge.stop()
    from ui.tasks import runner

    runner().shutdown()
    return code
