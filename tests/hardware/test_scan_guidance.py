"""Advice while a code is held up but not read, driven by the virtual camera on a manual clock."""

from __future__ import annotations

import pytest

from hardware.decoders import ZxingDecoder
from hardware.frames import VirtualCamera
from hardware.guidance import GuidanceFilter, Hint
from hardware.scanning import ScanService

from scan_helpers import ITEM

FPS = 15.0


class Ticks:
    """Seconds the test moves by hand."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def _advice(seconds: float, **present) -> tuple[list[Hint | None], list[str]]:
    """Hold the label up as described for ``seconds``; the advice given and the codes read."""
    cam = VirtualCamera(1280, 720, fps=None, seed=4)
    cam.open()
    clock = Ticks()
    advice: list[Hint | None] = []
    codes: list[str] = []
    svc = ScanService(cam, ZxingDecoder(), on_code=lambda r: codes.append(r.text),
                      on_guidance=advice.append, clock=clock)
    svc.analyser.settle_frames = 10_000  # a hand that never holds perfectly still
    cam.present(ITEM, **present)
    for _ in range(int(seconds * FPS)):
        frame = cam.read()
        assert frame is not None
        svc.process(frame)
        clock.t += 1 / FPS
    return advice, codes


@pytest.mark.parametrize(("present", "hint"), [
    ({"module_px": 1.1}, Hint.CLOSER),
    ({"motion": 30.0}, Hint.HOLD_STILL),
    ({"blur": 6.0}, Hint.HOLD_STILL),
    ({"tilt": 76.0}, Hint.STRAIGHTEN),
], ids=["too far", "moving", "out of focus", "too tilted"])
def test_a_code_seen_but_not_read_gets_one_steady_piece_of_advice(present, hint):
    advice, codes = _advice(3.0, **present)
    assert codes == []
    assert advice == [hint]  # shown once, not flickering on and off


def test_a_code_that_reads_gets_no_advice():
    advice, codes = _advice(3.0)
    assert codes and set(codes) == {ITEM}
    assert advice == []


def test_advice_waits_a_moment_goes_when_the_code_reads_and_shows_one_message_at_a_time():
    f = GuidanceFilter(delay_s=0.7, min_show_s=1.5, clear_after_s=0.6)
    assert not f.update(Hint.CLOSER, False, 0.0)
    assert not f.update(Hint.CLOSER, False, 0.5)
    assert f.update(Hint.CLOSER, False, 0.8) and f.shown is Hint.CLOSER
    # Another hint must hold, and the first must have been up long enough to be read.
    assert not f.update(Hint.HOLD_STILL, False, 1.0)
    assert not f.update(Hint.HOLD_STILL, False, 1.8)
    assert f.update(Hint.HOLD_STILL, False, 2.4) and f.shown is Hint.HOLD_STILL
    assert not f.update(None, False, 2.6)  # a frame without a sighting is not the end
    assert f.update(Hint.HOLD_STILL, True, 2.7) and f.shown is None  # read: withdrawn at once
    assert not f.update(Hint.STRAIGHTEN, False, 3.0)
    assert not f.update(None, False, 3.7)
    assert not f.update(Hint.STRAIGHTEN, False, 3.8)  # the gap restarted the wait
    assert Hint.CLOSER.msgid == "Bring the label a little closer."
