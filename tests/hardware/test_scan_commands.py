"""``nanum scan`` and ``nanum cameras``: codes in image files, printed label sheets, cameras."""

from __future__ import annotations

import json
import shutil
import subprocess

import cv2
import numpy as np
import pytest

from hardware import synth
from hardware.commands import list_cameras, scan_files
from kiosk.codes import item_label_payload
from kiosk.errors import BadInput

from scan_helpers import ITEM, camera_frame, valid_card

needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")


def _photo_with_two_codes(path, card):
    rng = np.random.default_rng(4)
    bg = synth.background(1280, 720, seed=4)
    f, _ = synth.compose(bg, ITEM, synth.Placement(900, 500, 5.0, 4.0))  # lower right
    f, _ = synth.compose(f, card, synth.Placement(330, 200, 5.0, -3.0), card=True)  # upper left
    cv2.imwrite(str(path), synth.camera_look(f, rng))


def test_scan_a_photo(tmp_path):
    card = valid_card()
    path = tmp_path / "photo.png"
    _photo_with_two_codes(path, card)
    found = scan_files([path])
    assert [(f["kind"], f["code"], f["text"]) for f in found] == [
        ("card", card, card), ("item", "T-00042", ITEM)]  # top to bottom
    for f in found:
        assert f["file"] == str(path) and f["format"] == "QRCode"
        assert len(f["position"]) == 4 and all(len(p) == 2 for p in f["position"])
    xs = [p[0] for p in found[1]["position"]]
    assert 800 < np.mean(xs) < 1000


def test_scan_foreign_and_legacy_codes(tmp_path):
    qr = synth.qr_image("https://www.example.com/menu", module_px=6)
    cv2.imwrite(str(tmp_path / "menu.png"), qr)
    zxingcpp = pytest.importorskip("zxingcpp")
    ean = zxingcpp.create_barcode("8801234567893", zxingcpp.BarcodeFormat.EAN13)
    cv2.imwrite(str(tmp_path / "ean.png"), np.asarray(ean.to_image(scale=4, add_quiet_zones=True)))
    found = scan_files([tmp_path / "menu.png", tmp_path / "ean.png"])
    assert [(f["kind"], f["code"], f["format"]) for f in found] == [
        ("foreign", None, "QRCode"), ("item", "8801234567893", "EAN13")]


def test_scan_uses_the_kiosk_base_url(tmp_path):
    payload = item_label_payload("K-00007", "https://lend.seoul.example")
    cv2.imwrite(str(tmp_path / "l.png"), synth.qr_image(payload, module_px=6))
    assert scan_files([tmp_path / "l.png"], "https://lend.seoul.example")[0]["code"] == "K-00007"
    assert scan_files([tmp_path / "l.png"])[0]["kind"] == "foreign"


def test_scan_finds_nothing_in_an_empty_photo(tmp_path):
    frame, _ = camera_frame(None)
    cv2.imwrite(str(tmp_path / "desk.jpg"), frame)
    assert scan_files([tmp_path / "desk.jpg"]) == []


def test_scan_bad_files(tmp_path):
    with pytest.raises(BadInput) as err:
        scan_files([tmp_path / "missing.png"])
    assert "missing.png" in err.value.render("en")
    (tmp_path / "fake.png").write_text("not a picture")
    with pytest.raises(BadInput):
        scan_files([tmp_path / "fake.png"])


@needs_poppler
def test_scan_a_whole_label_sheet_at_300_dpi(tmp_path):
    """A full A4 sheet of 65 labels, rasterised as a printer would: every code, once."""
    from hardware.labels import LabelSpec, render_labels

    codes = [f"T-{i:05d}" for i in range(1, 66)]
    specs = [LabelSpec(c, "전동드릴", item_label_payload(c)) for c in codes]
    pdf = tmp_path / "sheet.pdf"
    render_labels(specs, pdf, "a4-65")
    subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", str(pdf), str(tmp_path / "page")], check=True)
    [png] = sorted(tmp_path.glob("page*.png"))
    found = scan_files([png])
    assert sorted(f["code"] for f in found) == codes
    assert {f["kind"] for f in found} == {"item"}
    # The PDF itself goes through the same 300 dpi rendering.
    assert sorted(f["code"] for f in scan_files([pdf])) == codes


def test_nanum_scan_json(tmp_path, monkeypatch, capsys):
    from kiosk.cli import main

    monkeypatch.setenv("NANUM_DATA_DIR", str(tmp_path / "no-kiosk"))
    card = valid_card()
    path = tmp_path / "photo.png"
    _photo_with_two_codes(path, card)
    assert main(["--json", "scan", str(path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [o["kind"] for o in out] == ["card", "item"]
    assert main(["scan", str(path)]) == 0
    lines = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert [(k, fmt, text) for _f, k, fmt, _xy, text in lines] == [("card", "QRCode", card), ("item", "QRCode", ITEM)]
    x, y = map(float, lines[1][3].split(","))
    assert 850 < x < 950 and 450 < y < 550  # where the label was put
    frame, _ = camera_frame(None)
    cv2.imwrite(str(tmp_path / "desk.png"), frame)
    assert main(["scan", str(tmp_path / "desk.png")]) == 1  # nothing found
    assert main(["--lang", "en", "scan", str(tmp_path / "missing.png")]) == 2
    assert "missing.png" in capsys.readouterr().err


def test_cameras_that_cannot_be_opened_are_listed_with_the_reason():
    rows = list_cameras(cameras=[{"device": "/dev/video-nanum-missing", "name": "gone"}])
    assert rows == [{"device": "/dev/video-nanum-missing", "name": "gone", "width": 0, "height": 0,
                     "fps": 0.0, "decode_ms": 0.0, "error": rows[0]["error"]}]
    assert "video-nanum-missing" in rows[0]["error"]


def test_nanum_cameras_without_cameras(tmp_path, monkeypatch, capsys):
    from hardware import frames
    from kiosk.cli import main

    if frames.list_cameras():
        pytest.skip("this machine has a camera")
    monkeypatch.setenv("NANUM_DATA_DIR", str(tmp_path))
    assert main(["--lang", "en", "cameras"]) == 0
    assert capsys.readouterr().out.strip() == "No camera found."
