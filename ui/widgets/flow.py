"""A row of buttons that wraps onto more lines instead of cutting their text.

Large text, a narrow portrait panel or a wordy language make a row of
choices wider than the screen; :class:`FlowLayout` then puts the rest on the
next line. Each line is stretched to the full width, every item by the same
share, so the buttons stay large touch targets.
"""

from __future__ import annotations

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QSizePolicy, QWidget


class FlowLayout(QLayout):
    """Items left to right, wrapping to a new line when the next one does not fit."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 12) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        self.setContentsMargins(0, 0, 0, 0)

    # -- QLayout ---------------------------------------------------------------------
    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def spacing(self) -> int:
        return self._spacing

    def setSpacing(self, spacing: int) -> None:
        self._spacing = spacing
        self.invalidate()

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation.Horizontal

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, apply=True)

    def sizeHint(self) -> QSize:
        shown = self._shown()
        width = sum(i.sizeHint().width() for i in shown) + self._spacing * max(0, len(shown) - 1)
        m = self.contentsMargins()
        return QSize(width + m.left() + m.right(), self.heightForWidth(width + m.left() + m.right()))

    def minimumSize(self) -> QSize:
        # As narrow as the widest item: everything else can wrap. The height at
        # the width it gets comes from heightForWidth; here, one line.
        shown = self._shown()
        widest = max((i.sizeHint().width() for i in shown), default=0)
        tallest = max((i.sizeHint().height() for i in shown), default=0)
        m = self.contentsMargins()
        return QSize(widest + m.left() + m.right(), tallest + m.top() + m.bottom())

    # -- arranging --------------------------------------------------------------------
    def _shown(self) -> list[QLayoutItem]:
        return [i for i in self._items if not ((w := i.widget()) is not None and w.isHidden())]

    def lines(self, width: int) -> list[list[QLayoutItem]]:
        """The items of each line at this width (without margins)."""
        lines: list[list[QLayoutItem]] = [[]]
        used = 0
        for item in self._shown():
            w = item.sizeHint().width()
            if lines[-1] and used + self._spacing + w > width:
                lines.append([])
                used = 0
            used += (self._spacing if lines[-1] else 0) + w
            lines[-1].append(item)
        return [line for line in lines if line]

    def _arrange(self, rect: QRect, apply: bool) -> int:
        m: QMargins = self.contentsMargins()
        inner = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        y = inner.y()
        for line in self.lines(inner.width()):
            height = max(self._height(i, i.sizeHint().width()) for i in line)
            natural = sum(i.sizeHint().width() for i in line)
            room = inner.width() - self._spacing * (len(line) - 1)
            spare = max(0, room - natural)
            equal = room // len(line)
            even = all(i.sizeHint().width() <= equal for i in line)  # same width for all when they fit
            x = inner.x()
            for n, item in enumerate(line):
                if even:
                    w = equal if n < len(line) - 1 else room - equal * (len(line) - 1)
                else:  # the spare room shared out equally; the last item takes the rounding
                    extra = spare // len(line) if n < len(line) - 1 else spare - spare // len(line) * (len(line) - 1)
                    w = min(inner.width(), item.sizeHint().width() + extra)
                if apply:
                    item.setGeometry(QRect(QPoint(x, y), QSize(w, height)))
                x += w + self._spacing
            y += height + self._spacing
        return y - self._spacing - inner.y() + m.top() + m.bottom() if y > inner.y() else m.top() + m.bottom()

    @staticmethod
    def _height(item: QLayoutItem, width: int) -> int:
        if item.hasHeightForWidth():
            return item.heightForWidth(width)
        return item.sizeHint().height()


def flow_box(widgets: list[QWidget], spacing: int = 12) -> QWidget:
    """A widget holding ``widgets`` in a :class:`FlowLayout`."""
    box = QWidget()
    flow = FlowLayout(box, spacing)
    for w in widgets:
        flow.addWidget(w)
    policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
    policy.setHeightForWidth(True)
    box.setSizePolicy(policy)
    return box
