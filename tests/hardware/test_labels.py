"""Label sheets and member cards: printed at 300 dpi, every code must scan back.

Each sheet is rasterised with ``pdftoppm`` (as a 300 dpi printer would
render it), cut back into its labels along the layout's geometry, and every
label decoded with ``nanum scan`` -- one decoded code per label, the right one.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from PIL import Image

from hardware.card_pdf import CardSpec, render_card
from hardware.labels import LAYOUTS, LabelSpec, label_boxes, qr_matrix, render_labels
from kiosk.codes import item_label_payload
from kiosk.errors import BadInput

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")

DPI = 300
NAMES = ["전동드릴", "접이식 사다리", "레이저 거리측정기", "고압세척기 세트 (호스·노즐 3개 포함)",
         "블록장난감대형세트이름이아주긴장난감", "Garden tools", "보드게임 (숫자 타일)"]


def _specs(n: int) -> list[LabelSpec]:
    return [LabelSpec(f"T-{i:05d}", NAMES[i % len(NAMES)], item_label_payload(f"T-{i:05d}"))
            for i in range(1, n + 1)]


def _rasterise(pdf, out_dir) -> list[Image.Image]:
    subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-png", str(pdf), str(out_dir / "page")],
                   check=True)
    return [Image.open(p).convert("L") for p in sorted(out_dir.glob("page-*.png"))]


def _cut(pages, boxes, out_dir):
    px = DPI / 25.4
    files = []
    for n, (page, x, y, w, h) in enumerate(boxes):
        crop = pages[page].crop((round(x * px), round(y * px), round((x + w) * px), round((y + h) * px)))
        path = out_dir / f"label-{n:03d}.png"
        crop.save(path)
        files.append(path)
    return files


def _nanum_scan(files, capsys) -> dict[str, list[str]]:
    """The item codes ``nanum scan --json`` reads in each file."""
    from kiosk.cli import main

    capsys.readouterr()
    main(["--json", "scan", *map(str, files)])
    found: dict[str, list[str]] = {str(f): [] for f in files}
    for hit in json.loads(capsys.readouterr().out):
        assert hit["kind"] == "item", hit
        found.setdefault(hit["file"], []).append(hit["code"])
    return found


@pytest.mark.parametrize("layout, count, skip", [("a4-65", 65, 0), ("a4-24", 30, 3), ("62mm", 3, 0)])
def test_every_label_scans_back_at_300_dpi(tmp_path, monkeypatch, capsys, layout, count, skip):
    monkeypatch.setenv("NANUM_DATA_DIR", str(tmp_path / "no-kiosk"))
    specs = _specs(count)
    pdf = tmp_path / "labels.pdf"
    pages = render_labels(specs, pdf, layout, skip=skip, site_name="강남 나눔센터")
    per_page = LAYOUTS[layout].per_page
    assert pages == -(-(count + skip) // per_page)
    images = _rasterise(pdf, tmp_path)
    assert len(images) == pages
    files = _cut(images, label_boxes(count, layout, skip), tmp_path)
    found = _nanum_scan(files, capsys)
    for spec, path in zip(specs, files):
        assert found[str(path)] == [spec.code], (spec.code, found[str(path)])


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_labels_decode_with_zxing_directly(tmp_path, layout):
    zxingcpp = pytest.importorskip("zxingcpp")
    specs = _specs(min(12, LAYOUTS[layout].per_page) if layout != "62mm" else 2)
    pdf = tmp_path / "labels.pdf"
    render_labels(specs, pdf, layout)
    px = DPI / 25.4
    images = _rasterise(pdf, tmp_path)
    for spec, (page, x, y, w, h) in zip(specs, label_boxes(len(specs), layout)):
        crop = images[page].crop((round(x * px), round(y * px), round((x + w) * px), round((y + h) * px)))
        hits = zxingcpp.read_barcodes(crop)
        assert [b.text for b in hits] == [spec.payload]
        assert hits[0].ec_level == "Q"


def test_the_label_text_is_the_code_and_the_hangul_name(tmp_path):
    pdf = tmp_path / "labels.pdf"
    render_labels(_specs(7), pdf, "a4-24", site_name="강남 나눔센터")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for spec in _specs(7)[:4]:
        assert spec.code in text
    assert "전동드릴" in text and "강남 나눔센터" in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "NanumGothic" in fonts and " yes " in fonts  # embedded


def test_the_quiet_zone_stays_white(tmp_path):
    """Four modules of white around every QR: nothing else is drawn there."""
    spec = _specs(1)[0]
    pdf = tmp_path / "one.pdf"
    render_labels([spec], pdf, "a4-65")
    [page] = _rasterise(pdf, tmp_path)
    lay = LAYOUTS["a4-65"]
    px = DPI / 25.4
    x, y = lay.cell(0)
    side_mm = min(lay.label_h - 2 * lay.padding - (0 if lay.code_beside else lay.code_h), lay.label_w * 0.55)
    n = len(qr_matrix(spec.payload))
    module_mm = side_mm / (n + 8)
    qx, qy = x + lay.padding, y + lay.padding
    margin = 1.5  # px: rounding of the crop and anti-aliasing at the inner edge
    ring = page.crop((round(qx * px), round(qy * px), round((qx + side_mm) * px), round((qy + side_mm) * px)))
    zone = round(4 * module_mm * px - margin)
    w, h = ring.size
    for box in ((0, 0, w, zone), (0, h - zone, w, h), (0, 0, zone, h), (w - zone, 0, w, h)):
        assert ring.crop(box).getextrema()[0] > 200, box
    assert ring.getextrema()[0] < 50  # and the QR itself is there


def test_bad_requests_are_refused(tmp_path):
    with pytest.raises(BadInput):
        render_labels([], tmp_path / "x.pdf")
    with pytest.raises(BadInput):
        render_labels(_specs(1), tmp_path / "x.pdf", "a4-99")
    with pytest.raises(BadInput):
        render_labels(_specs(1), tmp_path / "x.pdf", "a4-24", skip=24)
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize("page", ["card", "a4"])
def test_a_printed_member_card_identifies_its_member(tmp_path, make_kiosk, page):
    zxingcpp = pytest.importorskip("zxingcpp")
    kiosk, _ = make_kiosk()
    member, card = kiosk.members.add("김하늘", "family")
    pdf = tmp_path / "card.pdf"
    render_card(CardSpec("김하늘", member.number, card, "강남 나눔센터", member.expires_on.isoformat()), pdf, page)
    [image] = _rasterise(pdf, tmp_path)
    [hit] = zxingcpp.read_barcodes(image)
    assert hit.text == card
    assert kiosk.members.identify(hit.text).number == member.number
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "김하늘" in text and member.number in text and card not in text
