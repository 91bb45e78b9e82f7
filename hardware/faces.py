"""Finding faces in a picture, and blurring them, without OpenCV's objdetect module.

The kiosk bundle's OpenCV is built with core, imgproc, imgcodecs and videoio
only (packaging/opencv/build-opencv.sh), so ``cv2.CascadeClassifier`` is not
there. This module runs the same Viola-Jones cascade in numpy: OpenCV's own
frontal-face Haar cascade (``assets/models/haarcascade_frontalface_default.xml``,
from Debian's ``opencv-data`` package and OpenCV's Python wheels; Intel License
Agreement, its notice kept in the file) evaluated the way OpenCV's detector
does (window variance normalisation, stump stages, the 1.1 scale pyramid, the
grouping of neighbouring hits). It adds under a megabyte to the bundle.

A picture is looked at no larger than :data:`MAX_SIDE` pixels on its longest side,
which is plenty for a face near the kiosk's camera and keeps a search well under
a second on a kiosk PC.
"""

from __future__ import annotations

import os
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

ASSETS = Path(os.environ.get("NANUM_ASSETS") or Path(__file__).resolve().parent.parent / "assets")
CASCADE = ASSETS / "models" / "haarcascade_frontalface_default.xml"
#: the longest side a picture is searched at (a larger one is scaled down first)
MAX_SIDE = 360
SCALE_STEP = 1.1
#: OpenCV's own margin under a stage's threshold
_THRESHOLD_EPS = 1e-5
#: at most this many window x feature sums in one numpy step (memory stays small)
_CHUNK = 2_000_000

Box = tuple[int, int, int, int]  # x, y, w, h in the picture's pixels


@dataclass(frozen=True)
class _Stage:
    threshold: float
    features: np.ndarray  # (k,) feature index of each stump
    thresholds: np.ndarray  # (k,) float64
    left: np.ndarray  # (k,) value when the feature is under the threshold
    right: np.ndarray


class Cascade:
    """A stump-based Haar cascade read from OpenCV's XML format."""

    def __init__(self, path: Path) -> None:
        root = ET.parse(path).getroot().find("cascade")
        if root is None or (root.findtext("featureType") or "").strip() != "HAAR":
            raise ValueError(f"{path}: not a Haar cascade")
        self.width = int(root.findtext("width") or 0)
        self.height = int(root.findtext("height") or 0)
        stages = []
        for st in root.iterfind("stages/_"):
            feats, thr, left, right = [], [], [], []
            for weak in st.iterfind("weakClassifiers/_"):
                nodes = (weak.findtext("internalNodes") or "").split()
                leaves = (weak.findtext("leafValues") or "").split()
                if len(nodes) != 4 or len(leaves) != 2:
                    raise ValueError(f"{path}: only stump cascades are read")
                feats.append(int(nodes[2]))
                thr.append(float(nodes[3]))
                left.append(float(leaves[0]))
                right.append(float(leaves[1]))
            stages.append(_Stage(float(st.findtext("stageThreshold") or 0) - _THRESHOLD_EPS,
                                 np.array(feats), np.array(thr), np.array(left), np.array(right)))
        self.stages = stages
        rects: list[list[tuple[int, int, int, int, float]]] = []
        for f in root.iterfind("features/_"):
            if (f.findtext("tilted") or "0").strip() not in ("0", ""):
                raise ValueError(f"{path}: tilted features are not read")
            rects.append([(int(a), int(b), int(c), int(d), float(e)) for a, b, c, d, e in
                          (r.text.split() for r in f.iterfind("rects/_") if r.text)])
        n = max(len(r) for r in rects)
        #: (features, rects, 5): x, y, w, h, weight (a missing third rect weighs 0)
        self.rects = np.zeros((len(rects), n, 5))
        for i, rs in enumerate(rects):
            self.rects[i, :len(rs)] = rs

    def offsets(self, stride: int) -> tuple[np.ndarray, np.ndarray]:
        """Each feature rectangle's four corner offsets in a flattened integral image of row
        length ``stride`` (features, rects, 4), and the rectangles' weights (features, rects)."""
        x, y, w, h, wt = (self.rects[..., i] for i in range(5))
        tl = y * stride + x
        corners = np.stack([tl, tl + w, tl + h * stride, tl + h * stride + w], axis=-1).astype(np.int64)
        return corners, wt

    def windows(self, gray: np.ndarray, step: int) -> np.ndarray:
        """The top-left corners (n, 2: x, y) of the windows of ``gray`` the whole cascade accepts."""
        h, w = gray.shape
        ww, wh = self.width, self.height
        if h < wh or w < ww:
            return np.zeros((0, 2), np.int64)
        # Integer sums are exact (a 360 x 480 picture's sum is far below 2**31) and cheaper to gather.
        ii = np.zeros((h + 1, w + 1), np.int32)
        ii[1:, 1:] = gray.astype(np.int32).cumsum(0).cumsum(1)
        img = gray.astype(np.float64)
        sq = np.zeros((h + 1, w + 1))
        sq[1:, 1:] = (img * img).cumsum(0).cumsum(1)
        stride = w + 1
        flat, flat_sq = ii.ravel(), sq.ravel()
        ys, xs = np.mgrid[0:h - wh + 1:step, 0:w - ww + 1:step]
        base = (ys * stride + xs).ravel().astype(np.int64)
        # OpenCV's variance normalisation: over the window less a one-pixel border.
        n0 = stride + 1
        n1, n2, n3 = n0 + ww - 2, n0 + (wh - 2) * stride, n0 + (wh - 2) * stride + ww - 2
        area = float((ww - 2) * (wh - 2))

        def box(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            return a[b + n3] - a[b + n1] - a[b + n2] + a[b + n0]

        nf = area * box(flat_sq, base) - box(flat, base).astype(np.float64) ** 2
        ok = nf > 0
        nf = np.sqrt(np.where(ok, nf, 1.0))
        # A window with no contrast (a grey standard deviation of 10 or less) is no face.
        keep = ok & (area / nf < 0.1)
        base, norm = base[keep], 1.0 / nf[keep]
        corners, weights = self.offsets(stride)
        weights = weights.astype(np.float32)
        for stage in self.stages:
            if not base.size:
                break
            c, wt = corners[stage.features], weights[stage.features]  # (k, r, 4), (k, r)
            total = np.zeros(base.size)
            rows = max(1, _CHUNK // max(1, c.size))
            for lo in range(0, base.size, rows):
                b = base[lo:lo + rows, None, None, None] + c[None]  # (n, k, r, 4)
                v = flat[b]
                sums = v[..., 3] - v[..., 1] - v[..., 2] + v[..., 0]  # (n, k, r)
                val = (sums * wt[None]).sum(-1, dtype=np.float64) * norm[lo:lo + rows, None]
                total[lo:lo + rows] = np.where(val < stage.thresholds, stage.left, stage.right).sum(-1)
            passed = total >= stage.threshold
            base, norm = base[passed], norm[passed]
        return np.stack([base % stride, base // stride], axis=-1)


_lock = threading.Lock()
_cascade: Cascade | None = None


def cascade() -> Cascade:
    """The frontal-face cascade, read once (raises OSError/ValueError when it is missing or bad)."""
    global _cascade
    with _lock:
        if _cascade is None:
            _cascade = Cascade(CASCADE)
        return _cascade


def available() -> bool:
    """Whether faces can be looked for (the cascade file is there and reads)."""
    try:
        cascade()
    except (OSError, ValueError, ET.ParseError):
        return False
    return True


def detect(image: np.ndarray, min_neighbours: int = 1) -> list[Box]:
    """The faces in ``image`` (BGR or grey ``uint8``), as boxes in its pixels.

    ``min_neighbours``: how many other hits must lie on a face for it to count
    (OpenCV's ``minNeighbors``; its default is 3). The kiosk blurs what it finds,
    so it errs towards a face: 1 drops only lone hits, which texture gives.
    """
    c = cascade()
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    h, w = gray.shape
    shrink = min(1.0, MAX_SIDE / max(h, w))
    if shrink < 1.0:
        gray = cv2.resize(gray, (max(1, round(w * shrink)), max(1, round(h * shrink))),
                          interpolation=cv2.INTER_AREA)
    gray = cv2.equalizeHist(gray)
    hits: list[Box] = []
    factor = 1.0
    sh, sw = gray.shape
    while round(c.width * factor) <= min(sw, sh):
        size = (max(1, round(sw / factor)), max(1, round(sh / factor)))
        scaled = cv2.resize(gray, size, interpolation=cv2.INTER_LINEAR) if factor > 1.0 else gray
        step = 2  # OpenCV steps by 1 past twice the window's size; a face gives hits enough at 2
        for x, y in c.windows(scaled, step):
            hits.append((round(x * factor), round(y * factor), round(c.width * factor),
                         round(c.height * factor)))
        factor *= SCALE_STEP
    groups = group(hits, min_neighbours)
    back = 1.0 / shrink
    return [(round(x * back), round(y * back), round(bw * back), round(bh * back)) for x, y, bw, bh in groups]


def group(boxes: list[Box], min_neighbours: int, eps: float = 0.2) -> list[Box]:
    """OpenCV's grouping of hits: boxes alike within ``eps`` form a group, groups of more
    than ``min_neighbours`` boxes count; each is given as the union of its boxes (the kiosk
    blurs it, so it covers every hit of the face rather than their average)."""
    n = len(boxes)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(n):
        for j in range(i + 1, n):
            a, b = boxes[i], boxes[j]
            delta = eps * (min(a[2], b[2]) + min(a[3], b[3])) * 0.5
            if (abs(a[0] - b[0]) <= delta and abs(a[1] - b[1]) <= delta
                    and abs(a[0] + a[2] - b[0] - b[2]) <= delta and abs(a[1] + a[3] - b[1] - b[3]) <= delta):
                parent[find(i)] = find(j)
    clusters: dict[int, list[Box]] = {}
    for i in range(n):
        clusters.setdefault(find(i), []).append(boxes[i])
    out = []
    for members in clusters.values():
        if len(members) <= min_neighbours:
            continue
        x0 = min(b[0] for b in members)
        y0 = min(b[1] for b in members)
        x1 = max(b[0] + b[2] for b in members)
        y1 = max(b[1] + b[3] for b in members)
        out.append((x0, y0, x1 - x0, y1 - y0))
    return out


def blur_boxes(image: np.ndarray, boxes: list[Box], margin: float = 0.25) -> np.ndarray:
    """A copy of ``image`` with each box (grown by ``margin`` of its size on every side) made
    unrecognisable: reduced to a mosaic of 6 x 6 cells, then smoothed."""
    out = image.copy()
    h, w = out.shape[:2]
    for x, y, bw, bh in boxes:
        mx, my = round(bw * margin), round(bh * margin)
        x0, y0 = max(0, x - mx), max(0, y - my)
        x1, y1 = min(w, x + bw + mx), min(h, y + bh + my)
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        region = out[y0:y1, x0:x1]
        small = cv2.resize(region, (6, 6), interpolation=cv2.INTER_AREA)
        mosaic = cv2.resize(small, (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST)
        k = max(3, (min(x1 - x0, y1 - y0) // 4) | 1)
        out[y0:y1, x0:x1] = cv2.GaussianBlur(mosaic, (k, k), 0)
    return out
