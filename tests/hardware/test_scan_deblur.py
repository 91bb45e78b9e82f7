"""Blurred and smeared codes: the blur is estimated and the crop deconvolved."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from hardware import synth
from hardware.decoders import ZxingDecoder
from hardware.pipeline import FrameAnalyser, estimate_blur

from scan_helpers import ITEM


def _frames(kind: str, strength: float, module_px: float = 4.5, seed: int = 1, n: int = 6,
            angle: float = 30.0) -> list[np.ndarray]:
    """A label held still-ish in front of the camera, out of focus or smeared by motion."""
    rng = np.random.default_rng(seed)
    bg = synth.background(640, 480, seed=seed)
    pl = synth.Placement(330, 240, module_px, angle=8)
    out = []
    for _ in range(n):
        f, _ = synth.compose(bg, ITEM, pl.moved(rng, px=1.5, deg=0.4))
        f = synth.camera_look(f, rng)
        if kind == "motion":
            f = cv2.filter2D(f, -1, synth.motion_kernel(strength, angle))
        else:
            f = cv2.GaussianBlur(f, (0, 0), strength)
        out.append(f)
    return out


def _crop(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(frame[200:280, 290:370], cv2.COLOR_BGR2GRAY)


def test_the_blur_estimate_tells_motion_from_focus_and_finds_the_direction():
    sharp = estimate_blur(_crop(_frames("gauss", 0.01)[0]))
    soft = estimate_blur(_crop(_frames("gauss", 2.6)[0]))
    smear = estimate_blur(_crop(_frames("motion", 13, angle=30.0)[0]))
    assert not sharp.blurred
    assert soft.blurred and smear.blurred
    assert smear.moving and smear.anisotropy > 3 * soft.anisotropy
    assert abs((smear.angle - 30.0 + 90) % 180 - 90) < 15


@pytest.mark.parametrize(("kind", "strength", "module_px", "seed"),
                         [("motion", 13.0, 4.5, 1), ("gauss", 2.2, 3.5, 2)])
def test_codes_zxing_cannot_read_on_any_frame_are_read_after_deblurring(kind, strength, module_px, seed):
    zx = ZxingDecoder()
    frames = _frames(kind, strength, module_px, seed)
    assert not any(zx.decode(f) for f in frames)  # beyond the single-frame decoder
    an = FrameAnalyser(zx)
    seen = [[d.text for d in an.analyse(f).codes] for f in frames]
    assert [ITEM] in seen
    assert all(s in ([], [ITEM]) for s in seen)  # and never anything else
