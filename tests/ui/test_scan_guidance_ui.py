"""Advice while a code is held up but not read, on the scanning screen and by voice.

The window's own scan bridge and service report what the virtual camera (720p,
as at the kiosk) shows; the test hands the service its frames on a clock it
moves itself, so the advice's delay and hold are timed exactly, as the
service's worker would time them at 15 frames a second.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from hardware.frames import VirtualCamera
from hardware.guidance import Hint
from kiosk.i18n import translate

CLOSER_KO = "라벨을 조금 더 가까이 대 주세요."
FPS = 15.0


class Held:
    """A label held in front of a virtual camera whose frames go to the window's scan service."""

    def __init__(self, window) -> None:
        self.window = window
        bridge = window.bridge
        bridge.stop()  # the worker threads: this test hands over the frames itself
        self.service = bridge.service
        self.t = 0.0
        self.service.clock = lambda: self.t
        # A hand never holds perfectly still; the virtual camera's wobble is smaller.
        self.service.analyser.reset()  # a new camera, as when the service opens one
        self.service.analyser.settle_frames = 10_000
        self.camera = VirtualCamera(1280, 720, fps=None, seed=4)
        self.camera.open()
        self.hints: list[Hint | None] = []
        bridge.guidance.connect(self.hints.append)

    def hold(self, seconds: float) -> None:
        for _ in range(int(seconds * FPS)):
            frame = self.camera.read()
            assert frame is not None
            self.service.process(frame)
            self.t += 1 / FPS
            QCoreApplication.processEvents()  # what the service queued for the window, delivered


def _signed_in_with_voice(camera_window, cards):
    window, ui = camera_window
    ui.tap("VoiceGuide")
    assert window.session.voice
    ui.sign_in(cards["윤지우"])
    assert window.current is window.screens["borrow"]
    return window, ui


def test_a_label_held_too_far_is_told_to_come_closer_on_the_camera_picture_and_by_voice(qtbot, camera_window,
                                                                                         cards):
    window, ui = _signed_in_with_voice(camera_window, cards)
    borrow, held = window.screens["borrow"], Held(window)
    view = borrow.camera

    held.camera.present(ui.label("T-00002"), module_px=1.1)  # a few centimetres of label at arm's length
    held.hold(0.4)
    assert view.hint is None and held.hints == []  # not at once: a label on its way up gets time
    held.hold(1.0)
    assert view.hint == CLOSER_KO == translate(Hint.CLOSER.msgid, "ko")
    assert view.hint_box.isVisible() and view.isAncestorOf(view.hint_box)  # on the picture,
    assert view.hint_label.property("role") == "title"  # large
    assert window.voice.speech.spoken[-1] == CLOSER_KO
    held.hold(2.0)  # still too far: the one message stays, said once
    assert held.hints == [Hint.CLOSER]
    assert window.voice.speech.spoken.count(CLOSER_KO) == 1
    assert borrow.entries == []

    held.camera.clear()  # taken away: the advice goes
    held.hold(1.0)
    assert held.hints == [Hint.CLOSER, None]
    assert view.hint is None and not view.hint_box.isVisible()


def test_the_advice_goes_as_soon_as_the_label_reads(qtbot, camera_window, cards):
    window, ui = _signed_in_with_voice(camera_window, cards)
    borrow, held = window.screens["borrow"], Held(window)
    held.camera.present(ui.label("T-00002"), module_px=1.1)
    held.hold(1.5)
    assert borrow.camera.hint == CLOSER_KO
    held.camera.present(ui.label("T-00002"))  # brought to the guide frame
    held.hold(1.0)
    assert held.hints == [Hint.CLOSER, None]
    assert borrow.camera.hint is None
    assert [o.item for o, _v, _r in borrow.entries] == ["T-00002"]


def test_a_label_that_reads_gets_no_advice(qtbot, camera_window, cards):
    window, ui = _signed_in_with_voice(camera_window, cards)
    borrow, held = window.screens["borrow"], Held(window)
    held.camera.present(ui.label("T-00002"))  # at the guide frame's distance
    held.hold(3.0)
    assert [o.item for o, _v, _r in borrow.entries] == ["T-00002"]
    assert held.hints == [] and borrow.camera.hint is None
    said = " ".join(window.voice.speech.spoken)
    for hint in Hint:
        assert translate(hint.msgid, "ko") not in said
