"""One item in a list: photo (or the pictogram of its kind), name, code, and a line saying what happened."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QPushButton, QWidget

from ui.widgets.common import Icon, ItemPhoto, button, label, restyle

if TYPE_CHECKING:
    from kiosk.services.views import ItemView


#: the row's text goes under its picture when the column beside it is narrower than this many ems
NARROW_EM = 24


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
        # Beside the picture: the name with its code and the ✓/✗, then what happened and what can be
        # done. Kept this short so the newest row fits in view with large text on a small panel:
        # where the column beside the picture is narrow, the code and what can be done go under the
        # name, beside the picture, and what happened takes the row's whole width under them.
        self.head = QHBoxLayout()
        self.head.addWidget(self.name, 1)
        self.head.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        self.sub = QHBoxLayout()
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(8, 6, 8, 6)
        self.grid.setVerticalSpacing(0)
        self.grid.setColumnStretch(1, 1)
        self.grid.addLayout(self.head, 0, 1)
        #: "beside" (all beside the picture), "under" (what happened under it) or "below" (what can
        #: be done, too wide for beside the code, under what happened)
        self.mode = ""
        self._place("beside")
        self.ok: bool | None = None

    def _mode(self, width: int) -> str:
        margins = self.grid.contentsMargins()
        column = width - self.photo.width() - margins.left() - margins.right() - self.grid.horizontalSpacing()
        # The column beside the picture holds fewer than NARROW_EM characters' widths: narrow.
        if column >= NARROW_EM * max(1, QFontInfo(self.status.font()).pixelSize()):
            return "beside"
        if self.actions_box.isHidden():
            return "under"
        need = self.code_label.sizeHint().width() + self.sub.spacing() + self.actions_box.sizeHint().width()
        return "under" if need <= column else "below"

    def _place(self, mode: str) -> None:
        if mode == self.mode:
            return
        self.mode = mode
        for w in (self.photo, self.status, self.actions_box, self.code_label):
            self.grid.removeWidget(w)
            self.head.removeWidget(w)
            self.sub.removeWidget(w)
        self.grid.removeItem(self.sub)
        top = Qt.AlignmentFlag.AlignTop
        if mode == "beside":
            self.head.insertWidget(1, self.code_label, 0, top)
            self.grid.addWidget(self.photo, 0, 0, 3, 1, top)
            self.grid.addWidget(self.status, 1, 1)
            self.grid.addWidget(self.actions_box, 2, 1)
            return
        self.sub.addWidget(self.code_label, 0, top)
        if mode == "under":
            self.sub.addWidget(self.actions_box, 1)
        else:
            self.grid.addWidget(self.actions_box, 3, 0, 1, 2)
        self.grid.addWidget(self.photo, 0, 0, 2, 1, top)
        self.grid.addLayout(self.sub, 1, 1)
        self.grid.addWidget(self.status, 2, 0, 1, 2)

    def _fit(self, width: int) -> None:
        if width > 0:
            self._place(self._mode(width))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit(self.width())

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        self._fit(width)
        return super().heightForWidth(width)

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
        self._fit(self.width())
        return b

    def clear_actions(self) -> None:
        while self.action_row.count():
            item = self.action_row.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.hide()
                w.deleteLater()
        self.actions_box.hide()
        self._fit(self.width())
