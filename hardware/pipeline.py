"""Per-frame analysis of the scan pipeline: beat a single-frame decoder with what the frames give.

* **Unchanged frames** are not decoded: a tiny thumbnail is compared with the
  last decoded frame; once the scene has been still for a few frames, only
  every ``max_skip``-th frame is decoded (an idle kiosk costs next to nothing).
* **Region-of-interest tracking**: where a code was read (or a symbol was
  found but not read) the next frames decode a crop around it first. A crop
  is far cheaper than the whole frame, which pays for the retries; the whole
  frame is still decoded every ``full_every`` frames to find other codes.
* **Retries**: when a symbol is seen but does not decode, its crop is retried
  at another scale or binarisation, a different one per frame, so a
  presentation is tried several ways at little cost per frame.
* **Half resolution first** for the whole frame (a quarter of the work, half
  the noise), full resolution only when that finds nothing; **contrast
  stretching** when the whole scene is dim or washed out.

``bench/scan.py`` measures what each of these buys against raw zxing-cpp.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from hardware.decoders import Decoded, Decoder, to_gray


def _unsharp(img: np.ndarray, sigma: float, amount: float) -> np.ndarray:
    soft = cv2.GaussianBlur(img, (0, 0), sigma)
    return cv2.addWeighted(img, 1 + amount, soft, -amount, 0)


def _upscale(img: np.ndarray) -> np.ndarray:
    return cv2.resize(img, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)


def _adaptive(img: np.ndarray) -> np.ndarray:
    # Local mean threshold over about an eighth of the crop: beats glare and uneven light.
    block = max(3, (min(img.shape[:2]) // 8) | 1)
    return cv2.adaptiveThreshold(img, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block, 0)


def _otsu(img: np.ndarray) -> np.ndarray:
    soft = cv2.GaussianBlur(img, (0, 0), 1.0)
    return cv2.threshold(soft, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]


#: retry variants of a crop: (name, transform, scale of the result relative to the crop)
VARIANTS: tuple[tuple[str, object, float], ...] = (
    ("upscale", _upscale, 2.0),
    ("adaptive", _adaptive, 1.0),
    ("upscale+sharpen", lambda r: _unsharp(_upscale(r), 2.0, 1.5), 2.0),
    ("otsu", _otsu, 1.0),
    ("sharpen", lambda r: _unsharp(r, 2.5, 2.0), 1.0),
)


@dataclass
class Analysis:
    """What one frame gave: the codes in view, and how much work it took."""

    codes: list[Decoded]
    skipped: bool = False
    candidates: int = 0
    attempts: int = 0  # decoder calls
    enhanced: bool = False  # contrast was stretched (dim or washed-out scene)


@dataclass
class _Track:
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in frame pixels
    text: str | None  # None: a symbol seen but not read yet
    misses: int = 0
    tries: int = 0  # retry variants used so far


@dataclass
class FrameAnalyser:
    """Finds the codes in each frame of a stream (not thread-safe: one worker)."""

    decoder: Decoder
    full_every: int = 3  # decode the whole frame at least every n-th frame while tracking
    change_threshold: float = 2.5  # mean grey-level change of the thumbnail that counts as motion
    local_threshold: int = 10  # grey-level change of one thumbnail pixel that counts as local motion
    settle_frames: int = 5  # still frames before skipping starts
    max_skip: int = 9  # decode at least one frame in max_skip + 1 even when nothing changes
    track_frames: int = 8  # frames a track survives without a read
    margin: float = 0.35  # crop margin around a tracked symbol, relative to its size
    max_retry_side: int = 480  # crops larger than this are not upscaled
    min_half_width: int = 560  # frames narrower than this are not tried at half resolution first
    low_range: float = 48.0  # scene grey-level span (1st-99th percentile) below which contrast is stretched
    _thumb: np.ndarray | None = field(default=None, repr=False)
    _still: int = 0
    _skips: int = 0
    _n: int = 0
    _last: list[Decoded] = field(default_factory=list, repr=False)
    _tracks: list[_Track] = field(default_factory=list, repr=False)

    def reset(self) -> None:
        """Forget everything (a new camera, or the camera came back)."""
        self._thumb, self._still, self._skips, self._n = None, 0, 0, 0
        self._last, self._tracks = [], []

    # -- the per-frame work -------------------------------------------------
    def analyse(self, frame: np.ndarray) -> Analysis:
        """The codes in view on ``frame`` (BGR or grayscale)."""
        h, w = frame.shape[:2]
        # The thumbnail comes straight from the frame: a skipped frame then
        # costs one small resize, not a full grey conversion.
        quarter = cv2.resize(frame, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_LINEAR)
        thumb = to_gray(cv2.resize(quarter, (max(1, w // 16), max(1, h // 16)), interpolation=cv2.INTER_AREA))
        if self._changed(thumb):
            self._still = 0
        else:
            self._still += 1
            if (self._still > self.settle_frames and self._skips < self.max_skip
                    and (self._last or not self._tracks)):
                self._skips += 1
                return Analysis(list(self._last), skipped=True)
        self._thumb = thumb
        self._skips = 0
        self._n += 1
        gray = to_gray(frame)
        res = Analysis([])
        lo, hi = np.percentile(thumb, (1, 99))
        # A dim or washed-out scene: zxing treats spans under ~24 grey levels
        # as flat, so the histogram is spread before decoding.
        res.enhanced = bool(hi - lo < self.low_range)
        found: dict[str, Decoded] = {}
        tracked_ok = False
        for tr in self._tracks:
            got = self._decode_crop(gray, tr, res)
            if got:
                tracked_ok = True
                for d in got:
                    found.setdefault(d.text, d)
        if not tracked_ok or self._n % self.full_every == 0:
            codes, cands = self._decode_full(gray, res)
            for d in codes:
                found.setdefault(d.text, d)
            res.candidates = len(cands)
            for box in self._candidate_boxes(cands, w, h)[:2]:
                if any(_inside(d.centre(), box) for d in found.values()):
                    continue
                old = next((t for t in self._tracks if _overlap(box, t.box)), None)
                if old is not None:  # tried this frame already: only widen it for the next
                    old.box = _union(old.box, box)
                    continue
                # A symbol found but not read: retry its crop now, harder.
                tr = _Track(box, None)
                for d in self._decode_crop(gray, tr, res, plain=False):
                    found.setdefault(d.text, d)
                self._tracks.append(tr)
        self._update_tracks(list(found.values()), w, h)
        self._last = list(found.values())
        res.codes = list(self._last)
        return res

    def _decode_full(self, gray: np.ndarray, res: Analysis) -> tuple[list[Decoded], list[np.ndarray]]:
        """The whole frame, at half resolution first.

        Half resolution costs a quarter, halves the noise (which slows zxing
        down a lot) and reads any code with more than about 5 px per module,
        which a code held up to the kiosk has; full resolution only when that
        finds nothing. Dim or washed-out scenes are equalised first.
        """
        h, w = gray.shape
        if w < self.min_half_width:
            res.attempts += 1
            return self.decoder.locate(cv2.equalizeHist(gray) if res.enhanced else gray)
        half = cv2.resize(gray, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
        if res.enhanced:
            half = cv2.equalizeHist(half)
        codes, cands = self.decoder.locate(half)
        res.attempts += 1
        if codes:
            return [_shift(d, 0, 0, 0.5) for d in codes], [q * 2 for q in cands]
        full = cv2.equalizeHist(cv2.blur(gray, (3, 3))) if res.enhanced else gray
        codes, more = self.decoder.locate(full)
        res.attempts += 1
        return codes, more or [q * 2 for q in cands]

    def _changed(self, thumb: np.ndarray) -> bool:
        prev = self._thumb
        if prev is None or prev.shape != thumb.shape:
            return True
        diff = cv2.absdiff(thumb, prev)
        if cv2.norm(diff, cv2.NORM_L1) / diff.size >= self.change_threshold:
            return True
        # A local change (one label swapped for another) barely moves the
        # mean: count the thumbnail pixels that changed a lot.
        return cv2.countNonZero(cv2.threshold(diff, self.local_threshold, 255, cv2.THRESH_BINARY)[1]) \
            > max(2, diff.size // 400)

    def _box(self, quad: np.ndarray, w: int, h: int, margin: float | None = None) -> tuple[int, int, int, int]:
        x0, y0 = quad.min(axis=0)
        x1, y1 = quad.max(axis=0)
        m = (self.margin if margin is None else margin) * max(x1 - x0, y1 - y0, 16)
        return (int(max(0, x0 - m)), int(max(0, y0 - m)), int(min(w, x1 + m)), int(min(h, y1 + m)))

    def _candidate_boxes(self, cands: list[np.ndarray], w: int, h: int) -> list[tuple[int, int, int, int]]:
        """Crops around symbols found but not read.

        zxing often reports a misread symbol as several partial quads (a wrong
        version guess), so overlapping quads are merged and the margin is wide.
        """
        boxes = [self._box(q, w, h, margin=0.1) for q in cands if len(q)]
        merged: list[tuple[int, int, int, int]] = []
        for b in boxes:
            for i, m in enumerate(merged):
                if _overlap(b, m):
                    merged[i] = _union(m, b)
                    break
            else:
                merged.append(b)
        out = []
        for x0, y0, x1, y1 in merged:
            out.append(self._box(np.array([[x0, y0], [x1, y1]], dtype=np.float32), w, h, margin=0.4))
        return out

    def _decode_crop(self, gray: np.ndarray, tr: _Track, res: Analysis, plain: bool = True) -> list[Decoded]:
        """Decode the crop of a track: as it is, then (or only) one retry variant."""
        x0, y0, x1, y1 = tr.box
        if x1 - x0 < 8 or y1 - y0 < 8:
            return []
        crop = np.ascontiguousarray(gray[y0:y1, x0:x1])
        glare = cv2.countNonZero(cv2.inRange(crop, 250, 255)) > 0.03 * crop.size
        if res.enhanced:
            crop = cv2.equalizeHist(crop)
        attempts: list[tuple[Any, float]] = [(lambda r: r, 1.0)] if plain else []
        # One variant per frame, in an order suited to the crop, so over a
        # presentation the symbol is tried every way at about one small decode
        # per frame.
        order = _variant_order(glare, max(crop.shape) < 260, max(crop.shape) > self.max_retry_side)
        fn, scale = order[tr.tries % len(order)]
        tr.tries += 1
        attempts.append((fn, scale))
        for fn, scale in attempts:
            res.attempts += 1
            got = self.decoder.decode(fn(crop))
            if got:
                return [_shift(d, x0, y0, scale) for d in got]
        return []

    def _update_tracks(self, found: list[Decoded], w: int, h: int) -> None:
        seen = set()
        tracks: list[_Track] = []
        for d in found:
            box = self._box(d.quad(), w, h) if d.points else None
            if box is None or d.text in seen:
                continue
            seen.add(d.text)
            tracks.append(_Track(box, d.text))
        for t in self._tracks:
            if t.text in seen or any(_overlap(t.box, n.box) for n in tracks):
                continue
            t.misses += 1
            if t.misses <= self.track_frames:
                tracks.append(t)
        self._tracks = tracks[:3]


def _shift(d: Decoded, dx: float, dy: float, scale: float) -> Decoded:
    pts = tuple((x / scale + dx, y / scale + dy) for x, y in d.points)
    return Decoded(d.text, pts, d.format, d.raw)


def _variant_order(glare: bool, small: bool, big: bool) -> list[tuple[object, float]]:
    names = {n: (f, sc) for n, f, sc in VARIANTS}
    if glare:  # a reflection: only a local threshold separates the modules
        order = ["adaptive", "upscale", "otsu", "upscale+sharpen", "sharpen"]
    elif small:  # few pixels per module: more pixels first
        order = ["upscale", "upscale+sharpen", "adaptive", "sharpen", "otsu"]
    else:
        order = ["adaptive", "sharpen", "upscale", "otsu", "upscale+sharpen"]
    return [names[n] for n in order if not (big and names[n][1] > 1)]


def _union(a, b) -> tuple[int, int, int, int]:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _inside(p, box) -> bool:
    return box[0] <= p[0] <= box[2] and box[1] <= p[1] <= box[3]
