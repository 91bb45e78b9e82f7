"""The aiming tone: a card brought from far to near the camera, heard as a rising pip.

The window's own scan bridge and service report what a virtual camera shows (640x480, the
camera window's size); the test hands the service its frames on a clock it moves itself, as
the worker would at 15 frames a second, and listens to the window's recording sound.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication

from hardware.frames import VirtualCamera
from hardware.guidance import AimFilter, fill_of
from hardware.pipeline import Sighting
from ui.aim_tone import STEP_MS, STEPS, step_for
from ui.sound import AIM_CUES

FPS = 15.0


class Aimed:
    """A card moved towards a virtual camera whose frames go to the window's scan service."""

    def __init__(self, window) -> None:
        self.window = window
        window.bridge.stop()  # the worker threads: this test hands over the frames itself
        self.service = window.bridge.service
        self.t = 0.0
        self.service.clock = lambda: self.t
        self.service.analyser.reset()
        self.service.analyser.settle_frames = 10_000  # a hand never holds perfectly still
        self.camera = VirtualCamera(640, 480, fps=None, seed=4)
        self.camera.open()
        #: (step, ms between pips) each time the tone changed step
        self.changes: list[tuple[int | None, int]] = []
        #: every fill the bridge reported
        self.fills: list[float | None] = []
        window.bridge.aim.connect(self._aim)

    def _aim(self, fill) -> None:
        self.fills.append(fill)
        tone = self.window.aim_tone
        if not self.changes or self.changes[-1][0] != tone.step:
            self.changes.append((tone.step, tone.timer.interval() if tone.timer.isActive() else 0))

    def sweep(self, payload: str, start: float = 0.4, grow: float = 1.08, frames_each: int = 4) -> None:
        """From far (``start`` px per module) nearer and nearer until the card reads."""
        module_px = start
        while self.window.session.member is None and module_px < 4.0:
            self.camera.present(payload, module_px=module_px)
            for _ in range(frames_each):
                self.service.process(self.camera.read())
                self.t += 1 / FPS
                QCoreApplication.processEvents()  # what the service queued for the window, delivered
            module_px *= grow
        QCoreApplication.processEvents()


def _aim_cues(played: list[str]) -> list[int]:
    return [AIM_CUES.index(c) for c in played if c in AIM_CUES]


def _rises(steps: list[int]) -> list[int]:
    """The steps heard, each once, in order."""
    out: list[int] = []
    for s in steps:
        if not out or out[-1] != s:
            out.append(s)
    return out


def test_a_card_brought_closer_is_heard_rising_and_stops_with_the_chime(camera_window, cards):
    window, ui = camera_window
    ui.tap("VoiceGuide")
    window.go("borrow")  # sign-in first: the identify screen waits for the card at its camera
    ui.settle()
    assert window.current.name == "identify" and window.session.voice
    sound = window.sound
    sound.played.clear()
    aimed = Aimed(window)

    aimed.sweep(cards["윤지우"])
    ui.settle()
    assert window.session.member is not None  # it read in the end
    played = sound.played
    assert "ok" in played
    chime = played.index("ok")
    heard = _rises(_aim_cues(played[:chime]))
    assert heard == sorted(heard), f"the tone fell on the way in: {heard}"
    assert heard[0] <= 1 and heard[-1] >= 3 and len(heard) >= 3, heard
    assert not _aim_cues(played[chime:])  # nothing after the chime
    assert window.aim_tone.step is None and not window.aim_tone.timer.isActive()
    # The pips come faster as the card comes closer, and stop when it reads.
    steps = [(s, ms) for s, ms in aimed.changes if s is not None]
    assert [ms for _s, ms in steps] == [STEP_MS[s] for s, _ms in steps]
    assert [ms for _s, ms in steps] == sorted((ms for _s, ms in steps), reverse=True)
    assert aimed.changes[-1] == (None, 0)


def test_the_tone_repeats_while_the_card_is_held_and_stops_when_it_is_taken_away(camera_window, cards):
    window, ui = camera_window
    ui.tap("VoiceGuide")
    window.go("borrow")
    ui.settle()
    aimed = Aimed(window)
    aimed.camera.present(cards["윤지우"], module_px=0.9)  # held still, too far to read
    for _ in range(int(1.0 * FPS)):
        aimed.service.process(aimed.camera.read())
        aimed.t += 1 / FPS
        QCoreApplication.processEvents()
    tone = window.aim_tone
    assert tone.step is not None and tone.timer.isActive()
    before = len(_aim_cues(window.sound.played))
    tone.timer.timeout.emit()  # the repeat interval passed
    tone.timer.timeout.emit()
    assert _aim_cues(window.sound.played)[before:] == [tone.step, tone.step]
    aimed.camera.clear()  # taken away
    for _ in range(int(1.0 * FPS)):
        aimed.service.process(aimed.camera.read())
        aimed.t += 1 / FPS
        QCoreApplication.processEvents()
    assert tone.step is None and not tone.timer.isActive()
    assert window.session.member is None


def test_a_sighted_resident_hears_no_tone_only_the_chime(camera_window, cards):
    window, ui = camera_window
    assert not window.session.voice  # voice guidance off: the default
    window.go("borrow")
    ui.settle()
    window.sound.played.clear()
    aimed = Aimed(window)
    aimed.sweep(cards["윤지우"])
    ui.settle()
    assert window.session.member is not None
    assert "ok" in window.sound.played
    assert _aim_cues(window.sound.played) == []
    assert any(f is not None for f in aimed.fills)  # the scanner saw the card coming all the same
    assert window.aim_tone.step is None


def test_the_fill_is_the_biggest_unread_symbol_over_the_view_and_is_steadied():
    assert fill_of([], 480) is None
    seen = [Sighting(48.0, None, None), Sighting(96.0, 0.1, None)]
    assert fill_of(seen, 480) == pytest.approx(0.2)
    f = AimFilter(window_s=0.4, clear_after_s=0.6, step=0.01, start_after_s=0.4)
    assert not f.update(0.30, False, 0.0)  # a moment's guess at a textured spot: no tone
    assert not f.update(None, False, 0.1)
    assert not f.update(None, False, 1.0)
    assert not f.update(0.08, False, 1.0)  # a new run of sightings...
    assert not f.update(0.10, False, 1.2)
    assert f.update(0.10, False, 1.45) and f.shown == pytest.approx(0.10)  # ...that lasts
    assert f.update(0.14, False, 1.5) and f.shown == pytest.approx(0.14)
    assert not f.update(0.12, False, 1.6)  # the largest of the last moment holds
    assert not f.update(None, False, 1.7)  # a frame without a sighting is not the end
    assert not f.update(0.145, False, 1.75)  # under one step of change: not reported
    assert f.update(0.16, True, 1.8) and f.shown is None  # read: silent at once
    assert not f.update(None, False, 1.9)
    assert not f.update(0.05, False, 3.0)
    assert f.update(0.05, False, 3.5) and f.shown == pytest.approx(0.05)
    assert f.update(None, False, 4.2) and f.shown is None  # gone a while: silent
    assert [step_for(x) for x in (0.05, 0.08, 0.11, 0.15, 0.3)] == list(range(STEPS))
