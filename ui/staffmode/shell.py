"""Staff mode: a full-window panel over the resident screens.

A column of large buttons on the left (only what the staff member's role
allows), the chosen page on the right, the staff member's name and a
"back to residents" button on top. Two minutes without a touch, key or scan
log the staff member out: the panel closes and the resident home screen is
back. Every page's actions are events naming the staff member.

The panel is a plain child of the kiosk window (not an overlay), so the
resident idle reset sees an empty home screen and leaves it alone; staff mode
keeps its own, longer timer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.codes import Scan
from kiosk.services.staff import StaffView
from ui.staff import ROLE_NAMES
from ui.staffmode.base import StaffContext, StaffPage
from ui.style import arrows
from ui.tasks import Scope, run_task
from ui.text import N_, tr
from ui.widgets.common import button, label, qapp, theme_of
from ui.widgets.host import WindowHost

if TYPE_CHECKING:
    from ui.app import KioskWindow

STAFF_IDLE_MS = 2 * 60 * 1000

_INPUT = frozenset({QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.KeyPress,
                    QEvent.Type.Wheel})


class StaffIdle(QObject):
    """Fires :attr:`expired` after ``idle_ms`` without input anywhere in the application."""

    expired = Signal()

    def __init__(self, parent: QObject, idle_ms: int) -> None:
        super().__init__(parent)
        self.idle_ms = idle_ms
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.expired.emit)
        qapp().installEventFilter(self)
        self.timer.start(idle_ms)

    def poke(self) -> None:
        self.timer.start(self.idle_ms)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT:
            self.poke()
        return False

    def stop(self) -> None:
        self.timer.stop()
        qapp().removeEventFilter(self)


def page_classes() -> list[type[StaffPage]]:
    """Every staff page, in the order of the menu."""
    from ui.staffmode.accounts import AccountsPage
    from ui.staffmode.camera_page import CameraPage
    from ui.staffmode.catalogue import CataloguePage
    from ui.staffmode.dashboard import DashboardPage
    from ui.staffmode.import_page import ImportPage
    from ui.staffmode.inspection import InspectionPage
    from ui.staffmode.labels_page import LabelsPage
    from ui.staffmode.lending import LendingPage
    from ui.staffmode.members import MembersPage
    from ui.staffmode.reports_page import ReportsPage
    from ui.staffmode.rule_settings import RuleSettingsPage
    from ui.staffmode.rules_page import RulesPage
    from ui.staffmode.settings_page import SettingsPage
    from ui.staffmode.transfers import TransfersPage

    return [DashboardPage, InspectionPage, LendingPage, RulesPage, TransfersPage, CataloguePage, MembersPage,
            LabelsPage, ReportsPage, ImportPage, AccountsPage, SettingsPage, RuleSettingsPage, CameraPage]


class StaffMode(WindowHost, QWidget):
    """The staff panel over the kiosk window."""

    #: staff mode ended ("button" or "idle")
    closed = Signal(str)

    def __init__(self, window: KioskWindow, staff: StaffView, *, idle_ms: int = STAFF_IDLE_MS) -> None:
        super().__init__(window)
        self.window_ = window
        self.setObjectName("StaffMode")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        app = window.app
        self.ctx = StaffContext(kiosk=app.kiosk, staff=staff, host=self, printer=app.printer,
                                bridge=window.bridge, sync_status=app.sync_status, go=self.go,
                                apply_settings=self._apply_settings, scope=Scope(self))
        self.ended = False
        theme = self.theme = theme_of(window)
        self._sheet_theme: object = None
        self._restyle()

        # top bar
        self.heading = label(tr(N_("Staff mode")), "title", wrap=False)
        self.who = label(tr(N_("{name} · {role}"), name=staff.name,
                            role=tr(ROLE_NAMES.get(staff.role, staff.role))), "muted", wrap=False)
        self.who.setObjectName("StaffWho")
        self.logout_button = button(tr(N_("Back to residents")), "primary", "StaffLogout")
        self.logout_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.logout_button.clicked.connect(lambda: self.logout("button"))
        top = QHBoxLayout()
        top.addWidget(self.heading)
        top.addWidget(self.who, 1)
        top.addWidget(self.logout_button)

        # the menu: only what the role allows
        nav = QFrame()
        nav.setProperty("role", "navcol")
        nav.setFixedWidth(theme.mm(52))
        nav_col = QVBoxLayout(nav)
        self.nav: dict[str, QPushButton] = {}
        self.classes = {cls.name: cls for cls in page_classes() if staff.can(cls.permission)}
        for name, cls in self.classes.items():
            b = button(tr(cls.nav_msgid or cls.title_msgid), "nav", f"nav_{name}")
            b.setCheckable(True)
            b.setAutoExclusive(True)
            b.clicked.connect(lambda _=False, n=name: self.go(n))
            nav_col.addWidget(b)
            self.nav[name] = b
        nav_col.addStretch(1)
        self.stack = QStackedWidget()
        self.pages: dict[str, StaffPage] = {}

        # Eleven pages are taller than an 800 px screen: the menu scrolls rather than squeeze.
        nav_area = QScrollArea()
        nav_area.setObjectName("StaffNav")
        nav_area.setWidgetResizable(True)
        nav_area.setFrameShape(QFrame.Shape.NoFrame)
        nav_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        nav_area.setWidget(nav)
        nav_area.setFixedWidth(theme.mm(52) + nav_area.verticalScrollBar().sizeHint().width())
        body = QHBoxLayout()
        body.addWidget(nav_area, 1)
        body.addWidget(self.stack, 4)
        col = QVBoxLayout(self)
        m = theme.mm(3)
        col.setContentsMargins(m, m, m, m)
        col.addLayout(top)
        col.addLayout(body, 1)

        self.idle = StaffIdle(self, idle_ms)
        self.idle.expired.connect(lambda: self.logout("idle"))
        self._resident_scans = False
        if self.ctx.bridge is not None:
            # Scans belong to staff mode now: a member card shown for a staff task
            # must not start a resident's borrowing under this panel.
            self._resident_scans = self.ctx.bridge.code.disconnect(window.on_code)
            self.ctx.bridge.code.connect(self._scanned)
        window.installEventFilter(self)
        self.setGeometry(window.rect())
        self.go("dashboard")

    # -- pages ---------------------------------------------------------------------------
    @property
    def current(self) -> StaffPage | None:
        return self.stack.currentWidget()  # type: ignore[return-value]

    def go(self, name: str, **kwargs: Any) -> StaffPage | None:
        """Show page ``name`` (created on first use); None when the role does not allow it."""
        cls = self.classes.get(name)
        if cls is None:
            return None
        page = self.pages.get(name)
        if page is None:
            page = self.pages[name] = cls(self.ctx)
            page.retranslate()
            self.stack.addWidget(page)
        self.nav[name].setChecked(True)
        shown = self.current
        if shown is not None and shown is not page:
            shown.leave()
        self.stack.setCurrentWidget(page)
        page.banner.clear()
        page.enter(**kwargs)
        return page

    def _scanned(self, ref: Scan) -> None:
        self.idle.poke()
        page = self.current
        if page is not None and not self.ended:
            page.handle_scan(ref)

    def _restyle(self) -> None:
        """Staff mode's style sheet in the window's theme (again when the window's theme changes)."""
        theme = theme_of(self.window_)
        if theme != self._sheet_theme:
            self._sheet_theme = self.theme = theme
            self.setStyleSheet(theme.staff_stylesheet(arrows(theme.palette.text, theme.arrow_px)))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.StyleChange:
            self._restyle()  # the window's style sheet changed: follow its theme
        super().changeEvent(event)

    def _apply_settings(self, changed: dict[str, Any]) -> None:
        """Saved settings take effect in the running kiosk, not only after a restart."""
        self.window_.apply_settings(changed)
        self.ctx.printer = self.window_.app.printer

    # -- leaving ----------------------------------------------------------------------------
    def logout(self, reason: str) -> None:
        """Close staff mode and show the resident home screen again."""
        if self.ended:
            return
        self.ended = True
        self.ctx.scope.close()  # drop results still on their way
        self.idle.stop()
        if self.current is not None:
            self.current.leave()
        if self.ctx.bridge is not None:
            self.ctx.bridge.code.disconnect(self._scanned)
            if self._resident_scans:
                self.ctx.bridge.code.connect(self.window_.on_code)
        self.window_.removeEventFilter(self)
        accounts, who = self.ctx.accounts, self.ctx.staff
        run_task(lambda: accounts.logout(who, reason))
        self.window_.staff_member = None
        self.window_.staff_mode = None
        self.hide()
        self.window_.end_session()
        self.closed.emit(reason)
        self.deleteLater()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window_ and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.window_.rect())
        return False


def open_staff_mode(window: KioskWindow, idle_ms: int = STAFF_IDLE_MS) -> StaffMode | None:
    """``KioskWindow.staff_mode_hook``: open staff mode for ``window.staff_member``."""
    staff = window.staff_member
    if staff is None:
        return None
    mode = StaffMode(window, staff, idle_ms=idle_ms)
    window.staff_mode = mode
    mode.show()
    mode.raise_()
    return mode
