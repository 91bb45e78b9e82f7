"""The frame around the resident screens: the bar, the voice bar, and the low-reach layout.

Standard layout: a bar at the top with the screen's heading and the buttons
that are always there (type the code, home, help, staff). Each button keeps one
width in every language (its widest translation's), so switching the language
never moves a button a resident is about to touch. Low-reach layout (one
touch on home): everything a resident touches sits below 120 cm above the
floor for the panel as mounted (``ui_panel_mount_cm``, ``ui_panel_height_cm``):
the top of the screen keeps only the heading and what to do now, and the
bar's buttons move to the bottom, next to the voice bar.

While a member is signed in, a strip under the bar says who (name and a
masked membership number), what they should know (loans, what is due or late,
a reservation waiting for them) and offers to sign out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QSize, Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyleOptionButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import translate
from kiosk.services.member_state import member_state
from kiosk.services.views import MemberState
from ui.assets import font_families
from ui.private_voice import personal
from ui.tasks import Scope
from ui.text import N_, date_text, tr
from ui.widgets.common import button, label, layout_of, restyle
from ui.widgets.flow import FlowLayout

if TYPE_CHECKING:
    from ui.screens.base import Context

#: screens where the signed-in strip is not shown: the goodbye, and no member yet
NO_STRIP = frozenset({"thanks", "identify"})
#: the side padding of the bar's buttons where they share the top row as wide as their texts
TIGHT_PAD = 2
#: the languages a resident can choose; each bar button is as wide as its widest text in them
BAR_LANGUAGES = ("ko", "en", "zh", "vi")


def widest_size(b: QPushButton, msgid: str) -> QSize:
    """The size ``b`` needs for ``msgid`` in the language that needs the most, each
    measured in its own fonts (Chinese and Vietnamese draw with their own first, and
    their fonts are taller)."""
    opt = QStyleOptionButton()
    b.initStyleOption(opt)
    widest = QSize(0, 0)
    for lang in BAR_LANGUAGES:
        font = QFont(b.font())
        font.setFamilies(list(font_families(lang)))
        metrics = QFontMetrics(font)
        text = QSize(metrics.horizontalAdvance(translate(msgid, lang)), metrics.height())
        widest = widest.expandedTo(b.style().sizeFromContents(QStyle.ContentsType.CT_PushButton, opt, text, b))
    return widest


def widest_width(b: QPushButton, msgid: str) -> int:
    """The width ``b`` needs for ``msgid`` in the language that needs the most."""
    return widest_size(b, msgid).width()


def masked_number(number: str) -> str:
    """A membership number with all but its last three digits hidden (M-000123 -> M-***123)."""
    head, _, digits = number.rpartition("-")
    shown = digits[-3:]
    return f"{head + '-' if head else ''}{'*' * max(0, len(digits) - len(shown))}{shown}"


def state_lines(state: MemberState, lang: str) -> tuple[list[str], list[str]]:
    """(what the member has, in short sentences; what needs attention: late items, reservations)."""
    info: list[str] = []
    alerts: list[str] = []
    if state.on_loan and state.next_due is not None:
        info.append(tr(N_("On loan: {count}. Next due {date}."), count=state.on_loan,
                       date=date_text(state.next_due)))
    elif state.on_loan:
        info.append(tr(N_("On loan: {count}."), count=state.on_loan))
    else:
        info.append(tr(N_("Nothing on loan now.")))
    if state.due_soon:
        info.append(tr(N_("Due in the next two days: {count}."), count=state.due_soon))
    if state.overdue:
        alerts.append(tr(N_("Overdue: {count}. Please return it first; then you can borrow again."),
                         count=state.overdue) if state.blocked
                      else tr(N_("Overdue: {count}. Please bring it back."), count=state.overdue))
    for held in state.held:
        if held.hold_until is not None:
            alerts.append(tr(N_("The {item} you reserved has arrived. Please take it from the reservation "
                                "shelf by {date}."), item=held.name(lang), date=date_text(held.hold_until)))
        else:
            alerts.append(tr(N_("The {item} you reserved has arrived. Please take it from the reservation "
                                "shelf."), item=held.name(lang)))
    return info, alerts


class MemberStrip(QFrame):
    """Who is signed in, what they should know, and a way to sign out."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("MemberStrip")
        self.setProperty("role", "card")
        self.who = label("", wrap=False)  # the name and number are never broken across lines
        self.who.setObjectName("SignedInMember")
        f = self.who.font()
        f.setBold(True)
        self.who.setFont(f)
        self.info = label("")
        self.info.setObjectName("MemberInfo")
        self.alerts = label("")
        self.alerts.setObjectName("MemberAlerts")
        self.alerts.setProperty("role", "refused")
        self.sign_out = button("", None, "SignOut")
        self.sign_out.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        # The name with the sign-out beside it; under them, the whole width for what the member has
        # and what needs attention (late items, a reservation waiting), last. Stacked, never side by
        # side: a wrapped label beside another would not get the height its lines need.
        self.row = QHBoxLayout()
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.addWidget(self.who, 1)
        self.row.addWidget(self.sign_out, 0, Qt.AlignmentFlag.AlignVCenter)
        col = QVBoxLayout(self)
        col.setSpacing(2)
        col.addLayout(self.row)
        col.addWidget(self.info)
        col.addWidget(self.alerts)
        self.state: MemberState | None = None
        self._who = self._info = ""
        self._alerts: list[str] = []
        self._late = 0  # how many of the alerts (the first ones) are about late items
        self._kind = "refused"
        self.alerts.hide()
        #: a scan's result is on screen: the loans as they were at sign-in give it their room
        self.compact = False

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()
        QTimer.singleShot(0, self._fit)  # once the labels have their new widths too

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            QTimer.singleShot(0, self._fit)  # another text size: other line heights

    def _fit(self) -> None:
        # The bar's layout gives the strip its preferred height, not the height its wrapped
        # lines need at this width: ask for that as a minimum.
        # (No wrapped label shown: no such height, and the layout's own minimum is enough.)
        need = max(0, self.heightForWidth(self.width())) if self.width() > 0 else -1
        if need >= 0 and need != self.minimumHeight():
            self.setMinimumHeight(need)

    def set_texts(self, who: str, info: list[str], alerts: list[str], alert_kind: str, late: int = 0) -> None:
        """``late``: how many of ``alerts`` (the first ones) are about late items."""
        self._who, self._info = who, " ".join(info)
        self._alerts, self._late, self._kind = alerts, late, alert_kind
        self.who.setText(who)
        self.info.setText(self._info)
        self._show()
        QTimer.singleShot(0, self._fit)

    def _show(self) -> None:
        self.info.setVisible(bool(self._info) and not self.compact)
        alerts = self._alerts[self._late:] if self.compact else self._alerts
        self.alerts.setText("\n".join(alerts))
        self.alerts.setVisible(bool(alerts))
        # A late item is a warning; a reservation waiting is good news.
        self.alerts.setProperty("role", self._kind if len(alerts) == len(self._alerts) else "ok")
        restyle(self.alerts)
        self._fit()

    def set_compact(self, compact: bool) -> None:
        """Once a scan's result is shown, or on a screen where the member's state does not help,
        the strip keeps who is signed in, the sign-out and a reservation waiting; what was on loan
        at sign-in (said then, and no longer up to date once items are borrowed) and the late items
        (the refused item's row says so now) make room for the screen on a small panel with large
        text."""
        if compact == self.compact:
            return
        self.compact = compact
        self._show()

    def said(self) -> list[str]:
        """What the voice says about who is signed in (nothing while hidden)."""
        if self.isHidden():
            return []
        # The name and number are said only where nobody else hears them (ui.private_voice).
        who = personal(self._who, tr(N_("You are signed in."))) if self._who else ""
        return [t for t in (who, self._info, *self.alerts.text().splitlines()) if t]


class Chrome:
    """Builds the bars into the window's column and moves their buttons between layouts."""

    def __init__(self, window: QWidget, on_type_code, on_home, on_staff, ctx: Context | None = None) -> None:
        self.window = window
        self.ctx = ctx
        self.screen_name = "home"
        self._confirm_due = False
        self.strip = MemberStrip()
        self.strip.hide()
        self.strip.sign_out.clicked.connect(self.sign_out)
        self.top = QFrame()
        self.top.setObjectName("TopBar")
        self.heading = label("", "title", wrap=False)
        self.heading.setObjectName("Heading")
        # Never what widens the window: a heading too long beside the buttons goes above them
        # (_place_heading), and until then it may be squeezed, not the window grown.
        self.heading.setMinimumWidth(1)
        self.caption = label("")
        self.caption.setObjectName("Caption")
        self.caption.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.caption.hide()
        self.camera_state = label("", "muted")
        self.camera_state.setObjectName("CameraState")
        self.camera_state.hide()
        self.type_code = button("", None, "TypeCode")
        self.type_code.clicked.connect(on_type_code)
        self.home_button = button("", None, "StartOver")
        self.home_button.clicked.connect(on_home)
        self.staff_door = button("", "quiet", "StaffDoor")
        self.staff_door.clicked.connect(on_staff)
        self.help_button = button("", None, "CallHelp")
        self.help_button.clicked.connect(self.call_help)
        #: the cancel of a call for help outlives its dialog, not the window
        self.scope = Scope(window)
        self._widths: dict[tuple[str, str, int], int] = {}
        for b in (self.type_code, self.home_button, self.help_button, self.staff_door):
            b.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.top_row = QHBoxLayout()
        self.top_row.setContentsMargins(0, 0, 0, 0)
        self.top_row.addWidget(self.heading, 1)
        # Where the heading and the bar's buttons do not fit one row, the heading goes above them
        # and this keeps the buttons at the right.
        self.bar_spacer = QWidget()
        self.bar_spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.bar_spacer.hide()
        self.top_row.insertWidget(1, self.bar_spacer, 1)
        self.heading_above = False
        self.top_col = top_col = QVBoxLayout(self.top)
        top_col.setContentsMargins(0, 0, 0, 0)
        top_col.setAlignment(Qt.AlignmentFlag.AlignTop)
        top_col.addLayout(self.top_row)
        top_col.addWidget(self.strip)
        top_col.addWidget(self.caption)
        self.strip_beside = False
        self._band_px = 0
        # Low reach: the same buttons, at the bottom, wrapping if the row is too narrow.
        self.bottom = QWidget()
        self.bottom.setObjectName("BottomBar")
        self.bottom_flow = FlowLayout(self.bottom)
        self.bottom.hide()
        self.low_reach = False
        self._instructions_shown = True
        self._place(False)
        self._place_sign_out(False)
        if ctx is not None:
            ctx.session.member_changed.connect(self._member_changed)

    # -- who is signed in --------------------------------------------------------------
    def show_screen(self, name: str) -> None:
        """The window shows screen ``name`` now: the strip is there while a member is signed in."""
        self.screen_name = name
        self._show_strip()

    def _show_strip(self) -> None:
        member = self.ctx.session.member if self.ctx is not None else None
        shown = member is not None and self.screen_name not in NO_STRIP
        self.strip.setVisible(shown)
        self.strip.who.setVisible(shown)  # zoomed, it is above the scrolling page (ui.zoom)
        # In low reach the strip's text stays up here; its button goes down with the others.
        self.strip.sign_out.setVisible(shown)

    def _member_changed(self) -> None:
        assert self.ctx is not None  # connected only with a context
        self.strip.state = None
        self._render_member()
        self._show_strip()
        ref, kiosk = self.ctx.session.member_ref, self.ctx.kiosk
        if self.ctx.session.member is None or ref is None:
            return
        self.ctx.run(lambda: member_state(kiosk, ref), self._state_known, lambda _exc: None)

    def _state_known(self, state: MemberState) -> None:
        assert self.ctx is not None
        self.strip.state = state
        self._render_member()
        self.ctx.announce()  # the confirmation is said with what to do next...
        self._confirm_due = True  # ...once: the next announcement (set_caption) clears it

    def _render_member(self) -> None:
        if self.ctx is None or self.ctx.session.member is None:
            self.strip.set_texts("", [], [], "refused")
            return
        m = self.ctx.session.member
        who = tr(N_("{name} · No. {number}"), name=m.display_name, number=masked_number(m.number))
        state = self.strip.state
        if state is None:
            self.strip.set_texts(who, [], [], "refused")
            return
        info, alerts = state_lines(state, self.ctx.session.lang)
        self.strip.set_texts(who, info, alerts, "refused" if state.overdue else "ok", late=1 if state.overdue else 0)

    def sign_out(self) -> None:
        """Finish the visit: the receipt first when something was borrowed, returned or renewed."""
        if self.ctx is None:
            return
        if not self.ctx.session.visit.empty and self.screen_name not in ("receipt", "thanks"):
            self.ctx.go("receipt")
        else:
            self.ctx.go("home", end=True)

    def said(self) -> list[str]:
        """The strip's sentences, for the voice guide: once, as the confirmation after signing in."""
        return self.strip.said() if self._confirm_due else []

    def member_choices(self) -> list[QWidget]:
        """The strip's buttons a resident can touch now (for the voice guide)."""
        return [self.strip.sign_out] if self.strip.sign_out.isVisible() else []

    @property
    def standing(self) -> tuple[QWidget, ...]:
        """The bar's buttons: there on every screen."""
        return (self.type_code, self.home_button, self.help_button, self.staff_door)

    def _bar_texts(self) -> tuple[tuple[QPushButton, str], ...]:
        return ((self.type_code, N_("Type the code")), (self.home_button, N_("Home")),
                (self.help_button, N_("Help")), (self.staff_door, N_("Staff")))

    def fix_widths(self) -> None:
        """Give each bar button its widest translation's width (again after a text size change)."""
        sheet = hash(self.window.styleSheet())
        widths = []
        for b, msgid in self._bar_texts():
            b.ensurePolished()
            key = (msgid, b.font().key(), sheet)  # measured once per text size and theme
            width = self._widths.get(key)
            if width is None:
                tight = b.styleSheet()
                b.setStyleSheet("")  # measured with the theme's padding
                width = self._widths[key] = widest_width(b, msgid)
                b.setStyleSheet(tight)
            widths.append(width)
        # Fixed places only where they fit beside the heading (a quarter of the width is kept for
        # it, the same in every language): large text on a small panel may not leave the room,
        # and a bar wider than the window would push the screen off its edge.
        room = self.window.width() * 3 // 4 - layout_of(self.window).contentsMargins().left() * 2 \
            - self.top_row.spacing() * 4
        fixed = sum(widths) <= room
        # The same height in every language too: the tallest font's (Noto Sans SC for zh/vi).
        height = max(widest_size(b, msgid).height() for b, msgid in self._bar_texts())
        # Sharing the top row with the heading, each as wide as its text, they keep little padding:
        # four of them fit a portrait panel with large text in every language.
        tight = "" if self.low_reach or fixed else f"padding-left: {TIGHT_PAD}px; padding-right: {TIGHT_PAD}px;"
        for (b, _msgid), width in zip(self._bar_texts(), widths, strict=True):
            b.setFixedHeight(height)
            if b.styleSheet() != tight:
                b.setStyleSheet(tight)
            if self.low_reach or not fixed:  # share the row; as wide as the text needs
                b.setMinimumWidth(width if self.low_reach else 0)
                b.setMaximumWidth(16777215)
            else:
                b.setFixedWidth(width)

    def call_help(self) -> None:
        """Call staff: the call is recorded, a chime sounds, and the resident is told help is coming."""
        if self.ctx is None:
            return
        from ui.widgets.help_call import HelpCallDialog

        dialog = HelpCallDialog(self.window, self.ctx.kiosk, self.ctx.sound, self.screen_name, self.scope)
        dialog.open()

    def retranslate(self) -> None:
        for b, msgid in self._bar_texts():
            b.setText(tr(msgid))
        self.fix_widths()
        self.camera_state.setText(tr(N_("Camera not available: touch Type the code.")))
        self.strip.sign_out.setText(tr(N_("Sign out")))
        self._render_member()

    def _place(self, low: bool) -> None:
        widgets = (self.camera_state, *self.standing)
        for w in widgets:
            self.top_row.removeWidget(w)
            self.bottom_flow.removeWidget(w)
        policy = QSizePolicy.Policy.Preferred if low else QSizePolicy.Policy.Maximum
        for w in self.standing:  # at the bottom they share the row's width; at the top, no more than needed
            w.setSizePolicy(policy, QSizePolicy.Policy.Fixed)
        for w in widgets:
            (self.bottom_flow if low else self.top_row).addWidget(w)

    def _place_sign_out(self, down: bool) -> None:
        self.sign_out_down = down
        self.strip.row.removeWidget(self.strip.sign_out)
        self.bottom_flow.removeWidget(self.strip.sign_out)
        if down:
            self.bottom_flow.addWidget(self.strip.sign_out)
        else:
            self.strip.row.addWidget(self.strip.sign_out, 0, Qt.AlignmentFlag.AlignVCenter)

    def _place_heading(self) -> None:
        """The heading beside the bar's buttons where both fit, else above them: a long heading
        with large text on a small panel would widen the window past the panel's edge."""
        items = (self.top_row.itemAt(i) for i in range(self.top_row.count()))
        row = [item.widget() for item in items if item is not None]
        shown = [w for w in row if w is not None and w not in (self.heading, self.bar_spacer)
                 and not w.isHidden()]
        need = self.heading.sizeHint().width() + sum(
            max(w.minimumWidth(), w.minimumSizeHint().width()) for w in shown) + self.top_row.spacing() * len(shown)
        margins = layout_of(self.window).contentsMargins()
        above = not self.low_reach and bool(shown) and need > self.window.width() - margins.left() - margins.right()
        if above == self.heading_above:
            return
        self.heading_above = above
        self.top_row.removeWidget(self.heading)
        self.top_col.removeWidget(self.heading)
        if above:
            self.top_col.insertWidget(0, self.heading)
        else:
            self.top_row.insertWidget(0, self.heading, 1)
        self.bar_spacer.setVisible(above)

    def _place_strip(self) -> None:
        # Low reach on a panel in reach from top to bottom leaves the heading alone on its row: the
        # strip goes beside it, where the name and the sign-out fit beside the heading.
        margins = self.strip.contentsMargins()
        need = self.heading.sizeHint().width() + self.top_row.spacing() + self.strip.who.sizeHint().width() \
            + self.strip.row.spacing() + self.strip.sign_out.sizeHint().width() + margins.left() + margins.right() \
            + 2 * layout_of(self.strip).contentsMargins().left()
        beside = self.low_reach and self._band_px <= 0 and need <= self.top.width()
        if beside == self.strip_beside:
            return
        self.strip_beside = beside
        self.top_col.removeWidget(self.strip)
        self.top_row.removeWidget(self.strip)
        if beside:
            self.top_row.addWidget(self.strip, 1)
        else:
            self.top_col.insertWidget(1, self.strip)
        self.top_row.setStretchFactor(self.heading, 0 if beside else 1)
        self.heading.setAlignment(Qt.AlignmentFlag.AlignLeft | (Qt.AlignmentFlag.AlignTop if beside
                                                                else Qt.AlignmentFlag.AlignVCenter))

    def set_low_reach(self, low: bool, band_px: int, spacing: int) -> None:
        """Switch layouts; ``band_px`` is how far down from the window's top is out of reach."""
        if low != self.low_reach:
            self.low_reach = low
            self._place(low)
        # The sign-out stays beside the name unless the strip is out of reach: on a panel that is
        # in reach from top to bottom, the bar below keeps one row for the screen's room.
        down = low and band_px > 0
        if down != self.sign_out_down:
            self._place_sign_out(down)
        self._band_px = band_px
        self._place_heading()
        self._place_strip()
        self.fix_widths()  # a new text size, or the other layout
        self.bottom.setVisible(low)
        self.bottom_flow.setSpacing(spacing)
        margin = layout_of(self.window).contentsMargins().top()
        band = max(0, band_px - margin - spacing) if low else 0
        if band:
            # Never more than the room the screens leave: a band that made the window taller
            # would push the reach line down with it, and again. (The audit reports a control
            # left above the line.)
            self.top.setMinimumHeight(0)
            need = layout_of(self.window).totalMinimumSize().height() - self.top.minimumSizeHint().height()
            band = min(band, self.window.height() - need)
        self.top.setMinimumHeight(max(0, band))
        self.fit_caption()

    def set_caption(self, text: str, compact: bool = False) -> None:
        """What to do now (the low-reach caption); ``compact``: the strip keeps to who is signed in
        (:meth:`ui.screens.base.Screen.strip_compact`)."""
        self._confirm_due = False
        self.strip.set_compact(compact)
        self._place_heading()  # another heading, other buttons: beside them or not
        self._place_strip()  # another heading, another name: beside it or not
        self.caption.setText(text)
        self.fit_caption()

    def fit_caption(self) -> None:
        """In low reach, say what to do in the room above the controls, when it fits whole."""
        if not self.low_reach or not self.caption.text():
            self.caption.hide()
            self.restore_instructions()
            return
        room = self.top.minimumHeight() - self.heading.sizeHint().height() - layout_of(self.top).spacing()
        if self.strip.isVisibleTo(self.top) and not self.strip_beside:
            room -= max(self.strip.sizeHint().height(), self.strip.minimumHeight()) + layout_of(self.top).spacing()
        width = max(1, self.top.width())
        need = self.caption.heightForWidth(width)
        self.caption.setVisible(need <= room)
        # All its lines: the bar's column gives a label its preferred height, not the one its
        # lines need at this width.
        self.caption.setMinimumHeight(need if need <= room else 0)
        # What to do is said once: up here, where the screen's own line would repeat it.
        self._show_instructions(self.caption.isHidden())

    def restore_instructions(self) -> None:
        self._show_instructions(True)

    def _show_instructions(self, shown: bool) -> None:
        if shown == self._instructions_shown:
            return  # called on every change of screen: only walk the widgets when it changes
        self._instructions_shown = shown
        for w in self.window.findChildren(QWidget):
            if w.property("instruction"):
                w.setVisible(shown)
