"""The scan service in its threads: codes once per presentation, camera loss, classification."""

from __future__ import annotations

import queue
import threading
import time

import pytest

from hardware.frames import FrameSource, SourceError, VirtualCamera
from hardware.scanning import ScanResult, ScanService, classify
from kiosk.codes import ItemRef

from scan_helpers import HANGUL, ITEM, camera_frame, valid_card


def wait_for(cond, timeout: float = 5.0, step: float = 0.01) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(step)
    return cond()


class Ticks:
    """A monotonic clock in seconds that moves only when the test sets ``t``."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def analysed(svc: ScanService, more: int = 5) -> bool:
    """Wait until the service has analysed ``more`` further frames."""
    st = svc.stats
    start = st.decoded + st.skipped
    return wait_for(lambda: st.decoded + st.skipped >= start + more)


def hold(svc: ScanService, clock: Ticks, until: float, step: float = 0.2) -> None:
    """Move ``clock`` to ``until`` in small steps, a few frames analysed at each:
    a code in view is seen all along, as it is at a camera's frame rate."""
    while clock.t < until:
        clock.t = min(until, clock.t + step)
        assert analysed(svc, 3)


class Recorder:
    """Collects callbacks from the service threads."""

    def __init__(self) -> None:
        self.codes: list[tuple[float, ScanResult]] = []
        self.statuses: list[tuple[float, str]] = []
        self.lock = threading.Lock()

    def code(self, r: ScanResult) -> None:
        with self.lock:
            self.codes.append((time.monotonic(), r))

    def status(self, s: str) -> None:
        with self.lock:
            self.statuses.append((time.monotonic(), s))

    def texts(self) -> list[str]:
        return [r.text for _, r in self.codes]

    def states(self) -> list[str]:
        return [s for _, s in self.statuses]


@pytest.fixture
def rec():
    return Recorder()


@pytest.fixture
def service_factory(rec):
    made = []

    def make(source, **kw):
        svc = ScanService(source, on_code=rec.code, on_status=rec.status, **kw)
        made.append(svc)
        return svc

    yield make
    for svc in made:
        svc.stop()


# -- classification -------------------------------------------------------------
def test_classify_item_label_and_bare_code():
    r = classify(ITEM)
    assert r == ScanResult(ITEM, ItemRef("T-00042"), "camera") and (r.kind, r.code) == ("item", "T-00042")
    assert classify("t42", source="typed") == ScanResult("t42", ItemRef("T-00042"), "typed")
    assert classify("https://lend.seoul.example/i/K-00007", "https://lend.seoul.example").code == "K-00007"


def test_classify_member_card():
    card = valid_card()
    r = classify(card, source="wedge")
    assert (r.kind, r.code, r.source) == ("card", card, "wedge")
    assert classify(card.lower()).code == card  # a card payload is case-insensitive


def test_classify_legacy_barcode_as_item_alias():
    r = classify("8801234567893")
    assert (r.kind, r.code) == ("item", "8801234567893")


@pytest.mark.parametrize("text", [
    "https://example.com/i/T-00042",  # someone else's site
    "WIFI:S:cafe;T:WPA;P:secret;;",
    HANGUL.replace("nanum.example.org", "shop.example.com"),
    "나눔",
    "a\x00b",
    "x" * 5000,
    "",
    "   ",
])
def test_classify_foreign_or_empty_never_raises(text):
    r = classify(text)
    assert r.kind == "foreign" and r.code is None and r.text == text


def test_classify_damaged_codes_of_ours_keep_their_kind():
    bad_card = valid_card()[:-1] + ("A" if valid_card()[-1] != "A" else "B")
    r = classify(bad_card)
    assert (r.kind, r.code, r.source) == ("card", None, "camera") and not r.ref.foreign
    damaged = "https://nanum.example.org/i/????"
    r = classify(damaged)
    assert (r.kind, r.code, r.source) == ("item", None, "camera") and not r.ref.foreign


def test_classify_garbage_types():
    assert classify(None).kind == "foreign"  # type: ignore[arg-type]
    assert classify(b"\xff\xfe").kind == "foreign"  # type: ignore[arg-type]


def test_hangul_label_of_ours_is_foreign_by_the_codec():
    # Our labels are ASCII; a Hangul payload is someone else's code, reported as such.
    assert classify(HANGUL).kind == "foreign"


# -- the running service --------------------------------------------------------
def test_virtual_camera_presentation_is_reported_once(rec, service_factory):
    # Presentations are timed on the service's clock; the test moves it and
    # counts analysed frames instead of sleeping.
    clock = Ticks()
    cam = VirtualCamera(640, 480, fps=30, seed=3)
    svc = service_factory(cam, clock=clock)
    svc.start()
    assert wait_for(lambda: svc.status == "ok")
    assert wait_for(lambda: svc.latest_frame() is not None)
    n1, f1 = svc.latest_frame()
    assert f1.shape == (480, 640, 3)
    cam.present(ITEM)
    assert wait_for(lambda: rec.codes, 3.0)
    hold(svc, clock, 1.0)  # still held a second later: not reported again (within 2 s)
    assert rec.texts() == [ITEM]
    t, r = rec.codes[0]
    assert r == ScanResult(ITEM, ItemRef("T-00042"), "camera")
    cam.clear()
    assert wait_for(lambda: cam.shown is None) and analysed(svc)
    clock.t = 1.6  # out of view longer than gone_after_s
    card = valid_card()
    cam.present(card)
    assert wait_for(lambda: len(rec.codes) == 2, 3.0)
    assert rec.codes[1][1].kind == "card"
    cam.clear()
    assert wait_for(lambda: cam.shown is None) and analysed(svc)
    clock.t = 1.7  # the label last seen at 1.0 shown again: a new presentation, before repeat_after_s
    cam.present(ITEM)
    assert wait_for(lambda: len(rec.codes) == 3, 3.0)
    assert analysed(svc)
    assert rec.texts() == [ITEM, card, ITEM]
    n2, _ = svc.latest_frame()
    assert n2 > n1
    st = svc.stats
    assert st.decoded > 0 and st.reported == 3 and len(st.latencies) == 3
    assert st.frames >= st.decoded + st.skipped
    svc.stop()
    assert rec.states()[:2] == ["starting", "ok"]


def test_foreign_code_is_reported_as_foreign(rec, service_factory):
    cam = VirtualCamera(640, 480, fps=30, seed=5)
    svc = service_factory(cam)
    cam.present("https://www.youtube.com/watch?v=nanum")
    svc.start()
    assert wait_for(lambda: rec.codes, 3.0)
    r = rec.codes[0][1]
    assert (r.kind, r.code) == ("foreign", None)
    assert svc.running


class FlakyCamera(FrameSource):
    """A fake USB camera that can be unplugged and plugged back in."""

    name = "flaky camera"

    def __init__(self) -> None:
        self.plugged = True
        self.is_open = False
        self.opens = 0
        self.reads = 0
        self.hanging = False
        self.frame, _ = camera_frame(None, size=(320, 240))

    def open(self) -> None:
        self.opens += 1
        if not self.plugged:
            raise SourceError("no such device")
        self.is_open = True

    def read(self):
        time.sleep(1 / 60)
        self.reads += 1
        if not (self.plugged and self.is_open):
            return None
        return self.frame

    def close(self) -> None:
        self.is_open = False


def test_camera_loss_and_recovery(rec, service_factory):
    clock = Ticks()
    cam = FlakyCamera()
    svc = service_factory(cam, lost_after_s=0.5, clock=clock)
    svc.start()
    assert wait_for(lambda: svc.status == "ok")
    cam.plugged = False
    reads = cam.reads
    assert wait_for(lambda: cam.reads >= reads + 5)
    assert svc.status == "ok"  # failed reads, but not for lost_after_s yet
    clock.t = 0.6
    assert wait_for(lambda: svc.status == "lost", 3.0)
    opens = cam.opens
    assert wait_for(lambda: cam.opens >= opens + 3)  # it keeps trying to reopen
    assert svc.status == "lost"
    cam.plugged = True
    assert wait_for(lambda: svc.status == "ok", 5.0)
    frames = svc.stats.frames
    assert wait_for(lambda: svc.stats.frames > frames + 5)
    assert rec.states() == ["starting", "ok", "lost", "ok"]


class CountedCamera(VirtualCamera):
    """The virtual camera, counting the service's attempts to open it."""

    def __init__(self, *args, **kw) -> None:
        super().__init__(*args, **kw)
        self.opens = 0

    def open(self) -> None:
        self.opens += 1
        super().open()


def test_camera_missing_at_start_then_plugged_in(rec, service_factory):
    cam = CountedCamera(320, 240, fps=30)
    cam.disconnect()
    svc = service_factory(cam)
    svc.start()
    assert wait_for(lambda: svc.status == "lost", 3.0)
    assert wait_for(lambda: cam.opens >= 3)  # it keeps trying
    cam.reconnect()
    tried = cam.opens
    assert wait_for(lambda: svc.status == "ok", 5.0)
    assert cam.opens == tried + 1  # the next attempt finds it


class HangingCamera(FlakyCamera):
    """A driver whose read() blocks, once the device is gone, until the test lets it return."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def read(self):
        if not self.plugged:
            self.hanging = True
            self.release.wait(30)
            self.hanging = False
            return None
        return super().read()


def test_a_read_that_hangs_is_reported_as_loss(rec, service_factory):
    clock = Ticks()
    cam = HangingCamera()
    svc = service_factory(cam, lost_after_s=0.5, clock=clock)
    svc.start()
    assert wait_for(lambda: svc.status == "ok")
    cam.plugged = False
    assert wait_for(lambda: cam.hanging)
    clock.t = 0.6
    # Reported while the driver still hangs, not after its timeout.
    assert wait_for(lambda: svc.status == "lost", 3.0)
    assert cam.hanging
    cam.plugged = True
    cam.release.set()
    assert wait_for(lambda: svc.status == "ok", 5.0)


class FeedSource(FrameSource):
    """Numbered frames, one for each number the test feeds: the pixel (0, 0) carries it."""

    name = "feed"

    def __init__(self) -> None:
        self.feed: queue.Queue[int] = queue.Queue()
        self.base, _ = camera_frame(None, size=(320, 240))

    def open(self) -> None:
        pass

    def read(self):
        try:
            n = self.feed.get(timeout=0.05)
        except queue.Empty:
            return None  # nothing new; the service asks again
        f = self.base.copy()
        f[:8, :8] = n  # also makes each frame "changed"
        return f

    def close(self) -> None:
        pass


def test_slow_decoding_drops_frames_instead_of_queueing(service_factory):
    # The analysis of a frame lasts until the test lets it end: a machine as slow
    # as it takes, counted in frames, not in seconds.
    src = FeedSource()
    svc = service_factory(src, lost_after_s=3600)  # an idle feed is not a lost camera
    svc.analyser.change_threshold = 0.0  # analyse every frame it gets
    seen: list[int] = []
    gate = threading.Semaphore(0)
    orig = svc.analyser.analyse

    def held(frame):
        seen.append(int(frame[0, 0, 0]))
        gate.acquire(timeout=30)
        return orig(frame)

    svc.analyser.analyse = held
    svc.start()
    try:
        src.feed.put(1)
        assert wait_for(lambda: seen == [1])
        for n in range(2, 102):  # a hundred frames arrive while frame 1 is analysed
            src.feed.put(n)
        assert wait_for(lambda: svc.stats.frames == 101)
        assert seen == [1]
        gate.release()
        # The next analysis takes the newest frame; the 99 between were dropped, not queued.
        assert wait_for(lambda: seen == [1, 101])
        assert (svc.stats.frames, svc.stats.dropped) == (101, 99)
    finally:
        gate.release(10)
        svc.stop()
    assert seen == [1, 101]


def test_a_failing_callback_does_not_stop_scanning(service_factory):
    calls = []

    def explode(result):
        calls.append(result)
        raise RuntimeError("UI bug")

    clock = Ticks()
    cam = VirtualCamera(640, 480, fps=30, seed=6)
    svc = ScanService(cam, on_code=explode, clock=clock)
    try:
        svc.start()
        cam.present(ITEM)
        assert wait_for(lambda: calls, 3.0)
        cam.clear()
        assert wait_for(lambda: cam.shown is None) and analysed(svc)
        clock.t = 0.8
        cam.present(valid_card())
        assert wait_for(lambda: len(calls) == 2, 3.0)
    finally:
        svc.stop()
    assert svc.status == "stopped"


def test_stop_and_start_again(rec, service_factory):
    cam = VirtualCamera(320, 240, fps=30)
    svc = service_factory(cam)
    svc.start()
    assert wait_for(lambda: svc.status == "ok")
    svc.stop()
    assert not svc.running and svc.status == "stopped"
    svc.start()
    assert wait_for(lambda: svc.status == "ok")
    cam.present(ITEM)
    assert wait_for(lambda: rec.codes, 3.0)


def test_process_can_be_driven_without_threads(rec):
    svc = ScanService(VirtualCamera(640, 480, fps=None), on_code=rec.code)
    frame, _ = camera_frame(ITEM)
    assert [r.code for r in svc.process(frame, 0.0)] == ["T-00042"]
    assert svc.process(frame, 0.1) == []  # same presentation
    assert [r.code for r in svc.process(frame, 2.2)] == ["T-00042"]  # 2 s later
