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
* **Deblurring**: a crop that is out of focus or smeared by a moving hand
  (estimated from its gradients: a sharpness measure and their direction) is
  deconvolved (Wiener) with a Gaussian or a line point-spread function along
  the estimated motion, a few strengths per frame; when the whole frame gives
  zxing nothing to start from, the most textured region (edge density at
  quarter scale) is tried. A result is kept only when the QR's own
  Reed-Solomon check passes, which zxing-cpp does for every read.
* **Half resolution first** for the whole frame (a quarter of the work, half
  the noise), full resolution only when that finds nothing; **contrast
  stretching** when the whole scene is dim or washed out.
* **A budget per frame**: the finding work (decoding tracked crops, the whole
  frame) is always done; the extra tries for symbols not read yet (retry
  variants, deconvolutions) stop once the frame has cost ``frame_budget_s`` of
  the worker's CPU time and go on over the next frames, where each track
  remembers which tries it has had. One hard frame then cannot hold up the
  frames behind it.

``bench/scan.py`` measures what each of these buys against raw zxing-cpp.
"""

from __future__ import annotations

import time
from collections.abc import Callable
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


#: Gaussian blur (sigma px, Wiener noise-to-signal ratio) and motion lengths (px) the
#: deconvolution tries, in turn; a lower ratio restores more and rings more
DEBLUR_SIGMAS = ((2.0, 0.005), (2.5, 0.002), (2.0, 0.002), (3.0, 0.005), (1.5, 0.01), (2.5, 0.005))
DEBLUR_LENGTHS = ((10.0, 0.005), (7.0, 0.005), (13.0, 0.005), (5.0, 0.01), (10.0, 0.02), (7.0, 0.01))
WIENER_NSR = 0.01
#: gradient anisotropy above which a crop counts as smeared by motion (an in-focus
#: QR's edges run both ways: 0.01-0.1; a moving one's 0.1-0.7)
MOTION_ANISOTROPY = 0.1
#: sharpness (mean |Laplacian| per 100 grey levels of contrast) below which a crop counts as out of focus
BLUR_SHARPNESS = 4.5


@dataclass(frozen=True)
class BlurEstimate:
    """How a crop is blurred: sharpness, gradient anisotropy and the motion's direction."""

    sharpness: float
    anisotropy: float
    angle: float  # degrees, direction of the smear (image axes, y down)

    @property
    def moving(self) -> bool:
        return self.anisotropy > MOTION_ANISOTROPY

    @property
    def blurred(self) -> bool:
        return self.moving or self.sharpness < BLUR_SHARPNESS


def estimate_blur(crop: np.ndarray) -> BlurEstimate:
    """Sharpness and motion of a grey crop, from its gradients' structure tensor.

    Motion smears edges along its direction, so the gradients left point across
    it: the tensor's dominant eigenvector is perpendicular to the motion.
    """
    f = crop.astype(np.float32)
    gx = cv2.Sobel(f, cv2.CV_32F, 1, 0)
    gy = cv2.Sobel(f, cv2.CV_32F, 0, 1)
    a, b, d = float(cv2.sumElems(gx * gx)[0]), float(cv2.sumElems(gx * gy)[0]), float(cv2.sumElems(gy * gy)[0])
    tr = a + d
    aniso = float(np.hypot(a - d, 2 * b) / tr) if tr > 0 else 0.0
    angle = (np.degrees(0.5 * np.arctan2(2 * b, a - d)) + 90.0) % 180.0
    lo, hi = np.percentile(crop, (2, 98))
    lap = cv2.Laplacian(crop, cv2.CV_32F)
    sharp = float(np.abs(lap).mean()) * 100.0 / max(float(hi - lo), 1.0)
    return BlurEstimate(sharp, aniso, float(angle))


def _wiener(img: np.ndarray, transfer: np.ndarray, nsr: float = WIENER_NSR) -> np.ndarray:
    """Deconvolve ``img`` by a real, symmetric transfer function (its optical transfer function),
    given at the size :func:`_dft_size` chose for it; returns the crop at its own size."""
    h, w = img.shape[:2]
    big_h, big_w = transfer.shape
    # Padded to a size the DFT factors well: a crop 313 px high (a prime) costs 13 ms to
    # transform, the 320 px of its padding 0.3 ms. Padded by wrapping, as the DFT sees
    # any crop (reflected or repeated edges were tried and read fewer smeared codes).
    padded = cv2.copyMakeBorder(img, 0, big_h - h, 0, big_w - w, cv2.BORDER_WRAP)
    spec = cv2.dft(padded.astype(np.float32), flags=cv2.DFT_COMPLEX_OUTPUT)
    gain = transfer / (transfer * transfer + nsr)
    spec *= gain[..., None]
    out = cv2.idft(spec, flags=cv2.DFT_SCALE | cv2.DFT_REAL_OUTPUT)
    return np.clip(out[:h, :w], 0, 255).astype(np.uint8)


def _dft_size(img: np.ndarray) -> tuple[int, int]:
    h, w = img.shape[:2]
    return cv2.getOptimalDFTSize(h), cv2.getOptimalDFTSize(w)


def _freqs(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    return (np.fft.fftfreq(h).astype(np.float32)[:, None], np.fft.fftfreq(w).astype(np.float32)[None, :])


def deblur_gaussian(img: np.ndarray, sigma: float, nsr: float = WIENER_NSR) -> np.ndarray:
    """Wiener deconvolution of an out-of-focus crop (Gaussian PSF of ``sigma`` px)."""
    fy, fx = _freqs(*_dft_size(img))
    return _wiener(img, np.exp(-2.0 * np.pi ** 2 * sigma ** 2 * (fx * fx + fy * fy)), nsr)


def deblur_motion(img: np.ndarray, length: float, angle: float, nsr: float = WIENER_NSR) -> np.ndarray:
    """Wiener deconvolution of a crop smeared ``length`` px along ``angle`` degrees (line PSF)."""
    fy, fx = _freqs(*_dft_size(img))
    t = np.radians(angle)
    return _wiener(img, np.sinc(length * (fx * np.cos(t) + fy * np.sin(t))).astype(np.float32), nsr)


@dataclass(frozen=True)
class Sighting:
    """A symbol seen but not read on this frame: how big, how slanted and how blurred it looks."""

    side: float  # px, the symbol's longest side (an estimate when zxing gave no outline)
    skew: float | None  # 0 = faces the camera; 1 - shortest side / longest side of its outline
    blur: BlurEstimate | None


@dataclass
class Analysis:
    """What one frame gave: the codes in view, and how much work it took."""

    codes: list[Decoded]
    skipped: bool = False
    candidates: int = 0
    attempts: int = 0  # decoder calls
    enhanced: bool = False  # contrast was stretched (dim or washed-out scene)
    deferred: int = 0  # extra tries left for the next frame: this one had used its budget
    unread: list[Sighting] = field(default_factory=list)  # symbols tried but not read


@dataclass
class _Track:
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in frame pixels
    text: str | None  # None: a symbol seen but not read yet
    misses: int = 0
    tries: int = 0  # retry variants used so far
    deblurs: int = 0  # deconvolutions tried so far
    blur: BlurEstimate | None = None  # the crop's blur, as last estimated
    core: tuple[int, int, int, int] | None = None  # where the symbol surely is, to estimate its blur
    outline: np.ndarray | None = None  # the symbol's corners as zxing located them, if it did


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
    deblur_per_frame: int = 3  # deconvolutions of a blurred crop per frame
    blind_frames: int = 4  # frames a guessed (textured, not found by zxing) region is tried
    #: CPU seconds of a frame after which no further extra tries are started on it
    frame_budget_s: float = 0.040
    #: the worker's clock for the budget: its own CPU time, which other programs do not inflate
    clock: Callable[[], float] = field(default=time.thread_time, repr=False)
    _frame_t0: float = field(default=0.0, repr=False)
    _extras: int = field(default=0, repr=False)  # extra tries made on this frame
    _thumb: np.ndarray | None = field(default=None, repr=False)
    _still: int = 0
    _skips: int = 0
    _n: int = 0
    _last: list[Decoded] = field(default_factory=list, repr=False)
    _tracks: list[_Track] = field(default_factory=list, repr=False)
    _core: tuple[int, int, int, int] | None = field(default=None, repr=False)
    _blind_armed: bool = True
    _blind_wait: int = 0  # analysed frames since the last guess

    def reset(self) -> None:
        """Forget everything (a new camera, or the camera came back)."""
        self._thumb, self._still, self._skips, self._n = None, 0, 0, 0
        self._last, self._tracks = [], []
        self._blind_armed, self._blind_wait, self._core = True, 0, None

    @property
    def settled(self) -> bool:
        """The scene has been still long enough that unchanged frames are skipped."""
        return (self._still > self.settle_frames
                and bool(self._last or not any(t.core is None for t in self._tracks)))

    def repeat(self) -> Analysis:
        """The codes of the last frame again, for a frame the caller knows did not change."""
        return Analysis(list(self._last), skipped=True)

    # -- the per-frame work -------------------------------------------------
    def analyse(self, frame: np.ndarray) -> Analysis:
        """The codes in view on ``frame`` (BGR or grayscale)."""
        h, w = frame.shape[:2]
        # The thumbnail comes straight from the frame: a skipped frame then
        # costs one small resize, not a full grey conversion.
        quarter = cv2.resize(frame, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_LINEAR)
        thumb = to_gray(cv2.resize(quarter, (max(1, w // 16), max(1, h // 16)), interpolation=cv2.INTER_AREA))
        return self.analyse_thumb(thumb, lambda: frame)

    def analyse_thumb(self, thumb: np.ndarray, full: Callable[[], np.ndarray]) -> Analysis:
        """Like :meth:`analyse`, from a 1/16-scale grey ``thumb`` of the frame and a way to get the
        whole frame: ``full`` is called only when the frame is decoded, so a compressed camera
        frame of a still scene is never decompressed in full."""
        if self._changed(thumb):
            self._still = 0
            self._blind_armed = True
        else:
            self._still += 1
            # A still scene is skipped unless a symbol zxing found waits to be read
            # (a guess at a blurred code on a desk that stopped changing does not count).
            if self.settled and self._skips < self.max_skip:
                self._skips += 1
                return Analysis(list(self._last), skipped=True)
        self._thumb = thumb
        self._skips = 0
        self._n += 1
        self._frame_t0, self._extras = self.clock(), 0
        self._blind_wait += 1
        if self._blind_wait > 2 * self.blind_frames and self._still <= self.settle_frames:
            # Now and then even without a change: a small code held nearly still
            # barely moves the thumbnail.
            self._blind_armed = True
        gray = to_gray(full())
        h, w = gray.shape[:2]
        res = Analysis([])
        lo, hi = np.percentile(thumb, (1, 99))
        # A dim or washed-out scene: zxing treats spans under ~24 grey levels
        # as flat, so the histogram is spread before decoding.
        res.enhanced = bool(hi - lo < self.low_range)
        found: dict[str, Decoded] = {}
        tracked_ok = False
        # A symbol not read yet gets only its plain crop decode here: its deconvolutions
        # and retry variants wait until the whole frame has been decoded, which often
        # reads it as it comes into focus (their cost would then be spent for nothing).
        harder: list[_Track] = []
        for tr in self._tracks:
            got = self._decode_crop(gray, tr, res, hard=False)
            if got:
                tracked_ok = True
                for d in got:
                    found.setdefault(d.text, d)
            elif tr.text is None:
                harder.append(tr)
        if not tracked_ok or self._n % self.full_every == 0:
            codes, cands = self._decode_full(gray, res)
            for d in codes:
                found.setdefault(d.text, d)
            res.candidates = len(cands)
            boxes = self._candidate_boxes(cands, w, h)[:2]
            # Once per change of the scene: a desk whose texture did not read
            # is not deblurred again and again while it sits still.
            blind = not found and not boxes and not self._tracks and self._blind_armed
            if blind:
                self._blind_armed, self._blind_wait = False, 0
                # zxing found no finder pattern at all (a blurred or smeared
                # code): try the most textured region.
                boxes = self._textured_box(gray)
            for box in boxes:
                if any(_inside(d.centre(), box) for d in found.values()):
                    continue
                outline = _outline(cands, box)
                old = next((t for t in self._tracks if _overlap(box, t.box)), None)
                if old is not None:  # tried this frame already: only widen it for the next
                    old.box = _union(old.box, box)
                    old.outline = outline if outline is not None else old.outline
                    continue
                # A symbol found but not read: retry its crop now, harder (or from
                # the next frame on, when this one has used its budget).
                tr = _Track(box, None, core=self._core if blind else None, outline=outline)
                if not self.over_budget():
                    for d in self._decode_crop(gray, tr, res, plain=False):
                        found.setdefault(d.text, d)
                else:
                    res.deferred += 1
                self._tracks.append(tr)
        for tr in harder:
            if self.over_budget():
                res.deferred += 1
            elif not any(_inside(d.centre(), tr.box) for d in found.values()):
                for d in self._decode_crop(gray, tr, res, plain=False):
                    found.setdefault(d.text, d)
        self._update_tracks(list(found.values()), w, h)
        self._last = list(found.values())
        res.codes = list(self._last)
        if not found:
            res.unread = [_sighting(t) for t in self._tracks if t.text is None]
        return res

    def over_budget(self) -> bool:
        """This frame has used its CPU budget: extra tries wait for the next frame. Every
        frame makes at least one, so a symbol is never starved by the finding work."""
        return self._extras > 0 and self.clock() - self._frame_t0 > self.frame_budget_s

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

    def _textured_box(self, gray: np.ndarray) -> list[tuple[int, int, int, int]]:
        """The region densest in edges, at quarter scale: where a code too blurred for zxing's
        finder-pattern search most likely is (a code is edges in every module)."""
        h, w = gray.shape
        if w < 64 or h < 64:
            return []
        q = cv2.resize(gray, (w // 4, h // 4), interpolation=cv2.INTER_AREA)
        edges = cv2.add(cv2.convertScaleAbs(cv2.Sobel(q, cv2.CV_16S, 1, 0)),
                        cv2.convertScaleAbs(cv2.Sobel(q, cv2.CV_16S, 0, 1)))
        k = max(5, (w // 4) // 20) | 1
        score = cv2.boxFilter(edges, cv2.CV_32F, (k, k))
        _, top, _, loc = cv2.minMaxLoc(score)
        if top < 12.0:  # a flat scene: nothing worth deblurring
            return []
        mask = cv2.threshold(score, 0.7 * top, 255, cv2.THRESH_BINARY)[1].astype(np.uint8)
        _, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        x, y, bw, bh = (int(v) for v in stats[labels[loc[1], loc[0]], :4])
        quad = np.array([[x * 4, y * 4], [(x + bw) * 4, (y + bh) * 4]], dtype=np.float32)
        # The densest point is often the label's edge against the desk; the middle of the
        # dense region is on the symbol.
        cx, cy, r = (2 * x + bw) * 2, (2 * y + bh) * 2, max(12, w // 30)
        self._core = core = (max(0, cx - r), max(0, cy - r), min(w, cx + r), min(h, cy + r))
        # A code's middle is dense with edges too; a desk's busiest spot is an
        # object's corner with flat paint around it.
        qc = edges[core[1] // 4:core[3] // 4, core[0] // 4:core[2] // 4]
        if qc.size == 0 or float(cv2.mean(qc)[0]) < 0.6 * top:
            return []
        return [self._box(quad, w, h, margin=0.2)]

    def _decode_crop(self, gray: np.ndarray, tr: _Track, res: Analysis, plain: bool = True,
                     hard: bool = True) -> list[Decoded]:
        """Decode the crop of a track: as it is, then (or only) one retry variant,
        or a few deconvolutions when the crop is blurred; a symbol not read yet gets
        only the plain decode unless ``hard``."""
        x0, y0, x1, y1 = tr.box
        if x1 - x0 < 8 or y1 - y0 < 8:
            return []
        crop = np.ascontiguousarray(gray[y0:y1, x0:x1])
        if tr.text is None:
            if plain:
                res.attempts += 1
                got = self.decoder.decode(crop)
                if got:
                    return [_shift(d, x0, y0, 1.0) for d in got]
                if not hard:
                    return []
                plain = False
            # Measured where the symbol is, not on the desk around it.
            if tr.core is not None:
                cx0, cy0, cx1, cy1 = tr.core
                core = gray[cy0:cy1, cx0:cx1]
            else:
                ch, cw = crop.shape
                core = crop[ch // 4:ch - ch // 4, cw // 4:cw - cw // 4]
            tr.blur = est = estimate_blur(core)
            if est.blurred:
                return [_shift(d, x0, y0, 1.0) for d in self._deblur(crop, tr, est, res)]
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
        self._extras += 1
        attempts.append((fn, scale))
        for fn, scale in attempts:
            res.attempts += 1
            got = self.decoder.decode(fn(crop))
            if got:
                return [_shift(d, x0, y0, scale) for d in got]
        return []

    def _deblur(self, crop: np.ndarray, tr: _Track, est: BlurEstimate, res: Analysis) -> list[Decoded]:
        """A few deconvolutions of a blurred crop, a different strength each, in turn over frames."""
        for _ in range(self.deblur_per_frame):
            if self.over_budget():
                res.deferred += 1
                break
            self._extras += 1
            i = tr.deblurs
            tr.deblurs += 1
            # A clearly one-way smear is motion; in between (the label's own edge
            # dominates a small, blurred code) both kinds are tried in turn.
            if est.moving and (est.anisotropy > 2 * MOTION_ANISOTROPY or i % 2):
                length, nsr = DEBLUR_LENGTHS[(i // 2 if est.anisotropy <= 2 * MOTION_ANISOTROPY else i)
                                             % len(DEBLUR_LENGTHS)]
                img = deblur_motion(crop, length, est.angle, nsr)
            else:
                img = deblur_gaussian(crop, *DEBLUR_SIGMAS[(i // 2 if est.moving else i) % len(DEBLUR_SIGMAS)])
            res.attempts += 1
            got = self.decoder.decode(img)
            if got:
                return got
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
            if t.misses <= (self.track_frames if t.core is None else min(self.track_frames, self.blind_frames)):
                tracks.append(t)
        self._tracks = tracks[:3]


def _outline(cands: list[np.ndarray], box: tuple[int, int, int, int]) -> np.ndarray | None:
    """The largest four-cornered candidate whose centre lies in ``box``."""
    quads = [q for q in cands if len(q) == 4 and _inside(q.mean(axis=0), box)]
    return max(quads, key=lambda q: float(cv2.contourArea(q.astype(np.float32)))) if quads else None


def _sighting(t: _Track) -> Sighting:
    if t.outline is not None:
        sides = np.linalg.norm(t.outline - np.roll(t.outline, 1, axis=0), axis=1)
        longest = float(sides.max())
        return Sighting(longest, 1.0 - float(sides.min()) / longest if longest > 0 else None, t.blur)
    x0, y0, x1, y1 = t.box
    # A guessed region's box has about a fifth of margin on each side.
    return Sighting(max(x1 - x0, y1 - y0) / 1.4, None, t.blur)


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
