"""The condition photo of a returned item, from the camera frame where its label was read.

The picture is cropped to the counter area around the label (wider than the
label, so the item shows; never the whole room), and every face the detector
(:mod:`hardware.faces`) finds in that crop is blurred before anything is kept.
When faces cannot be looked for (the cascade file is missing), the crop is kept
only as a small picture (:data:`FALLBACK_SIDE` pixels on its longest side) in which
no face can be recognised: the item's state shows, nobody's features do.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from hardware import faces

log = logging.getLogger(__name__)

#: the crop reaches this many label sizes around the label's centre
WIDEN = 3.0
#: the crop is at least this share of the frame's width and height
MIN_SHARE = 0.5
#: without a face detector the crop is kept at most this large
FALLBACK_SIDE = 120
JPEG_QUALITY = 90


@dataclass(frozen=True)
class ConditionShot:
    """A condition photo ready for the photo store."""

    jpeg: bytes
    faces_blurred: int
    #: False: no detector, the picture was kept small instead
    detector: bool
    box: tuple[int, int, int, int]  # the crop in the frame: x, y, w, h


def crop_box(shape: tuple[int, ...], points: Any = None) -> tuple[int, int, int, int]:
    """The counter area around the label at ``points`` (its corners in the frame), or the
    middle of the frame where the kiosk's guide asks for the label when they are unknown."""
    h, w = shape[:2]
    quad = np.asarray(points if points is not None else (), np.float32).reshape(-1, 2)
    if len(quad):
        cx, cy = float(quad[:, 0].mean()), float(quad[:, 1].mean())
        lw = float(quad[:, 0].max() - quad[:, 0].min())
        lh = float(quad[:, 1].max() - quad[:, 1].min())
        bw, bh = max(WIDEN * lw, MIN_SHARE * w), max(WIDEN * lh, MIN_SHARE * h)
    else:
        cx, cy, bw, bh = w / 2, h / 2, 0.6 * w, 0.6 * h
    bw, bh = min(bw, w), min(bh, h)
    x0 = int(round(min(max(cx - bw / 2, 0), w - bw)))
    y0 = int(round(min(max(cy - bh / 2, 0), h - bh)))
    return x0, y0, int(round(bw)), int(round(bh))


def condition_shot(frame: np.ndarray, points: Any = None) -> ConditionShot:
    """The photo to keep of a return: the counter area of ``frame`` (BGR), faces blurred."""
    x, y, w, h = crop_box(frame.shape, points)
    crop = np.ascontiguousarray(frame[y:y + h, x:x + w])
    detector = faces.available()
    found: list[faces.Box] = []
    if detector:
        found = faces.detect(crop)
        crop = faces.blur_boxes(crop, found)
    else:
        log.warning("no face detector: the condition photo is kept small")
        scale = FALLBACK_SIDE / max(crop.shape[:2])
        if scale < 1:
            crop = cv2.resize(crop, (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale))),
                              interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise ValueError("the condition photo could not be encoded")
    return ConditionShot(buf.tobytes(), len(found), detector, (x, y, w, h))
