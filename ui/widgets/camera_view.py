"""The live camera preview with a guide frame showing where to hold the code.

While a code is held up but not read, the scanner's advice ("Bring the label a
little closer.") is shown large over the lower part of the picture, where the
resident is already looking; one message at a time, until it is withdrawn.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QFrame, QSizePolicy, QVBoxLayout, QWidget

from ui.widgets.common import label, theme_of


class CameraView(QWidget):
    """Paints the newest frame (aspect kept) and corner brackets of the guide frame."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CameraView")
        self.frame: QImage | None = None
        self.frames_painted = 0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        # The advice: a child over the picture (not painted into it), so it keeps the
        # theme's large text and colours and assistive technology can read it.
        self.hint_box = QFrame(self)
        self.hint_box.setObjectName("CameraHint")
        self.hint_box.setProperty("role", "banner-info")
        self.hint_label = label("", "title", align=Qt.AlignmentFlag.AlignCenter)
        self.hint_label.setObjectName("CameraHintText")
        box = QVBoxLayout(self.hint_box)
        box.addWidget(self.hint_label)
        self.hint_box.hide()

    @property
    def hint(self) -> str | None:
        """The advice shown now (None: none)."""
        return self.hint_label.text() if not self.hint_box.isHidden() else None

    def show_hint(self, text: str | None) -> None:
        """Show ``text`` as the advice in place of any other, or withdraw it (None)."""
        if not text:
            self.hint_box.hide()
            return
        if text != self.hint_label.text():
            self.hint_label.setText(text)
            self.hint_box.setAccessibleName(text)
        self._place_hint()
        self.hint_box.show()
        self.hint_box.raise_()

    def _place_hint(self) -> None:
        margin = max(4, self.width() // 24)
        w = self.width() - 2 * margin
        h = min(self.hint_box.heightForWidth(w) if self.hint_box.hasHeightForWidth() else -1,
                self.height() - 2 * margin)
        if h <= 0:
            h = min(self.hint_box.sizeHint().height(), self.height() - 2 * margin)
        self.hint_box.setGeometry(margin, self.height() - margin - h, w, h)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if not self.hint_box.isHidden():
            self._place_hint()

    def sizeHint(self) -> QSize:
        # The least size: the picture grows with the room its layout's stretch gives it, and a
        # screen measured for its height never scrolls its next step away for a bigger picture.
        return self.minimumSizeHint()

    def minimumSizeHint(self) -> QSize:
        t = theme_of(self)
        return QSize(t.visual_mm(40), t.visual_mm(30))

    def show_frame(self, image: QImage) -> None:
        self.frame = image
        self.update()

    def clear(self) -> None:
        self.frame = None
        self.update()

    def guide_rect(self) -> QRectF:
        side = min(self.width(), self.height()) * 0.62
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def paintEvent(self, _event) -> None:
        theme = theme_of(self)
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#202020"))
        if self.frame is not None and not self.frame.isNull():
            # Fill the view, aspect kept (the overflow is clipped): the painter scales
            # while it draws, with no intermediate image on the GUI thread.
            fw, fh = self.frame.width(), self.frame.height()
            scale = max(self.width() / fw, self.height() / fh)
            w, h = fw * scale, fh * scale
            p.drawImage(QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h), self.frame)
            self.frames_painted += 1
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = self.guide_rect()
        arm = r.width() * 0.22
        pen = QPen(QColor(theme.palette.guide), max(4, theme.mm(1.6)), Qt.PenStyle.SolidLine,
                   Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        for cx, cy, dx, dy in ((r.left(), r.top(), 1, 1), (r.right(), r.top(), -1, 1),
                               (r.left(), r.bottom(), 1, -1), (r.right(), r.bottom(), -1, -1)):
            p.drawLine(int(cx), int(cy), int(cx + dx * arm), int(cy))
            p.drawLine(int(cx), int(cy), int(cx), int(cy + dy * arm))
        p.end()
