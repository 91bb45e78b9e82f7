"""The frame analyser and the once-per-presentation rule, driven frame by frame."""

from __future__ import annotations

import numpy as np
import pytest

from hardware import synth
from hardware.decoders import ZxingDecoder
from hardware.pipeline import FrameAnalyser
from hardware.scanning import PresenceFilter

from scan_helpers import ITEM, camera_frame


class RecordingDecoder(ZxingDecoder):
    """zxing-cpp that remembers the size of every image it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, tuple[int, int]]] = []

    def decode(self, image, **kw):
        self.calls.append(("crop", image.shape[:2]))
        return super().decode(image, **kw)

    def locate(self, image, **kw):
        self.calls.append(("full", image.shape[:2]))
        return super().locate(image, **kw)


def _moving_label(n: int, size=(1280, 720), module_px=5.0, seed=2, payload=ITEM):
    rng = np.random.default_rng(seed)
    bg = synth.background(*size, seed=seed)
    pl = synth.Placement(size[0] * 0.4, size[1] * 0.5, module_px, angle=6)
    out = []
    for _ in range(n):
        pl = pl.moved(rng, px=4.0, deg=1.0)
        f, _ = synth.compose(bg, payload, pl)
        out.append(synth.camera_look(f, rng))
    return out


def test_roi_tracking_decodes_a_crop_instead_of_the_frame():
    dec = RecordingDecoder()
    an = FrameAnalyser(dec, full_every=3, settle_frames=100)  # never skip: ROI alone here
    per_frame = []
    for f in _moving_label(7):
        dec.calls.clear()
        assert [d.text for d in an.analyse(f).codes] == [ITEM]
        per_frame.append(list(dec.calls))
    # The whole frame (half resolution first): on the first frame, then every
    # third frame to find other codes; a crop around the code on the others.
    whole = [i + 1 for i, calls in enumerate(per_frame) if any(k == "full" for k, _ in calls)]
    assert whole == [1, 3, 6]
    area = 1280 * 720
    for i, calls in enumerate(per_frame):
        if i + 1 not in whole:
            assert [k for k, _ in calls] == ["crop"]
            (h, w), = [shape for _, shape in calls]
            assert h * w < area / 6
    assert all(shape in ((720, 1280), (360, 640)) for k, shape in sum(per_frame, []) if k == "full")


def test_track_follows_the_code_and_ends_when_it_has_gone():
    dec = RecordingDecoder()
    an = FrameAnalyser(dec, track_frames=3, settle_frames=100)
    for f in _moving_label(3):
        an.analyse(f)
    desk, _ = camera_frame(None, size=(1280, 720), seed=2)
    # The label's track, then a guess at a blurred code among the desk's
    # texture, are tried for a few frames each.
    results = [an.analyse(desk).codes for _ in range(9)]
    assert results == [[]] * 9
    dec.calls.clear()
    an.analyse(desk)
    assert dec.calls and all(k == "full" for k, _ in dec.calls)  # no crop left to try


def test_unchanged_frames_are_skipped_but_the_code_stays_in_view():
    frame, _ = camera_frame(ITEM, size=(1280, 720))
    an = FrameAnalyser(ZxingDecoder(), settle_frames=3, max_skip=5)
    results = [an.analyse(frame) for _ in range(16)]
    assert all([d.text for d in r.codes] == [ITEM] for r in results)
    skipped = [r.skipped for r in results]
    assert skipped[:4] == [False] * 4
    assert sum(skipped) >= 10
    # Never more than max_skip frames in a row without a decode.
    run = longest = 0
    for s in skipped:
        run = run + 1 if s else 0
        longest = max(longest, run)
    assert longest == 5


def test_a_label_swapped_for_another_in_the_same_place_is_noticed():
    bg = synth.background(1280, 720, seed=8)
    rng = np.random.default_rng(8)
    other = ITEM.replace("T-00042", "K-00007")
    pl = synth.Placement(640, 360, 5.0, angle=4)
    a, _ = synth.compose(bg, ITEM, pl)
    b, _ = synth.compose(bg, other, pl)
    an = FrameAnalyser(ZxingDecoder())
    still = [an.analyse(synth.camera_look(a, rng)) for _ in range(12)]
    assert any(r.skipped for r in still)
    res = an.analyse(synth.camera_look(b, rng))
    assert not res.skipped and [d.text for d in res.codes] == [other]


def test_an_idle_desk_costs_little_and_a_new_code_is_seen_at_once():
    rng = np.random.default_rng(5)
    bg = synth.background(640, 480, seed=5)
    an = FrameAnalyser(ZxingDecoder())
    idle = [an.analyse(synth.camera_look(bg, rng)) for _ in range(30)]
    assert sum(r.skipped for r in idle) >= 20
    assert all(r.codes == [] for r in idle)
    frame, _ = synth.compose(bg, ITEM, synth.Placement(320, 240, 5.0))
    first = an.analyse(synth.camera_look(frame, rng))
    assert not first.skipped and [d.text for d in first.codes] == [ITEM]


def test_retry_reads_symbols_zxing_found_but_could_not_read():
    zx = ZxingDecoder()
    seen = read = 0
    for seed in range(40):
        rng = np.random.default_rng(seed)
        frame, quad = camera_frame(ITEM, module_px=float(rng.uniform(2.5, 7)), seed=seed)
        frame = synth.degrade(frame, "glare", rng, quad, level=0.8)
        found, failed = zx.locate(frame)
        if found or not failed:
            continue
        seen += 1
        res = FrameAnalyser(zx).analyse(frame)
        assert res.candidates >= 1
        read += [d.text for d in res.codes] == [ITEM]
    assert seen >= 8
    assert read >= seen // 2


def test_dim_scene_is_read_after_stretching_contrast():
    frame, _ = camera_frame(ITEM, size=(1280, 720), module_px=5.0)
    rng = np.random.default_rng(0)
    dim = synth.add_noise((frame.astype(np.float32) * 0.05).astype(np.uint8), rng, 2.0)
    assert ZxingDecoder().decode(dim) == []
    res = FrameAnalyser(ZxingDecoder()).analyse(dim)
    assert res.enhanced and [d.text for d in res.codes] == [ITEM]


@pytest.mark.parametrize("condition", ["glare", "low_contrast", "dim", "motion"])
def test_pipeline_reads_at_least_what_single_frames_read(condition):
    """Over seeded presentations the pipeline reports at least as many as raw zxing-cpp reads."""
    rng = np.random.default_rng(17)
    bg = synth.background(640, 480, seed=17)
    zx = ZxingDecoder()
    raw_frames = pipe_frames = raw_any = pipe_reported = 0
    for _ in range(8):
        an, presence = FrameAnalyser(zx), PresenceFilter()
        frames = list(synth.presentation(bg, ITEM, condition, rng, frames=4))
        hit_raw = hit_pipe = False
        for i, (f, _q) in enumerate(frames):
            raw = [d.text for d in zx.decode(f)]
            res = an.analyse(f)
            pipe = [d.text for d in res.codes]
            assert set(pipe) <= {ITEM} and set(raw) <= {ITEM}  # never a wrong text
            raw_frames += ITEM in raw
            pipe_frames += ITEM in pipe
            hit_raw |= ITEM in raw
            hit_pipe |= ITEM in presence.update(pipe, i / 30)
        raw_any += hit_raw
        pipe_reported += hit_pipe
    assert pipe_frames >= raw_frames
    assert pipe_reported >= raw_any


def test_reset_forgets_tracks_and_thumbnail():
    an = FrameAnalyser(ZxingDecoder())
    for f in _moving_label(2, size=(640, 480)):
        an.analyse(f)
    an.reset()
    desk, _ = camera_frame(None)
    dec = an.decoder = RecordingDecoder()
    res = an.analyse(desk)
    assert res.codes == [] and not res.skipped
    assert [shape for kind, shape in dec.calls if kind == "full"] == [(240, 320), (480, 640)]  # half, then full


# -- once per presentation ------------------------------------------------------
def _run(presence: PresenceFilter, timeline: list[tuple[float, list[str]]]) -> list[tuple[float, str]]:
    out = []
    for t, texts in timeline:
        out += [(t, x) for x in presence.update(texts, t)]
    return out


def _frames(t0: float, t1: float, texts: list[str], fps: float = 30) -> list[tuple[float, list[str]]]:
    n = int(round((t1 - t0) * fps))
    return [(t0 + i / fps, texts) for i in range(n)]


def test_a_code_held_in_view_is_reported_once_per_two_seconds():
    got = _run(PresenceFilter(), _frames(0, 3.0, ["A"]))
    assert [round(t, 2) for t, _ in got] == [0.0, 2.0]


def test_without_the_repeat_a_held_code_is_reported_once():
    assert len(_run(PresenceFilter(repeat_after_s=None), _frames(0, 5.0, ["A"]))) == 1


def test_missed_frames_do_not_count_as_leaving():
    timeline = _frames(0, 0.5, ["A"]) + _frames(0.5, 0.8, []) + _frames(0.8, 1.5, ["A"])
    assert len(_run(PresenceFilter(), timeline)) == 1


def test_taken_away_and_shown_again_is_a_new_presentation():
    timeline = _frames(0, 0.5, ["A"]) + _frames(0.5, 1.2, []) + _frames(1.2, 1.5, ["A"])
    got = _run(PresenceFilter(), timeline)
    assert [round(t, 2) for t, _ in got] == [0.0, 1.2]


def test_codes_are_independent():
    timeline = _frames(0, 0.3, ["A"]) + _frames(0.3, 0.6, ["A", "B"]) + _frames(0.6, 1.0, ["B"])
    got = _run(PresenceFilter(), timeline)
    assert [(round(t, 2), x) for t, x in got] == [(0.0, "A"), (0.3, "B")]
    p = PresenceFilter()
    _run(p, timeline)
    assert set(p.in_view(1.0)) == {"A", "B"}
    assert p.in_view(2.0) == []
