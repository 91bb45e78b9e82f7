"""Typing a code on screen: for a label the camera cannot read, or no camera at all.

Item codes are letters, a dash and digits (``T-00042``, ``BG-00001``), so the
keyboard has exactly those keys, each a full touch target. The typed text goes
the same way as a scanned code.
"""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLineEdit, QSizePolicy, QWidget

from ui.text import N_, tr
from ui.widgets.common import button
from ui.widgets.host import WindowHost
from ui.widgets.overlay import Overlay

_ROWS = ("1234567890", "QWERTYUIOP", "ASDFGHJKL-", "ZXCVBNM")
MAX_LENGTH = 24


class CodeKeyboard(Overlay):
    """Closes with "ok" and the typed text in :attr:`text`, or "cancel"."""

    def __init__(self, host: QWidget) -> None:
        super().__init__(host, "CodeKeyboard")
        self.field = QLineEdit()
        self.field.setObjectName("TypedCode")
        self.field.setReadOnly(True)  # typed with the keys below, never a system keyboard
        self.body.insertWidget(2, self.field)
        grid = QGridLayout()
        grid.setSpacing(6)
        self.keys = {}
        for r, row in enumerate(_ROWS):
            for c, ch in enumerate(row):
                b = button(ch, "key", f"type_{ch}")
                b.setProperty("role", "typekey")
                b.setProperty("a11yGroup", "typekeys")
                b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
                b.clicked.connect(lambda _=False, k=ch: self.type_text(k))
                grid.addWidget(b, r, c)
                self.keys[ch] = b
        self.erase = button("", "typekey", "type_erase")
        self.erase.setProperty("role", "typekey")
        self.erase.setProperty("a11yGroup", "typekeys")
        self.erase.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.erase.clicked.connect(lambda: self.field.setText(self.field.text()[:-1]))
        grid.addWidget(self.erase, 3, 7, 1, 3)
        self.body.insertLayout(3, grid)
        self.ok = self.add_button("", "ok", "primary")
        self.cancel = self.add_button("", "cancel")
        self.retranslate()

    @property
    def text(self) -> str:
        return self.field.text()

    def type_text(self, chars: str) -> None:
        self.field.setText((self.field.text() + chars)[:MAX_LENGTH])
        host = self.parentWidget()
        if isinstance(host, WindowHost):
            host.say(chars)  # each key read back while voice guidance is on

    def prompt(self) -> list[str]:
        said = super().prompt()
        if self.field.text():
            said.append(tr(N_("Typed so far: {code}"), code=" ".join(self.field.text())))
        return said

    def finish(self, result: str = "") -> None:
        if result == "ok" and not self.field.text():
            return  # nothing typed: stay open
        super().finish(result)

    def retranslate(self) -> None:
        self.title.setText(tr(N_("Type the code")))
        self.message.setText(tr(N_("Type the code printed under the QR label, for example T-00042.")))
        self.erase.setText(tr(N_("Erase")))
        self.keys["-"].setAccessibleName(tr(N_("Dash")))
        self.ok.setText(tr(N_("OK")))
        self.cancel.setText(tr(N_("Cancel")))
