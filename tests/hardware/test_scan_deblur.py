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


class _CpuClock:
    """The worker's CPU clock, made to advance ``step`` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.t, self.step = 0.0, step

    def __call__(self) -> float:
        self.t += self.step
        return self.t


def test_a_frame_over_its_budget_leaves_the_extra_tries_to_the_next_frames(monkeypatch):
    from hardware import pipeline

    calls: list[int] = []  # deconvolutions, by the frame they were made on
    now = [0]  # the frame being analysed
    for name in ("deblur_motion", "deblur_gaussian"):
        real = getattr(pipeline, name)
        monkeypatch.setattr(pipeline, name, lambda *a, _real=real, **k: calls.append(now[0]) or _real(*a, **k))
    frames = _frames("motion", 13.0, 4.5, 1, n=12)
    roomy = FrameAnalyser(ZxingDecoder(), frame_budget_s=10.0)
    assert roomy.analyse(frames[0]).deferred == 0
    assert calls.count(0) == roomy.deblur_per_frame  # all three deconvolutions on the first frame

    # A clock that says every reading of it costs 50 ms: past the 40 ms budget after the first extra try.
    calls.clear()
    tight = FrameAnalyser(ZxingDecoder(), frame_budget_s=0.040, clock=_CpuClock(0.050))
    deferred, seen = 0, []
    for now[0], f in enumerate(frames[:6]):
        res = tight.analyse(f)
        deferred += res.deferred
        seen.append([d.text for d in res.codes])
    assert deferred >= 6
    # one deconvolution a frame (never none: a symbol is not starved), carried on frame after frame
    assert calls == [0, 1, 2, 3, 4, 5]
    assert all(s in ([], [ITEM]) for s in seen)


def test_deconvolving_an_awkwardly_sized_crop_gives_the_crop_back_at_its_size():
    from hardware.pipeline import deblur_gaussian, deblur_motion

    crop = _crop(_frames("gauss", 2.0)[0])[:79, :73]  # 79 and 73 are primes: padded for the DFT
    for out in (deblur_gaussian(crop, 2.0), deblur_motion(crop, 9.0, 30.0)):
        assert out.shape == crop.shape and out.dtype == np.uint8
