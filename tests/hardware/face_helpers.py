"""A synthetic face for the face-blurring tests: drawn, not photographed, so no one's
likeness is in the repository. OpenCV's frontal-face cascade finds it (checked
against OpenCV's own CascadeClassifier when it was written)."""

from __future__ import annotations

import cv2
import numpy as np


def draw_face(size: int, skin: int = 185) -> np.ndarray:
    """A grey face ``size`` pixels wide on a dark head, in a square of 1.6 x ``size``."""
    s = size
    side = int(s * 1.6)
    img = np.full((side, side), 90, np.uint8)
    cx = cy = side // 2
    cv2.ellipse(img, (cx, cy - int(s * 0.12)), (int(s * 0.5), int(s * 0.62)), 0, 0, 360, 35, -1)  # hair
    cv2.ellipse(img, (cx, cy + int(s * 0.05)), (int(s * 0.42), int(s * 0.55)), 0, 0, 360, skin, -1)
    ey, ex = cy - int(s * 0.08), int(s * 0.18)
    for sx in (-1, 1):
        cv2.ellipse(img, (cx + sx * ex, ey - int(s * 0.1)), (int(s * 0.11), int(s * 0.03)), 0, 0, 360, 50, -1)
        cv2.ellipse(img, (cx + sx * ex, ey), (int(s * 0.12), int(s * 0.06)), 0, 0, 360, skin - 60, -1)
        cv2.ellipse(img, (cx + sx * ex, ey), (int(s * 0.08), int(s * 0.035)), 0, 0, 360, 230, -1)
        cv2.circle(img, (cx + sx * ex, ey), int(s * 0.035), 40, -1)
    cv2.ellipse(img, (cx, cy + int(s * 0.12)), (int(s * 0.07), int(s * 0.03)), 0, 0, 360, skin - 70, -1)
    cv2.ellipse(img, (cx, cy + int(s * 0.28)), (int(s * 0.14), int(s * 0.04)), 0, 0, 360, 70, -1)
    return cv2.GaussianBlur(img, (0, 0), s * 0.02)


def paste_face(frame: np.ndarray, x: int, y: int, size: int) -> tuple[int, int, int, int]:
    """Draw a face into the BGR ``frame`` with its square's top-left at (x, y); returns the
    square (x, y, w, h)."""
    face = cv2.cvtColor(draw_face(size), cv2.COLOR_GRAY2BGR)
    h, w = face.shape[:2]
    frame[y:y + h, x:x + w] = face
    return x, y, w, h
