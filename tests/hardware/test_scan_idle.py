"""Compressed camera frames: an idle kiosk does not decompress what it does not look at."""

from __future__ import annotations

import time

import cv2
import numpy as np

from hardware import synth
from hardware.decoders import ZxingDecoder
from hardware.frames import EncodedFrame, JpegSequenceSource
from hardware.scanning import ScanService

from scan_helpers import ITEM


def wait_for(cond, timeout: float = 5.0) -> bool:
    """Wait for the service's threads (real time: they run on their own)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.01)
    return cond()


def _jpeg(img: np.ndarray) -> EncodedFrame:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return EncodedFrame(buf.tobytes())


class _Unused:
    """A frame source the test never starts: frames are handed to process() directly."""

    name = "none"


def _service(reports: list) -> ScanService:
    return ScanService(_Unused(), ZxingDecoder(), on_code=reports.append, clock=lambda: 0.0)  # type: ignore[arg-type]


def test_a_still_desk_is_mostly_neither_decompressed_nor_looked_at_and_a_code_is_seen_at_once():
    rng = np.random.default_rng(3)
    bg = synth.background(1280, 720, seed=3)
    reports: list = []
    svc = _service(reports)
    desk = [_jpeg(synth.camera_look(bg, rng)) for _ in range(60)]
    for i, f in enumerate(desk):
        svc.process(f, t_in=i / 30)
    full = sum(f._full is not None for f in desk)
    assert full <= 12  # the first frames, then one in about thirty
    assert svc.stats.skipped >= 45
    frame, _ = synth.compose(bg, ITEM, synth.Placement(640, 360, 6.0, angle=8))
    got = svc.process(_jpeg(synth.camera_look(frame, rng)), t_in=2.0)
    assert [r.text for r in got] == [ITEM]
    assert [r.text for r in reports] == [ITEM]


def test_the_preview_gets_a_picture_and_a_broken_frame_is_ignored():
    reports: list = []
    assert _service(reports).process(EncodedFrame(b"not a jpeg at all"), t_in=0.0) == []
    img = synth.camera_look(synth.background(640, 480, seed=1), np.random.default_rng(1))
    ok, buf = cv2.imencode(".jpg", img)
    svc = ScanService(JpegSequenceSource([buf.tobytes()], fps=100), ZxingDecoder(), on_code=reports.append)
    svc.start()
    try:
        assert wait_for(lambda: svc.latest_frame() is not None)
        got = svc.latest_frame()
        assert got is not None and got[1].shape == img.shape
    finally:
        svc.stop()
    assert reports == []
