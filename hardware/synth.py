"""Synthetic camera scenes: a label or card composed onto a background.

The virtual camera, the tests and ``bench/scan.py`` all draw their frames
here, so the demo and the benchmark feed the production scan path with the
same kind of picture a webcam gives: a printed code under perspective, optics
blur, sensor noise, and one of the degradations the benchmark measures.

Everything takes an explicit ``numpy.random.Generator`` so a seeded run is
reproducible bit for bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import lru_cache

import cv2
import numpy as np
import qrcode
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q

#: the degradations the benchmark measures, in report order
CONDITIONS = ("blur", "motion", "noise", "tilt", "low_contrast", "dim", "glare", "jpeg")

#: severity range of each condition, mildest first: blur sigma (px), motion
#: length (px), noise sigma (grey levels), tilt (degrees), low-contrast span
#: (grey levels), dim gain, glare peak (grey levels), JPEG quality
SEVERITY: dict[str, tuple[float, float]] = {
    "blur": (0.9, 3.0), "motion": (3.0, 15.0), "noise": (14.0, 48.0), "tilt": (35.0, 62.0),
    "low_contrast": (36.0, 10.0), "dim": (0.15, 0.04), "glare": (170.0, 320.0), "jpeg": (18.0, 4.0),
}

#: a member card shown on a phone's screen (bench/scan.py --phone): the screen's own
#: light and black level, a reflection across the glass, the screen's pixel grid
#: beating with the camera's (moire), a phone turned up to full brightness, a small phone
PHONE_CONDITIONS = ("screen_glare", "moire", "bright", "small_phone")
PHONE_SEVERITY: dict[str, tuple[float, float]] = {
    "screen_glare": (110.0, 230.0), "moire": (0.10, 0.32), "bright": (1.25, 1.9),
    "small_phone": (3.2, 2.1),  # pixels per module on the camera frame
}
#: the error correction of the phone card's QR (sync.hub.resident.qr_png): a streak of
#: reflected light across a glossy screen is survived only with the highest level
PHONE_ECC = "H"

_ECC = {"L": ERROR_CORRECT_L, "M": ERROR_CORRECT_M, "Q": ERROR_CORRECT_Q, "H": ERROR_CORRECT_H}
_SRC_PX = 8  # pixels per module of the label raster the scene is warped from
_QUIET = 4  # modules of white around the symbol, as printed on our labels


def qr_matrix(payload: str, ecc: str = "M") -> np.ndarray:
    """The QR symbol of ``payload`` (UTF-8) as a bool array, True = dark, no quiet zone."""
    q = qrcode.QRCode(border=0, error_correction=_ECC[ecc])
    q.add_data(payload.encode("utf-8"))
    q.make(fit=True)
    return np.array(q.get_matrix(), dtype=bool)


def qr_image(payload: str, module_px: int = 8, quiet: int = _QUIET, invert: bool = False,
             ecc: str = "M") -> np.ndarray:
    """A clean grayscale QR image (dark on light, or light on dark when ``invert``)."""
    m = qr_matrix(payload, ecc)
    m = np.pad(m, quiet, constant_values=False)
    img = np.where(m, 0, 255).astype(np.uint8)
    if invert:
        img = 255 - img
    return cv2.resize(img, None, fx=module_px, fy=module_px, interpolation=cv2.INTER_NEAREST)


@lru_cache(maxsize=64)
def _label_raster(payload: str, invert: bool, card: bool, ecc: str = "M") -> tuple[np.ndarray, np.ndarray]:
    """A printed label (BGR, ``_SRC_PX`` px/module) and the symbol's corners on it."""
    m = qr_matrix(payload, ecc)
    n = m.shape[0]
    s = _SRC_PX
    paper, ink = 238, 28
    sym: np.ndarray = np.where(np.pad(m, _QUIET, constant_values=False), ink, paper).astype(np.uint8)
    if invert:
        sym = (paper + ink - sym.astype(np.int16)).astype(np.uint8)
    sym = cv2.resize(sym, None, fx=s, fy=s, interpolation=cv2.INTER_NEAREST)
    side = sym.shape[0]
    caption = 6 * s
    if card:
        # A member card: the code on the right, the centre's name on the left.
        w = int(side * 1.75)
        img = np.full((side + caption, w), paper, np.uint8)
        img[:, w - side:][:side] = sym
        left = w - side - 2 * s  # the name stays clear of the code's quiet zone
        img[2 * s:5 * s, 2 * s:left] = 90
        _put_fitted(img, "NANUM", 2 * s, side // 2, left - 2 * s, 40, s // 2)
        x0 = w - side
        text = "MEMBER"  # a card never shows its token
    else:
        img = np.full((side + caption, side), paper, np.uint8)
        img[:side] = sym
        x0 = 0
        text = payload.rsplit("/", 1)[-1][:12] if payload.isascii() else "NANUM"
    _put_fitted(img, text, 3 * s, side + 4 * s, img.shape[1] - 6 * s, 30, max(1, s // 4),
                max_scale=s / 5.0)
    q0, q1 = x0 + _QUIET * s, x0 + (_QUIET + n) * s
    y0, y1 = _QUIET * s, (_QUIET + n) * s
    corners = np.array([[q0, y0], [q1, y0], [q1, y1], [q0, y1]], dtype=np.float32)
    return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR), corners


def _put_fitted(img: np.ndarray, text: str, x: int, y: int, width: int, ink: int, thick: int,
                max_scale: float = 3.0) -> None:
    """Draw ``text`` with its baseline at (x, y), shrunk to fit ``width`` pixels."""
    (tw, _), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 1.0, thick)
    scale = min(max_scale, width / max(tw, 1))
    cv2.putText(img, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale, ink, thick)


@dataclass(frozen=True)
class Placement:
    """Where a label sits in the frame and how it faces the camera."""

    cx: float
    cy: float
    module_px: float  # pixels per module at the label's centre
    angle: float = 0.0  # in-plane rotation, degrees
    tilt_x: float = 0.0  # rotation about the horizontal axis, degrees
    tilt_y: float = 0.0  # rotation about the vertical axis, degrees

    def moved(self, rng: np.random.Generator, px: float = 2.0, deg: float = 1.0) -> Placement:
        """The same placement after a small hand movement."""
        return replace(self, cx=self.cx + rng.normal(0, px), cy=self.cy + rng.normal(0, px),
                       angle=self.angle + rng.normal(0, deg),
                       tilt_x=self.tilt_x + rng.normal(0, deg), tilt_y=self.tilt_y + rng.normal(0, deg))


def _homography(size: tuple[int, int], anchor: np.ndarray, pl: Placement, frame_w: int) -> np.ndarray:
    """Label raster -> frame: a pinhole camera looking at the tilted label."""
    w, h = size
    scale = pl.module_px / _SRC_PX
    centre = anchor.mean(axis=0)
    pts = (np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float64) - centre) * scale
    ax, ay, az = (math.radians(v) for v in (pl.tilt_x, pl.tilt_y, pl.angle))
    rx = np.array([[1, 0, 0], [0, math.cos(ax), -math.sin(ax)], [0, math.sin(ax), math.cos(ax)]])
    ry = np.array([[math.cos(ay), 0, math.sin(ay)], [0, 1, 0], [-math.sin(ay), 0, math.cos(ay)]])
    rz = np.array([[math.cos(az), -math.sin(az), 0], [math.sin(az), math.cos(az), 0], [0, 0, 1]])
    f = float(frame_w)  # about a 53 degree field of view, like a typical webcam
    p3 = np.c_[pts, np.zeros(4)] @ (rx @ ry @ rz).T
    z = p3[:, 2] + f
    dst = np.c_[p3[:, 0] * f / z + pl.cx, p3[:, 1] * f / z + pl.cy]
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    return cv2.getPerspectiveTransform(src, dst.astype(np.float32))


def background(width: int, height: int, seed: int = 0) -> np.ndarray:
    """A cluttered desk-like background (BGR), the same for the same seed."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    base = rng.uniform(70, 170, 3).astype(np.float32)
    grad = (xx / width - 0.5) * rng.uniform(-60, 60) + (yy / height - 0.5) * rng.uniform(-60, 60)
    img = base[None, None, :] + grad[..., None]
    img = np.clip(img, 0, 255).astype(np.uint8)
    for _ in range(int(rng.integers(6, 14))):  # objects on the desk
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        col = tuple(int(c) for c in rng.integers(20, 235, 3))
        if rng.random() < 0.5:
            cv2.rectangle(img, (x0, y0), (x0 + int(rng.integers(20, width // 3)),
                                          y0 + int(rng.integers(20, height // 3))), col, -1)
        else:
            cv2.line(img, (x0, y0), (int(rng.integers(0, width)), int(rng.integers(0, height))),
                     col, int(rng.integers(1, 6)))
    grain: np.ndarray = rng.normal(0, 6, (height // 4 + 1, width // 4 + 1)).astype(np.float32)
    grain = cv2.resize(grain, (width, height), interpolation=cv2.INTER_LINEAR)[:height, :width]
    img = np.clip(img.astype(np.float32) + grain[..., None], 0, 255).astype(np.uint8)
    return cv2.GaussianBlur(img, (0, 0), 1.2)


def compose(bg: np.ndarray, payload: str, pl: Placement, invert: bool = False,
            card: bool = False, ecc: str = "M") -> tuple[np.ndarray, np.ndarray]:
    """Put a label (or a card) onto a copy of ``bg``; returns the frame and the symbol's quad."""
    raster, corners = _label_raster(payload, invert, card, ecc)
    h, w = raster.shape[:2]
    frame = bg.copy()
    H = _homography((w, h), corners, pl, bg.shape[1])
    # Pre-blur the raster so warping down to a few px per module integrates
    # light like a sensor does instead of aliasing.
    sigma = 0.45 * _SRC_PX / max(pl.module_px, 0.5)
    src = cv2.GaussianBlur(raster, (0, 0), sigma) if sigma > 0.3 else raster
    quad = cv2.perspectiveTransform(np.array([[[0, 0], [w, 0], [w, h], [0, h]]], dtype=np.float32), H)[0]
    x0, y0 = np.floor(quad.min(axis=0)).astype(int) - 1
    x1, y1 = np.ceil(quad.max(axis=0)).astype(int) + 1
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, bg.shape[1]), min(y1, bg.shape[0])
    if x1 > x0 and y1 > y0:
        # Warp only into the label's bounding box: a full-frame warp costs
        # several ms per 720p frame, which the virtual camera cannot afford.
        shift = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], np.float64)
        roi = frame[y0:y1, x0:x1]
        cv2.warpPerspective(src, shift @ H, (x1 - x0, y1 - y0), dst=roi,
                            flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_TRANSPARENT)
    sym = cv2.perspectiveTransform(corners[None], H)[0]
    return frame, sym


def camera_look(img: np.ndarray, rng: np.random.Generator, noise: float = 3.0) -> np.ndarray:
    """Optics softness and a little sensor noise, present on every camera frame."""
    out = cv2.GaussianBlur(img, (0, 0), 0.6)
    return add_noise(out, rng, noise) if noise > 0 else out


def add_noise(img: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Gaussian sensor noise of standard deviation ``sigma`` (grey levels)."""
    # OpenCV's generator, seeded from ``rng``: numpy's normal() on a 720p
    # frame costs more than decoding it.
    cv2.setRNGSeed(int(rng.integers(0, 2**31 - 1)))
    n: np.ndarray = np.empty(img.shape[:2], np.int16)
    cv2.randn(n, 0.0, float(sigma))  # type: ignore[call-overload]
    if img.ndim == 3:
        n = cv2.merge([n] * img.shape[2])
    return cv2.add(img, n, dtype=cv2.CV_8U)


def motion_kernel(length: float, angle: float) -> np.ndarray:
    """The point-spread function of a straight smear ``length`` px long at ``angle`` degrees."""
    k = int(math.ceil(length)) | 1
    ker = np.zeros((k, k), np.float32)
    c = k // 2
    dx, dy = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    cv2.line(ker, (round(c - dx * length / 2), round(c - dy * length / 2)),
             (round(c + dx * length / 2), round(c + dy * length / 2)), 1.0, 1, cv2.LINE_AA)
    return ker / ker.sum()


def degrade(img: np.ndarray, condition: str, rng: np.random.Generator,
            quad: np.ndarray | None = None, level: float | None = None) -> np.ndarray:
    """Apply one benchmark condition to a camera frame.

    ``level`` in [0, 1] sets the severity (drawn from ``rng`` when None); the
    frames of one presentation share a level while noise, motion direction
    and glare position change from frame to frame.
    """
    u = rng.uniform() if level is None else float(level)

    def at(lo: float, hi: float) -> float:
        return lo + (hi - lo) * u

    f = img
    if condition == "blur":  # out of focus
        f = cv2.GaussianBlur(f, (0, 0), at(*SEVERITY["blur"]))
    elif condition == "motion":  # hand moving during the exposure
        f = cv2.filter2D(f, -1, motion_kernel(at(*SEVERITY["motion"]) * rng.uniform(0.7, 1.0),
                                               rng.uniform(0, 180)))
    elif condition == "noise":  # high sensor gain
        f = add_noise(f, rng, at(*SEVERITY["noise"]))
    elif condition == "tilt":  # geometry is set by the placement; keep the camera look
        pass
    elif condition == "low_contrast":  # faded print, grey paper
        lo = 85 + 50 * ((u * 7.31) % 1.0)  # paper brightness: fixed for the presentation
        f = cv2.convertScaleAbs(f, alpha=at(*SEVERITY["low_contrast"]) / 255.0, beta=lo)
        f = add_noise(f, rng, 2.5)
    elif condition == "dim":  # poorly lit corner of the centre
        f = cv2.convertScaleAbs(f, alpha=at(*SEVERITY["dim"]))
        f = add_noise(f, rng, at(1.5, 4.0))
    elif condition == "glare":  # ceiling light reflecting on a laminated card
        f = _glare(f, rng, quad, u)
    elif condition == "jpeg":  # a cheap camera's MJPEG stream
        q = int(round(at(*SEVERITY["jpeg"])))
        ok, buf = cv2.imencode(".jpg", f, [cv2.IMWRITE_JPEG_QUALITY, q])
        decoded = cv2.imdecode(buf, cv2.IMREAD_COLOR)
        assert decoded is not None  # OpenCV decodes what it has just encoded
        f = decoded
    elif condition != "clean":
        raise ValueError(f"unknown condition {condition!r}")
    return f


def _glare(img: np.ndarray, rng: np.random.Generator, quad: np.ndarray | None,
           u: float = 0.5) -> np.ndarray:
    h, w = img.shape[:2]
    if quad is None:
        cx, cy, size = w / 2, h / 2, min(w, h) / 3
    else:
        cx, cy = quad.mean(axis=0)
        size = float(np.linalg.norm(quad[0] - quad[2])) / 1.41
    gx = cx + rng.uniform(-0.45, 0.45) * size
    gy = cy + rng.uniform(-0.45, 0.45) * size
    sx, sy = (0.12 + 0.18 * u) * rng.uniform(0.8, 1.2, 2) * size
    lo, hi = SEVERITY["glare"]
    amp = lo + (hi - lo) * u
    # Only the glare's own neighbourhood is touched: a full-frame float pass
    # would dominate the benchmark's frame generation.
    x0, x1 = int(max(gx - 4 * sx, 0)), int(min(gx + 4 * sx, w))
    y0, y1 = int(max(gy - 4 * sy, 0)), int(min(gy + 4 * sy, h))
    out = img.copy()
    if x1 <= x0 or y1 <= y0:
        return out
    yy, xx = np.ogrid[y0:y1, x0:x1]
    blob = np.exp(-(((xx - gx) / sx) ** 2 + ((yy - gy) / sy) ** 2) / 2).astype(np.float32)
    blob = blob[..., None] if img.ndim == 3 else blob
    roi = out[y0:y1, x0:x1].astype(np.float32)
    out[y0:y1, x0:x1] = (roi * (1 - 0.35 * blob) + amp * blob).clip(0, 255).astype(np.uint8)
    return out


def phone_screen(img: np.ndarray, quad: np.ndarray, condition: str, rng: np.random.Generator,
                 level: float) -> np.ndarray:
    """The code as a phone's screen shows it: lit from behind (its black is a dark grey,
    its white bright), then what ``condition`` (one of PHONE_CONDITIONS) adds. A printed
    card under the same condition gets the same gain and reflection, but no pixel grid."""
    lo, hi = PHONE_SEVERITY.get(condition, (0.0, 0.0))
    at = lo + (hi - lo) * level
    out = img
    x0, y0 = np.floor(quad.min(axis=0)).astype(int) - 2
    x1, y1 = np.ceil(quad.max(axis=0)).astype(int) + 2
    h, w = img.shape[:2]
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    roi = out[y0:y1, x0:x1].astype(np.float32)
    roi = 38.0 + roi * (255.0 - 38.0) / 255.0  # an LCD's black is not black
    if condition == "moire":
        yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        theta = rng.uniform(0, np.pi)
        period = rng.uniform(2.1, 3.4)  # near the camera's sampling: slow beating bands
        wave = np.sin(2 * np.pi * (xx * np.cos(theta) + yy * np.sin(theta)) / period)
        factor = 1.0 - at * (0.5 + 0.5 * wave)
        roi = roi * (factor[..., None] if roi.ndim == 3 else factor)
    out = out.copy()
    out[y0:y1, x0:x1] = roi.clip(0, 255).astype(np.uint8)
    return printed_or_screen(out, quad, condition, rng, level)


def printed_or_screen(img: np.ndarray, quad: np.ndarray, condition: str, rng: np.random.Generator,
                      level: float) -> np.ndarray:
    """What a phone condition does to any card in front of the camera (gain, a streak of light)."""
    lo, hi = PHONE_SEVERITY.get(condition, (0.0, 0.0))
    at = lo + (hi - lo) * level
    if condition == "bright":  # exposure set for the room, the code far brighter: highlights bloom
        f = cv2.convertScaleAbs(img, alpha=at)
        return cv2.addWeighted(f, 0.8, cv2.GaussianBlur(f, (0, 0), 2.0), 0.2, 0)
    if condition == "screen_glare":  # a ceiling light's streak across the glass
        h, w = img.shape[:2]
        cx, cy = quad.mean(axis=0)
        size = float(np.linalg.norm(quad[0] - quad[2])) / 1.41
        theta = rng.uniform(0, np.pi)
        off = rng.uniform(-0.3, 0.3) * size
        x0, y0 = int(max(cx - size, 0)), int(max(cy - size, 0))
        x1, y1 = int(min(cx + size, w)), int(min(cy + size, h))
        yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        d = (xx - cx) * np.cos(theta) + (yy - cy) * np.sin(theta) - off
        band = np.exp(-(d / (0.09 * size)) ** 2 / 2)
        out = img.copy()
        roi = out[y0:y1, x0:x1].astype(np.float32)
        band = band[..., None] if roi.ndim == 3 else band
        out[y0:y1, x0:x1] = (roi * (1 - 0.3 * band) + at * band).clip(0, 255).astype(np.uint8)
        return out
    return img


def phone_presentation(bg: np.ndarray, payload: str, condition: str, rng: np.random.Generator,
                       frames: int = 6, phone: bool = True, level: float | None = None):
    """Frames of a member card held up under a phone condition: on a phone's screen
    (``phone``) or printed, the same placements, severity and streaks for both."""
    h, w = bg.shape[:2]
    ecc = PHONE_ECC if phone else "M"
    n = qr_matrix(payload, ecc).shape[0]
    level = float(rng.uniform()) if level is None else level
    lo, hi = PHONE_SEVERITY["small_phone"]
    mp = lo + (hi - lo) * level if condition == "small_phone" else float(rng.uniform(3.0, 9.5))
    pl = random_placement(w, h, mp, n, rng)
    for i in range(frames):
        p = pl.moved(rng, px=1.5, deg=0.5) if i else pl
        img, quad = compose(bg, payload, p, card=not phone, ecc=ecc)
        sub = np.random.default_rng(int(rng.integers(2**31)))
        img = phone_screen(img, quad, condition, sub, level) if phone else \
            printed_or_screen(img, quad, condition, sub, level)
        yield camera_look(img, rng), quad


def random_placement(width: int, height: int, module_px: float, modules: int,
                     rng: np.random.Generator, tilt: float = 12.0) -> Placement:
    """A placement that keeps a ``modules``-wide symbol (with quiet zone) inside the frame."""
    half = (modules + 2 * _QUIET) * module_px / 2 * 1.15
    cx = rng.uniform(min(half, width / 2), max(width - half, width / 2))
    cy = rng.uniform(min(half, height / 2), max(height - half, height / 2))
    return Placement(cx, cy, module_px, angle=rng.uniform(-25, 25),
                     tilt_x=rng.uniform(-tilt, tilt), tilt_y=rng.uniform(-tilt, tilt))


def presentation(bg: np.ndarray, payload: str, condition: str, rng: np.random.Generator,
                 frames: int = 6, module_px: float | None = None, invert: bool = False,
                 card: bool = False, level: float | None = None):
    """Frames of one label held in front of the camera under one condition.

    Yields ``(frame, quad)``: the placement wobbles a little from frame to
    frame and the noise is fresh, while the condition's severity stays put
    (a dim corner stays dim while the label is held). ``module_px`` defaults
    to a draw from 2.4-9.5 pixels per module.
    """
    h, w = bg.shape[:2]
    n = qr_matrix(payload).shape[0]
    mp = float(module_px) if module_px else float(rng.uniform(2.4, 9.5))
    pl = random_placement(w, h, mp, n, rng)
    if condition == "tilt":  # held at a steep angle towards the camera
        big = float(rng.choice([-1, 1]) * rng.uniform(*SEVERITY["tilt"]))
        small = float(rng.uniform(-12, 12))
        pl = replace(pl, tilt_x=big, tilt_y=small) if rng.random() < 0.5 else replace(pl, tilt_x=small, tilt_y=big)
    level = float(rng.uniform()) if level is None else level
    for i in range(frames):
        p = pl.moved(rng, px=1.5, deg=0.5) if i else pl
        img, quad = compose(bg, payload, p, invert=invert, card=card)
        img = degrade(camera_look(img, rng), condition, rng, quad, level)
        yield img, quad
