"""Large arrows for drop-downs and number fields, in the theme's text colour.

The platform style draws these arrows a few pixels wide, too small to see or aim at on a
touch screen, and a style sheet can only replace them with an image file. :func:`arrows`
draws the triangles once per colour and size into a cache folder and gives the style sheet
their paths (PNG: the kiosk's bundle carries no SVG image plugin).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPolygonF

_SHAPES = {"down": ((0.0, 0.15), (1.0, 0.15), (0.5, 0.85)),
           "up": ((0.0, 0.85), (1.0, 0.85), (0.5, 0.15))}


def arrows(colour: str, side: int) -> dict[str, str]:
    """Paths of an up and a down triangle ``side`` pixels wide in ``colour`` (made once)."""
    folder = Path(tempfile.gettempdir()) / f"nanum-ui-{os.getuid() if hasattr(os, 'getuid') else 0}"
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, shape in _SHAPES.items():
        path = folder / f"arrow-{name}-{colour.lstrip('#').lower()}-{side}.png"
        if not path.exists():
            image = QImage(side, side, QImage.Format.Format_ARGB32)
            image.fill(Qt.GlobalColor.transparent)
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(colour))
            painter.drawPolygon(QPolygonF([QPointF(x * side, y * side) for x, y in shape]))
            painter.end()
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            image.save(str(tmp), b"PNG")
            tmp.replace(path)  # another kiosk process may be writing the same file
        paths[name] = path.as_posix()
    return paths
