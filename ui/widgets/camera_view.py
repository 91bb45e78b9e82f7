"""The live camera preview with a guide frame showing where to hold the code."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ui.widgets.common import theme_of


class CameraView(QWidget):
    """Paints the newest frame (aspect kept) and corner brackets of the guide frame."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CameraView")
        self.frame: QImage | None = None
        self.frames_painted = 0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        t = theme_of(self)
        return QSize(t.mm(80), t.mm(60))

    def minimumSizeHint(self) -> QSize:
        t = theme_of(self)
        return QSize(t.mm(40), t.mm(30))

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
