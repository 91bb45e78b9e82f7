"""Thank you: what the visit leaves the resident with, a moment to read it, then home.

After borrowing it says, large, what was taken and when each is due; after a
return, where each item went; then one action, back to the start (the screen
also goes home by itself after a while).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget

from ui.receipt import build_receipt
from ui.screens.base import Screen
from ui.text import N_, tr
from ui.widgets.common import Icon, button, label


class ThanksScreen(Screen):
    name = "thanks"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.icon = Icon("ok", 24.0)
        self.icon.setObjectName("ThanksIcon")
        self.big = label("", "huge", align=Qt.AlignmentFlag.AlignCenter)
        self.summary = label("", "title", align=Qt.AlignmentFlag.AlignCenter)
        self.summary.setObjectName("ThanksSummary")
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
        self.summary.setText(self._summary())
        self.summary.setVisible(bool(self.summary.text()))
        self.small.setText(self.instruction())
        self.home.setText(tr(N_("Back to the start")))

    def _summary(self) -> str:
        """Each item of the visit with its due date (borrowed, renewed) or where it went (returned)."""
        visit = self.session.visit
        if visit.empty:
            return ""
        receipt = build_receipt(visit, self.session.lang, self.ctx.kiosk.clock(), self.ctx.config.site_name)
        return "\n".join(tr(N_("{item} — {detail}"), item=e.title, detail=e.detail) if e.detail else e.title
                         for _title, entries in receipt.sections for e in entries)

    def instruction(self) -> str:
        visit = self.session.visit
        if visit.borrowed:
            return tr(N_("Please take your items with you. See you again soon."))
        if visit.returned:
            return tr(N_("Thank you for bringing it back. See you again soon."))
        return tr(N_("See you again soon."))

    def prompt(self) -> list[str]:
        return [self.big.text(), *self.summary.text().splitlines(), self.instruction()]

    def enter(self, **_kw) -> None:
        self.icon.set_kind("ok", "ok")
        self.retranslate()
        self.timer.start(self.ctx.config.thanks_ms)

    def leave(self) -> None:
        self.timer.stop()

    def _finish(self) -> None:
        self.timer.stop()
        self.ctx.go("home", end=True)
