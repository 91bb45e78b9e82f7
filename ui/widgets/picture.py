"""What an item looks like on screen: its photo, or a pictogram of its kind.

Photos come from the kiosk's photo store (kiosk.photos): the thumbnail when the
tile is small, the display size otherwise, cropped to a square tile. An item
without a photo shows a pictogram from Tabler Icons (``assets/pictograms``,
MIT) chosen by kiosk.pictograms, drawn in the theme's colours: the primary
colour on the secondary tile, at least 3:1 in every theme (the test checks
the pixels).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtSvg import QSvgRenderer

from kiosk.limits import PHOTO_THUMB_PX
from kiosk.photos import thumb_of
from kiosk.pictograms import FALLBACK
from ui.assets import ASSETS
from ui.theme import Theme

PICTOGRAMS = ASSETS / "pictograms"
#: the icon's share of the tile (the rest is margin, as on a sign)
ICON_SHARE = 0.62


def pictogram_colours(theme: Theme) -> tuple[str, str]:
    """(stroke, tile) colours of a pictogram in ``theme``."""
    p = theme.palette
    return p.primary, p.secondary


@lru_cache(maxsize=64)
def _svg(name: str, colour: str, stroke: float) -> bytes:
    path = PICTOGRAMS / f"{name}.svg"
    if not path.is_file():
        path = PICTOGRAMS / f"{FALLBACK}.svg"
    text = path.read_text(encoding="utf-8")
    # Tabler icons are strokes in currentColor; the stroke is thickened a little for
    # small tiles seen from a step away.
    return (text.replace("currentColor", colour)
            .replace('stroke-width="2"', f'stroke-width="{stroke}"').encode())


def _tile(side: int, theme: Theme) -> tuple[QPixmap, QPainter]:
    pix = QPixmap(side, side)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    return pix, p


def pictogram_pixmap(name: str, side: int, theme: Theme) -> QPixmap:
    """A square tile ``side`` pixels wide with the pictogram ``name`` in the theme's colours."""
    fg, bg = pictogram_colours(theme)
    pix, p = _tile(side, theme)
    radius = side / 10
    p.setPen(QPen(QColor(theme.palette.border), max(2, side // 60)))
    p.setBrush(QColor(bg))
    p.drawRoundedRect(QRectF(1, 1, side - 2, side - 2), radius, radius)
    icon = side * ICON_SHARE
    off = (side - icon) / 2
    renderer = QSvgRenderer(QByteArray(_svg(name, fg, 2.25 if side < 160 else 2.0)))
    renderer.render(p, QRectF(off, off, icon, icon))
    p.end()
    return pix


def photo_pixmap(photo: str | None, side: int, theme: Theme) -> QPixmap | None:
    """The photo cropped to a square tile with rounded corners, or None when there is none."""
    if not photo:
        return None
    path = Path(photo)
    small = thumb_of(path)
    source = small if side <= PHOTO_THUMB_PX and small.is_file() else path
    image = QPixmap(str(source)) if source.is_file() else QPixmap()
    if image.isNull():
        return None
    scaled = image.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                          Qt.TransformationMode.SmoothTransformation)
    pix, p = _tile(side, theme)
    clip = QPainterPath()
    clip.addRoundedRect(QRectF(0, 0, side, side), side / 10, side / 10)
    p.setClipPath(clip)
    p.drawPixmap((side - scaled.width()) // 2, (side - scaled.height()) // 2, scaled)
    p.setClipping(False)
    p.setPen(QPen(QColor(theme.palette.border), max(2, side // 60)))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRoundedRect(QRectF(1, 1, side - 2, side - 2), side / 10, side / 10)
    p.end()
    return pix
