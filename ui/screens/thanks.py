"""Thank you: a moment to read it, then the session ends and home returns."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QVBoxLayout

from ui.screens.base import Screen
from ui.text import N_, tr
from ui.widgets.common import Icon, button, label, theme_of


class ThanksScreen(Screen):
    name = "thanks"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.icon = Icon("ok", 30.0)
        self.big = label("", "huge", align=Qt.AlignmentFlag.AlignCenter)
        self.small = label("", align=Qt.AlignmentFlag.AlignCenter)
        self.home = button("", "primary", "ThanksHome")
        self.home.clicked.connect(self._finish)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._finish)
        col = QVBoxLayout(self)
        col.addStretch(1)
        col.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignHCenter)
        col.addWidget(self.big)
        col.addWidget(self.small)
        col.addStretch(1)
        col.addWidget(self.home)

    def title(self) -> str:
        return tr(N_("Thank you"))

    def retranslate(self) -> None:
        self.big.setText(tr(N_("Thank you!")))
        self.small.setText(self.instruction())
        self.home.setText(tr(N_("Back to the start")))

    def instruction(self) -> str:
        return tr(N_("Please take your items with you. See you again soon."))

    def prompt(self) -> list[str]:
        return [self.big.text(), self.instruction()]

    def enter(self, **_kw) -> None:
        self.icon.set_kind("ok", theme_of(self).palette.ok)
        self.timer.start(self.ctx.config.thanks_ms)

    def leave(self) -> None:
        self.timer.stop()

    def _finish(self) -> None:
        self.timer.stop()
        self.ctx.go("home", end=True)
