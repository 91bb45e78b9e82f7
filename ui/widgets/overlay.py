"""Dialogs drawn inside the kiosk window.

A kiosk has one fullscreen window, so a dialog is a panel over a dimmed copy
of the screen rather than a separate window: it never hides behind the kiosk,
it is part of every screenshot, and the idle reset can close it like anything
else. Overlays stack; the newest is on top.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QBoxLayout, QFrame, QHBoxLayout, QPushButton, QScrollArea, QVBoxLayout, QWidget

from ui.tasks import Scope
from ui.widgets.common import button, label, theme_of
from ui.widgets.host import WindowHost


class Overlay(QWidget):
    """A modal panel over the window. Subclasses fill :attr:`body` and :attr:`buttons`."""

    #: the result it closed with ("" when closed by the kiosk, e.g. on idle reset)
    closed = Signal(str)

    def __init__(self, host: QWidget, name: str) -> None:
        super().__init__(host)
        self.setObjectName(name)
        self.setProperty("role", "scrim")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.panel = QFrame(self)
        self.panel.setProperty("role", "dialog")
        self.panel.setObjectName(f"{name}Panel")
        outer = QVBoxLayout(self)
        self.outer = outer
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.panel, 8)
        row.addStretch(1)
        self.row = row
        #: with the 200 % zoom a dialog may be taller than the panel: it scrolls up and down then
        self.scroller: QScrollArea | None = None
        outer.addLayout(row)
        outer.addStretch(1)
        self.body = QVBoxLayout(self.panel)
        self.title = label("", "title")
        self.message = label("")
        self.body.addWidget(self.title)
        self.body.addWidget(self.message)
        self.buttons = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.body.addLayout(self.buttons)
        self.result_: str | None = None
        #: background work started for this dialog: dropped once it is answered or deleted
        self.scope = Scope(self)
        host.installEventFilter(self)
        self.panel.installEventFilter(self)
        self.hide()

    def add_button(self, text: str, result: str, role: str | None = None) -> QPushButton:
        b = button(text, role, f"{self.objectName()}_{result}")
        b.clicked.connect(lambda _=False, r=result: self.finish(r))
        self.buttons.addWidget(b)
        return b

    def open(self) -> None:
        """Show above everything else in the window (and say so, when voice is on)."""
        self.fit_host()
        self.show()
        self.raise_()
        host = self.parentWidget()
        if isinstance(host, WindowHost):
            host.announce()

    def host_widget(self) -> QWidget:
        """The widget the dialog covers (its parent, for the dialog's whole life)."""
        host = self.parentWidget()
        assert host is not None
        return host

    def fit_host(self) -> None:
        """Cover the host again (its size or its layout changed)."""
        host = self.host_widget()
        self.setGeometry(host.rect())
        # In the low-reach layout the dialog stays below the reach line like every control.
        top = host.reach_top() if isinstance(host, WindowHost) else 0
        m = self.outer.contentsMargins()
        self.outer.setContentsMargins(m.left(), max(top, m.bottom()), m.right(), m.bottom())
        self._fit_zoom()

    def _fit_zoom(self) -> None:
        """With the 200 % zoom the panel sits in a scroll area (up and down only), without it
        not: a zoomed dialog may need more height than the window has."""
        zoom = theme_of(self.host_widget()).zoom
        if zoom == (self.scroller is not None):
            return
        if zoom:
            scroller = QScrollArea()
            scroller.setObjectName(f"{self.objectName()}Scroll")
            scroller.setFrameShape(QFrame.Shape.NoFrame)
            scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            scroller.setWidgetResizable(True)
            self.row.replaceWidget(self.panel, scroller)
            scroller.setWidget(self.panel)
            self.scroller = scroller
        else:
            old, self.scroller = self.scroller, None
            assert old is not None
            panel = old.takeWidget()
            self.row.replaceWidget(old, panel)
            panel.show()
            old.deleteLater()

    def retranslate(self) -> None:
        """Set every text in the current language (dialogs whose texts can change do)."""

    def prompt(self) -> list[str]:
        """What the voice says about this dialog: its title and message."""
        return [t.text() for t in (self.title, self.message) if t.text() and not t.isHidden()]

    def finish(self, result: str = "") -> None:
        """Close with ``result`` (the kiosk closes with "" on reset)."""
        if self.result_ is not None:
            return
        self.result_ = result
        self.scope.close()
        self.hide()
        self.host_widget().removeEventFilter(self)
        self.closed.emit(result)
        self.deleteLater()

    @property
    def is_open(self) -> bool:
        return self.result_ is None and self.isVisible()

    def fit_buttons(self) -> None:
        """Answers side by side when they fit the panel, else one under the other.

        Long answers (large text, a narrow portrait panel, a wordy language)
        stack rather than being cut.
        """
        items = [self.buttons.itemAt(i) for i in range(self.buttons.count())]
        buttons = [item.widget() for item in items if item is not None]
        shown = [b for b in buttons if b is not None and not b.isHidden()]
        room = self.panel.contentsRect().width() - self.body.contentsMargins().left() \
            - self.body.contentsMargins().right()
        need = sum(b.sizeHint().width() for b in shown) + self.buttons.spacing() * max(0, len(shown) - 1)
        direction = (QBoxLayout.Direction.TopToBottom if shown and need > room
                     else QBoxLayout.Direction.LeftToRight)
        if self.buttons.direction() != direction:
            self.buttons.setDirection(direction)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self.fit_host()
        elif watched is self.panel and event.type() in (QEvent.Type.Resize, QEvent.Type.LayoutRequest):
            self.fit_buttons()
        return False


def open_overlays(host: QWidget) -> list[Overlay]:
    """The overlays open in ``host``, oldest first."""
    return [w for w in host.findChildren(Overlay, options=Qt.FindChildOption.FindDirectChildrenOnly)
            if w.is_open]


class Confirm(Overlay):
    """A question with two or three answers."""

    def __init__(self, host: QWidget, name: str, title: str, message: str,
                 answers: list[tuple[str, str, str | None]]) -> None:
        super().__init__(host, name)
        self.title.setText(title)
        self.message.setText(message)
        self.message.setVisible(bool(message))
        for text, result, role in answers:
            self.add_button(text, result, role)
