"""The condition photo of a return: cropped to the counter around the label, every face
the detector finds blurred in what is kept, and kept only small when faces cannot be
looked for."""

from __future__ import annotations

import cv2
import numpy as np
from face_helpers import paste_face

from hardware import condition, faces
from hardware.frames import VirtualCamera


def _frame(width: int = 640, height: int = 480) -> np.ndarray:
    cam = VirtualCamera(width, height, fps=None)
    cam.open()
    cam.present("https://nanum.example/i/T-00001")
    frame = cam.read()
    cam.close()
    assert isinstance(frame, np.ndarray)
    return frame


def _decode(jpeg: bytes) -> np.ndarray:
    img = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert img is not None
    return img


def test_the_synthetic_face_is_found_where_it_was_drawn():
    frame = _frame()
    x, y, w, h = paste_face(frame, 60, 40, 120)
    [(fx, fy, fw, fh)] = faces.detect(frame)
    # The hit lies on the drawn face: its centre inside the face's square.
    assert x <= fx + fw / 2 <= x + w and y <= fy + fh / 2 <= y + h


def test_a_label_on_the_counter_is_not_taken_for_a_face():
    assert faces.detect(_frame()) == []
    assert faces.detect(_frame(1280, 720)) == []


def test_a_face_in_a_return_photo_is_blurred_in_what_is_kept():
    frame = _frame()
    box = paste_face(frame, 200, 150, 120)  # beside the label, inside the counter crop
    label = [(300, 200), (340, 200), (340, 240), (300, 240)]
    shot = condition.condition_shot(frame, label)
    cx, cy, cw, ch = shot.box
    assert cx <= box[0] and cy <= box[1]  # the crop holds the face ...
    crop = frame[cy:cy + ch, cx:cx + cw]
    assert faces.detect(crop), "the face is there before blurring"
    kept = _decode(shot.jpeg)
    assert shot.detector and shot.faces_blurred == 1
    assert faces.detect(kept) == []  # ... and no face is left in what is kept
    # Where the face was, no detail is left: the eyes, nose and mouth are gone.
    fx, fy = box[0] - cx, box[1] - cy

    def detail(img: np.ndarray) -> float:
        grey = cv2.cvtColor(img[fy + 50:fy + 142, fx + 50:fx + 142], cv2.COLOR_BGR2GRAY)
        return float(cv2.Laplacian(grey, cv2.CV_64F).var())

    assert detail(kept) < 0.2 * detail(crop)


def test_the_photo_is_cropped_to_the_counter_around_the_label():
    frame = _frame(1280, 720)
    shot = condition.condition_shot(frame, [(600, 320), (680, 320), (680, 400), (600, 400)])
    x, y, w, h = shot.box
    assert (w, h) == (640, 360)  # half the frame each way: the item, not the room
    assert x <= 600 and x + w >= 680 and y <= 320 and y + h >= 400
    assert _decode(shot.jpeg).shape[:2] == (360, 640)


def test_without_a_face_detector_the_photo_is_kept_too_small_to_know_anyone(monkeypatch, tmp_path):
    monkeypatch.setattr(faces, "CASCADE", tmp_path / "missing.xml")
    monkeypatch.setattr(faces, "_cascade", None)
    frame = _frame()
    paste_face(frame, 200, 150, 120)
    shot = condition.condition_shot(frame)
    assert not shot.detector and shot.faces_blurred == 0
    assert max(_decode(shot.jpeg).shape[:2]) <= condition.FALLBACK_SIDE
