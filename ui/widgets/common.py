"""Small building blocks: labelled buttons, feedback banners, icons, photos, QR."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLayout, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from kiosk.pictograms import FALLBACK, pictogram_for
from ui.theme import Theme
from ui.widgets.picture import photo_pixmap, pictogram_pixmap

if TYPE_CHECKING:
    from kiosk.services.views import ItemView

#: a text, or a function that renders it in the current language
Text = str | Callable[[], str]


def qapp() -> QCoreApplication:
    """The running application (the UI never runs without one)."""
    app = QCoreApplication.instance()
    assert app is not None, "no Qt application yet"
    return app


def layout_of(widget: QWidget) -> QLayout:
    """The layout a widget was given when it was built."""
    layout = widget.layout()
    assert layout is not None, f"{widget.objectName() or type(widget).__name__} has no layout"
    return layout


def theme_of(widget: QWidget) -> Theme:
    """The theme of the window a widget sits in."""
    from ui.widgets.host import WindowHost

    w: QWidget | None = widget
    while w is not None:
        if isinstance(w, WindowHost) and w.theme is not None:
            return w.theme
        w = w.parentWidget()
    return Theme.make()


def restyle(widget: QWidget) -> None:
    """Re-apply the style sheet after a dynamic property changed."""
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def discard(widget: QWidget) -> None:
    """Take a widget off the screen now and delete it later (a hidden widget is never painted)."""
    parent = widget.parentWidget()
    layout = parent.layout() if parent is not None else None
    if layout is not None:
        layout.removeWidget(widget)
    widget.hide()
    widget.deleteLater()


class WrapLabel(QLabel):
    """A word-wrapped label whose minimum is one line; layouts ask its height for their width.

    QLabel's own minimum for wrapped text is the height at the narrowest
    width, a word a line: summed over a screen that asks for a window far
    taller than the panel. The box and grid layouts give a wrapped label the
    height its text needs at the width it gets (height-for-width) anyway, and
    the display tests and the accessibility audit catch any text cut short.
    """

    def minimumSizeHint(self) -> QSize:
        base = super().minimumSizeHint()
        if not self.text():
            return base
        m = self.contentsMargins()
        return QSize(base.width(), self.fontMetrics().lineSpacing() + m.top() + m.bottom())


def label(text: str = "", role: str | None = None, wrap: bool = True,
          align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter) -> QLabel:
    lab = WrapLabel(text) if wrap else QLabel(text)
    if role:
        lab.setProperty("role", role)
    lab.setWordWrap(wrap)
    lab.setAlignment(align)
    lab.setTextFormat(Qt.TextFormat.PlainText)
    return lab


def button(text: str = "", role: str | None = None, name: str | None = None) -> QPushButton:
    b = QPushButton(text)
    if role:
        b.setProperty("role", role)
    if name:
        b.setObjectName(name)
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a touch screen: no focus rectangles
    b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return b


def card(role: str = "card") -> QFrame:
    f = QFrame()
    f.setProperty("role", role)
    return f


class Icon(QWidget):
    """A drawn symbol (no font glyph needed): ok, refused, info, shelf, staff, volume, speed."""

    def __init__(self, kind: str = "ok", size_mm: float = 14.0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.size_mm = size_mm
        self.colour: str | None = None
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_kind(self, kind: str, colour: str | None = None) -> None:
        """``colour``: a palette role ("ok", "on_refused", ...), resolved in the theme shown when
        it is drawn (a colour fixed at one theme fails contrast in another), or a "#rrggbb"."""
        self.kind, self.colour = kind, colour
        self.update()

    def ink(self) -> str:
        """The colour the symbol is drawn in, in the current theme."""
        palette = theme_of(self).palette
        if self.colour is None:
            return palette.text
        return self.colour if self.colour.startswith("#") else str(getattr(palette, self.colour))

    def sizeHint(self) -> QSize:
        side = theme_of(self).visual_mm(self.size_mm)  # enlarged with large text
        return QSize(side, side)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        side = min(self.width(), self.height())
        stroke = max(3.0, side / 10)
        # The ring is drawn on the middle of the pen: inset by half the stroke (and a pixel of
        # antialiasing) so it is never cut at the widget's edges.
        inset = stroke / 2 + 1
        r = QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side).adjusted(
            inset, inset, -inset, -inset)
        colour = QColor(self.ink())
        pen = QPen(colour, stroke, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                   Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        c, s = r.center(), r.width()
        path = QPainterPath()
        if self.kind not in ("volume", "speed"):
            p.drawEllipse(r)
        if self.kind == "volume":  # a loudspeaker and two sound waves
            path.moveTo(c + QPointF(-0.45 * s, -0.12 * s))
            path.lineTo(c + QPointF(-0.28 * s, -0.12 * s))
            path.lineTo(c + QPointF(-0.08 * s, -0.32 * s))
            path.lineTo(c + QPointF(-0.08 * s, 0.32 * s))
            path.lineTo(c + QPointF(-0.28 * s, 0.12 * s))
            path.lineTo(c + QPointF(-0.45 * s, 0.12 * s))
            path.closeSubpath()
            for radius in (0.2, 0.38):
                box = QRectF(c.x() - 0.08 * s - radius * s, c.y() - radius * s, 2 * radius * s, 2 * radius * s)
                path.arcMoveTo(box, -45)
                path.arcTo(box, -45, 90)
        elif self.kind == "speed":  # two chevrons: "faster or slower"
            for dx in (-0.3, 0.05):
                path.moveTo(c + QPointF(dx * s, -0.3 * s))
                path.lineTo(c + QPointF((dx + 0.25) * s, 0))
                path.lineTo(c + QPointF(dx * s, 0.3 * s))
        elif self.kind == "ok":
            path.moveTo(c + QPointF(-0.25 * s, 0.0))
            path.lineTo(c + QPointF(-0.07 * s, 0.18 * s))
            path.lineTo(c + QPointF(0.25 * s, -0.16 * s))
        elif self.kind == "refused":
            for a, b in (((-0.2, -0.2), (0.2, 0.2)), ((0.2, -0.2), (-0.2, 0.2))):
                path.moveTo(c + QPointF(a[0] * s, a[1] * s))
                path.lineTo(c + QPointF(b[0] * s, b[1] * s))
        else:  # info / staff / shelf: an exclamation or an arrow
            if self.kind == "shelf":
                path.moveTo(c + QPointF(-0.22 * s, 0))
                path.lineTo(c + QPointF(0.2 * s, 0))
                path.moveTo(c + QPointF(0.05 * s, -0.15 * s))
                path.lineTo(c + QPointF(0.22 * s, 0))
                path.lineTo(c + QPointF(0.05 * s, 0.15 * s))
            else:
                path.moveTo(c + QPointF(0, -0.25 * s))
                path.lineTo(c + QPointF(0, 0.07 * s))
                path.moveTo(c + QPointF(0, 0.22 * s))
                path.lineTo(c + QPointF(0, 0.23 * s))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(path)
        p.end()


class Banner(QFrame):
    """The large feedback line after each scan: a colour, an icon, a title and what to do."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = "info"
        self.icon = Icon("info", 12.0)
        self.title = label("", "huge")
        self.title.setObjectName("BannerTitle")
        self.detail = label("")
        self.detail.setObjectName("BannerDetail")
        text = QVBoxLayout()
        text.addWidget(self.title)
        text.addWidget(self.detail)
        row = QHBoxLayout(self)
        row.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addLayout(text, 1)
        self.setProperty("role", "banner-info")
        self._texts: tuple[Text, Text] = ("", "")
        self.hide()

    def show_message(self, kind: str, title: Text, detail: Text = "") -> None:
        """kind: ok | refused | info.

        A text may be a function that renders it in the current language: the
        banner then follows a language switch while it is shown.
        """
        self.kind = kind
        self._texts = (title, detail)
        self.setProperty("role", f"banner-{kind}")
        self.icon.set_kind(kind, {"ok": "on_ok", "refused": "on_refused"}.get(kind, "on_warning"))
        self._set_texts()
        restyle(self)
        for child in (self.title, self.detail):
            restyle(child)
        self.show()

    def _set_texts(self) -> None:
        title, detail = (t() if callable(t) else t for t in self._texts)
        self.title.setText(title)
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))

    def retranslate(self) -> None:
        """Render the shown message again in the current language."""
        if not self.isHidden():
            self._set_texts()

    def clear(self) -> None:
        self._texts = ("", "")
        self.title.setText("")
        self.detail.setText("")
        self.hide()

    def spoken(self) -> list[str]:
        """The message, for the voice (nothing while hidden)."""
        if self.isHidden():
            return []
        return [t for t in (self.title.text(), self.detail.text()) if t]




class ItemPhoto(QLabel):
    """An item's photo, or the pictogram of its kind when it has none (ui.widgets.picture)."""

    def __init__(self, size_mm: float = 24.0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.size_mm = size_mm
        self.code = ""
        self.photo: str | None = None
        self.pictogram = ""
        self.shows = ""  # "photo" or "pictogram": what the tile drew last
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_item(self, code: str, photo: str | None, pictogram: str = "") -> None:
        """Show ``photo`` (a file of the photo store), else the pictogram named (kiosk.pictograms)."""
        self.code, self.photo, self.pictogram = code, photo, pictogram
        self._render()

    def set_size_mm(self, size_mm: float) -> None:
        """Another side, in mm before the theme enlarges it (drawn again at once when shown)."""
        if size_mm != self.size_mm:
            self.size_mm = size_mm
            if self.shows:
                self._render()

    def show_item(self, item: ItemView | None, code: str = "") -> None:
        """Show an item's photo or pictogram; an unknown item (None) gets the generic pictogram."""
        if item is None:
            self.set_item(code, None, FALLBACK)
        else:
            self.set_item(item.code, item.photo, pictogram_for(item.category, item.name_en, item.name_ko))

    def _render(self) -> None:
        theme = theme_of(self)
        # Large text enlarges the picture too (a resident who needs it sees the item better).
        side = theme.visual_mm(self.size_mm)
        self.setFixedSize(side, side)
        pix = photo_pixmap(self.photo, side, theme)
        self.shows = "photo" if pix is not None else "pictogram"
        if pix is None:
            pix = pictogram_pixmap(self.pictogram or FALLBACK, side, theme)
        self.setPixmap(pix)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.StyleChange and self.shows:
            self._render()


class QrView(QWidget):
    """A QR code drawn as large as the room allows (whole modules, crisp edges), at least 45 mm."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image: QImage | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_image(self, image: QImage | None) -> None:
        self.image = image
        self.update()

    def clear(self) -> None:
        self.set_image(None)

    def minimumSizeHint(self) -> QSize:
        side = theme_of(self).mm(45)  # a phone reads it from arm's length
        return QSize(side, side)

    def sizeHint(self) -> QSize:
        side = theme_of(self).mm(70)
        return QSize(side, side)

    def paintEvent(self, _event) -> None:
        if self.image is None or self.image.isNull():
            return
        side = min(self.width(), self.height())
        img = self.image.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio,
                                Qt.TransformationMode.FastTransformation)
        p = QPainter(self)
        p.drawImage((self.width() - img.width()) // 2, (self.height() - img.height()) // 2, img)
        p.end()


def qr_image(payload: str, module_px: int = 8) -> QImage:
    """A QR code as a QImage (dark on white, 4-module quiet zone)."""
    import qrcode

    q = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    q.add_data(payload.encode("utf-8"))
    q.make(fit=True)
    m = q.get_matrix()
    n = len(m)
    img = QImage(n * module_px, n * module_px, QImage.Format.Format_Grayscale8)
    img.fill(255)
    p = QPainter(img)
    for y, row in enumerate(m):
        for x, dark in enumerate(row):
            if dark:
                p.fillRect(x * module_px, y * module_px, module_px, module_px, QColor(0, 0, 0))
    p.end()
    return img


class TypingKeys:
    """Mixed into a widget (before ``QWidget`` in its bases) that shows keys for typing a number
    or code: the physical keypad (ui.keypad) types through them."""

    #: the keys by what they type (one character each; other names are the widget's own keys)
    keys: dict[str, QPushButton]

    def erase_button(self) -> QPushButton | None:
        """The key that takes back the last character, if the widget has one."""
        return None

    def ok_button(self) -> QPushButton | None:
        """The key that confirms what was typed, if the widget has one."""
        return None


class Keypad(TypingKeys, QWidget):
    """A large number pad: digits, erase, and a confirm key."""

    digit = Signal(str)
    erase = Signal()
    confirm = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        from PySide6.QtWidgets import QGridLayout

        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setSpacing(8)
        self.keys: dict[str, QPushButton] = {}
        for i, d in enumerate("123456789"):
            self._key(grid, d, i // 3, i % 3)
        self.erase_key = self._key(grid, "erase", 3, 0)
        self._key(grid, "0", 3, 1)
        self.ok_key = self._key(grid, "ok", 3, 2)
        self.ok_key.setProperty("role", "primary")

    def erase_button(self) -> QPushButton:
        return self.erase_key

    def ok_button(self) -> QPushButton:
        return self.ok_key

    def _key(self, grid, name: str, row: int, col: int) -> QPushButton:
        b = button(name if name.isdigit() else "", "key", f"key_{name}")
        b.setProperty("a11yGroup", "keypad")  # the voice names the keypad, not each key
        b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        if name.isdigit():
            b.clicked.connect(lambda _=False, d=name: self.digit.emit(d))
        elif name == "erase":
            b.clicked.connect(self.erase.emit)
        else:
            b.clicked.connect(self.confirm.emit)
        grid.addWidget(b, row, col)
        self.keys[name] = b
        return b

    def retranslate(self, erase_text: str, ok_text: str) -> None:
        self.erase_key.setText(erase_text)
        self.ok_key.setText(ok_text)


def reveal(widget: QWidget) -> None:
    """Scroll every scroll area around ``widget`` so that all of it is in view, innermost first."""
    from PySide6.QtWidgets import QScrollArea

    w: QWidget | None = widget.parentWidget()
    while w is not None:
        if isinstance(w, QScrollArea):
            w.ensureWidgetVisible(widget, 0, 0)
        w = w.parentWidget()
