"""One item in a list: photo (or the pictogram of its kind), name, code, and a line saying what happened."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from ui.widgets.common import Icon, ItemPhoto, button, label, restyle

if TYPE_CHECKING:
    from kiosk.services.views import ItemView


class ItemRow(QFrame):
    """A card in the borrow, return and loans lists."""

    def __init__(self, code: str, name: str, photo: str | None = None, *, item: ItemView | None = None) -> None:
        """``item`` (when known) gives the photo or the pictogram of its kind; else ``photo``."""
        super().__init__()
        self.setProperty("role", "card")
        self.setObjectName(f"row_{code}")
        self.code = code
        self.photo = ItemPhoto(20.0)
        if item is not None or photo is None:
            self.photo.show_item(item, code)
        else:
            self.photo.set_item(code, photo)
        self.name = label(name)
        self.name.setObjectName("RowName")
        f = self.name.font()
        f.setBold(True)
        self.name.setFont(f)
        self.code_label = label(code, "muted", wrap=False)  # a code is never broken at its hyphen
        self.status = label("")
        self.status.setObjectName("RowStatus")
        self.icon = Icon("ok", 10.0)
        self.icon.hide()
        # In a widget, hidden while empty: an empty layout would cap the text column's width.
        self.actions_box = QWidget()
        self.action_row = QHBoxLayout(self.actions_box)
        self.action_row.setContentsMargins(0, 0, 0, 0)
        self.actions_box.hide()
        # Two lines beside the picture: the name with its code and the ✓/✗, then what happened.
        # Kept this short so the newest row fits in view with large text on a small panel.
        head = QHBoxLayout()
        head.addWidget(self.name, 1)
        head.addWidget(self.code_label, 0, Qt.AlignmentFlag.AlignTop)
        head.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        text = QVBoxLayout()
        text.setSpacing(0)
        text.addLayout(head)
        text.addWidget(self.status)
        text.addWidget(self.actions_box)
        row = QHBoxLayout(self)
        row.addWidget(self.photo, 0, Qt.AlignmentFlag.AlignTop)
        row.addLayout(text, 1)
        self.ok: bool | None = None

    def set_name(self, name: str) -> None:
        self.name.setText(name)

    def set_status(self, text: str, ok: bool | None) -> None:
        """ok True: done (green), False: refused (red), None: neutral."""
        self.ok = ok
        self.status.setText(text)
        self.status.setProperty("role", None if ok is None else ("ok" if ok else "refused"))
        restyle(self.status)
        if ok is None:
            self.icon.hide()
        else:
            self.icon.set_kind("ok" if ok else "refused", "ok" if ok else "refused")
            self.icon.show()

    def add_action(self, text: str, name: str, role: str | None = None) -> QPushButton:
        b = button(text, role, name)
        self.action_row.addWidget(b)
        self.actions_box.show()
        return b

    def clear_actions(self) -> None:
        while self.action_row.count():
            item = self.action_row.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.hide()
                w.deleteLater()
        self.actions_box.hide()
