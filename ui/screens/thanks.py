"""Thank you: what the visit leaves the resident with, a moment to read it, then home.

After borrowing it says, large, what was taken and when each is due; after a
return, where each item went; then one action, back to the start (the screen
also goes home by itself after a while).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QScrollArea, QVBoxLayout, QWidget

from kiosk.services.views import ItemView
from ui.receipt import build_receipt
from ui.screens.base import Screen
from ui.text import N_, tr
from ui.widgets.common import Icon, ItemPhoto, button, discard, label

#: the side of an item's picture on the thanks screen, in mm (large text enlarges it)
PICTURE_MM = 16.0


class VisitLine(QWidget):
    """One item of the visit, large: its picture, what it is and its due date or where it went."""

    def __init__(self, item: ItemView | None, code: str, text: str) -> None:
        super().__init__()
        self.photo = ItemPhoto(PICTURE_MM)
        self.photo.show_item(item, code)
        self.text = label(text, "title")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.photo, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.text, 1)


class ThanksScreen(Screen):
    name = "thanks"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.icon = Icon("ok", 24.0)
        self.icon.setObjectName("ThanksIcon")
        self.big = label("", "huge", align=Qt.AlignmentFlag.AlignCenter)
        # Each item of the visit with its picture: a resident sees what they took or brought back.
        self.lines: list[VisitLine] = []
        self.summary = QWidget()
        self.summary.setObjectName("ThanksSummary")
        self.summary_box = QVBoxLayout(self.summary)
        self.summary_box.setContentsMargins(0, 0, 0, 0)
        self.small = label("", align=Qt.AlignmentFlag.AlignCenter)
        self.home = button("", "primary", "ThanksHome")
        self.home.clicked.connect(self._finish)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._finish)
        # A long visit scrolls here, so the one action stays on screen below it.
        inner = QWidget()
        icol = QVBoxLayout(inner)
        icol.addStretch(1)
        icol.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignHCenter)
        icol.addWidget(self.big)
        icol.addWidget(self.summary)
        icol.addWidget(self.small)
        icol.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("ThanksScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(inner)
        col = QVBoxLayout(self)
        col.addWidget(scroll, 1)
        col.addWidget(self.home)

    def title(self) -> str:
        return tr(N_("Thank you"))

    def retranslate(self) -> None:
        self.big.setText(tr(N_("Thank you!")))
        self._show_lines()
        self.small.setText(self.instruction())
        self.home.setText(tr(N_("Back to the start")))

    def _show_lines(self) -> None:
        """Each item of the visit with its picture and its due date (borrowed, renewed) or where it
        went (returned), in the order of the receipt."""
        for line in self.lines:
            discard(line)
        self.lines = []
        visit = self.session.visit
        if not visit.empty:
            receipt = build_receipt(visit, self.session.lang, self.ctx.kiosk.clock(), self.ctx.config.site_name)
            items = [(o.item_view, o.item) for o in (*visit.borrowed, *visit.renewed)]
            items += [(r.item, r.item.code) for r in visit.returned]
            entries = [e for _title, section in receipt.sections for e in section]
            for (view, code), e in zip(items, entries, strict=True):
                text = tr(N_("{item} — {detail}"), item=e.title, detail=e.detail) if e.detail else e.title
                line = VisitLine(view, code, text)
                self.summary_box.addWidget(line)
                self.lines.append(line)
        self.summary.setVisible(bool(self.lines))

    def line_texts(self) -> list[str]:
        """What the lines say, one per item."""
        return [line.text.text() for line in self.lines]

    def instruction(self) -> str:
        visit = self.session.visit
        if visit.borrowed:
            return tr(N_("Please take your items with you. See you again soon."))
        if visit.returned:
            return tr(N_("Thank you for bringing it back. See you again soon."))
        return tr(N_("See you again soon."))

    def prompt(self) -> list[str]:
        return [self.big.text(), *self.line_texts(), self.instruction()]

    def enter(self, **_kw) -> None:
        self.icon.set_kind("ok", "ok")
        self.retranslate()
        self.timer.start(self.ctx.config.thanks_ms)

    def leave(self) -> None:
        self.timer.stop()

    def _finish(self) -> None:
        self.timer.stop()
        self.ctx.go("home", end=True)
