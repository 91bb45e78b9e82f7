"""Frame sources: virtual camera, image files and folders, video files, specs."""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest

from hardware.decoders import ZxingDecoder
from hardware.frames import (
    CameraSource,
    ImageFolderSource,
    SourceError,
    VideoFileSource,
    VirtualCamera,
    list_cameras,
    open_source,
)
from kiosk.errors import BadInput

from scan_helpers import ITEM, camera_frame, valid_card


def _texts(frame) -> list[str]:
    return [d.text for d in ZxingDecoder().decode(frame)]


def test_virtual_camera_shows_what_is_presented():
    cam = VirtualCamera(640, 480, fps=None, seed=4)
    with cam:
        empty = cam.read()
        assert empty.shape == (480, 640, 3) and empty.dtype == np.uint8
        assert _texts(empty) == []
        cam.present(ITEM)
        assert cam.presented == ITEM
        frames = [cam.read() for _ in range(5)]
        assert all(_texts(f) == [ITEM] for f in frames)
        # A hand holds it: every frame differs a little, noise and position.
        assert not np.array_equal(frames[0], frames[1])
        card = valid_card()
        cam.present(card)
        assert _texts(cam.read()) == [card]
        cam.present(ITEM, invert=True)
        assert _texts(cam.read()) == [ITEM]
        cam.clear()
        assert cam.presented is None
        assert _texts(cam.read()) == []


def test_virtual_camera_is_reproducible():
    a, b = VirtualCamera(320, 240, fps=None, seed=9), VirtualCamera(320, 240, fps=None, seed=9)
    a.open()
    b.open()
    a.present(ITEM)
    b.present(ITEM)
    assert np.array_equal(a.read(), b.read())


def test_virtual_camera_keeps_its_frame_rate():
    cam = VirtualCamera(320, 240, fps=50)
    cam.open()
    t0 = time.monotonic()
    for _ in range(11):
        cam.read()
    assert time.monotonic() - t0 >= 10 / 50 * 0.9


def test_virtual_camera_unplugged():
    cam = VirtualCamera(320, 240, fps=None)
    cam.open()
    cam.disconnect()
    assert cam.read() is None
    cam.close()
    with pytest.raises(SourceError):
        cam.open()
    cam.reconnect()
    cam.open()
    assert cam.read() is not None


def test_image_folder_plays_in_name_order_and_loops(tmp_path):
    for i, value in enumerate((10, 20, 30)):
        cv2.imwrite(str(tmp_path / f"f{i}.png"), np.full((40, 60, 3), value, np.uint8))
    (tmp_path / "notes.txt").write_text("not an image")
    src = ImageFolderSource(tmp_path, fps=None)
    src.open()
    got = [int(src.read()[0, 0, 0]) for _ in range(5)]
    assert got == [10, 20, 30, 10, 20]
    once = ImageFolderSource(tmp_path, fps=None, loop=False)
    once.open()
    assert [once.read() is None for _ in range(4)] == [False, False, False, True]


def test_single_image_file(tmp_path):
    frame, _ = camera_frame(ITEM)
    path = tmp_path / "shot.jpg"
    cv2.imwrite(str(path), frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
    src = open_source(f"file:{path}")
    src.open()
    assert _texts(src.read()) == [ITEM]
    assert _texts(src.read()) == [ITEM]


def test_missing_or_empty_folder(tmp_path):
    with pytest.raises(SourceError):
        ImageFolderSource(tmp_path / "nope").open()
    with pytest.raises(SourceError):
        ImageFolderSource(tmp_path).open()


def _write_video(path, n=12, size=(320, 240)):
    vw = cv2.VideoWriter(str(path), cv2.CAP_OPENCV_MJPEG, cv2.VideoWriter_fourcc(*"MJPG"), 25, size)
    for i in range(n):
        vw.write(np.full((size[1], size[0], 3), i * 20, np.uint8))
    vw.release()


def test_video_file_plays_and_loops(tmp_path):
    path = tmp_path / "clip.avi"
    _write_video(path)
    src = VideoFileSource(path, realtime=False)
    src.open()
    assert src.fps == pytest.approx(25, abs=0.5)
    levels = [int(src.read().mean()) for _ in range(14)]
    assert levels[:3] == pytest.approx([0, 20, 40], abs=3)
    assert levels[12:] == pytest.approx([0, 20], abs=3)  # looped
    src.close()
    once = VideoFileSource(path, loop=False, realtime=False)
    once.open()
    assert sum(once.read() is not None for _ in range(14)) == 12


def test_video_file_missing(tmp_path):
    with pytest.raises(SourceError):
        VideoFileSource(tmp_path / "none.mp4").open()


def test_camera_that_is_not_there():
    with pytest.raises(SourceError):
        CameraSource("/dev/video-nanum-test-missing").open()


@pytest.mark.parametrize("spec, kind", [
    ("virtual", VirtualCamera), ("", VirtualCamera), ("virtual:640x480", VirtualCamera),
    ("0", CameraSource), ("/dev/video2", CameraSource),
    ("file:/tmp/x.png", ImageFolderSource), ("folder:/tmp", ImageFolderSource),
    ("video:/tmp/x.mp4", VideoFileSource), ("clip.mkv", VideoFileSource), ("shot.JPG", ImageFolderSource),
])
def test_open_source_specs(spec, kind):
    assert isinstance(open_source(spec), kind)


def test_open_source_details(tmp_path):
    assert open_source("0").device == 0
    assert open_source("/dev/video2").device == "/dev/video2"
    v = open_source("virtual:640x480")
    assert (v.width, v.height) == (640, 480)
    assert isinstance(open_source(str(tmp_path)), ImageFolderSource)
    assert isinstance(open_source("auto"), CameraSource)


def test_open_source_rejects_nonsense():
    with pytest.raises(BadInput) as err:
        open_source("webcam please")
    assert "webcam please" in err.value.render("en")


def test_list_cameras_reads_capture_nodes_only(tmp_path):
    for node, index, name in (("video0", "0", "HD Webcam C270"), ("video1", "1", "HD Webcam C270"),
                              ("video10", "0", "USB Document Camera")):
        (tmp_path / node).mkdir()
        (tmp_path / node / "index").write_text(index + "\n")
        (tmp_path / node / "name").write_text(name + "\n")
    cams = list_cameras(str(tmp_path))
    assert cams == [{"device": "/dev/video0", "index": 0, "name": "HD Webcam C270"},
                    {"device": "/dev/video10", "index": 10, "name": "USB Document Camera"}]
    (tmp_path / "empty").mkdir()
    assert list_cameras(str(tmp_path / "empty")) == []
