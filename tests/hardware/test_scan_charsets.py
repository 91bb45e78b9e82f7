"""Foreign QR codes written in Shift-JIS or EUC-KR read as their own text.

A resident may hold up a Japanese ticket or an old Korean flyer. The QR
standard lets a code name its character set (an ECI); without one, zxing-cpp
tells Shift-JIS from UTF-8 and ISO-8859-1 by the bytes. ``nanum scan`` must
show the same text zxing-cpp reads, not the bytes taken as ISO-8859-1.
"""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
import qrcode
import zxingcpp

JAPANESE = "日本語のテキスト、こんにちは"
KOREAN = "나눔센터 공구 대여 안내"


def _byte_mode(data: bytes) -> np.ndarray:
    """A QR code holding ``data`` in byte mode, no ECI (what most generators write)."""
    q = qrcode.QRCode(box_size=8, border=4)
    q.add_data(data)
    q.make(fit=True)
    return np.array(q.make_image().convert("L"))


def _with_eci(text: str, eci: int) -> np.ndarray:
    """A QR code whose ECI names its character set (20 Shift-JIS, 30 EUC-KR)."""
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, eci=eci)
    return np.array(zxingcpp.write_barcode_to_image(code, scale=8))


CODES = {
    "shift-jis": (lambda: _byte_mode(JAPANESE.encode("shift_jis")), JAPANESE, "shift_jis"),
    "shift-jis-eci": (lambda: _with_eci(JAPANESE, 20), JAPANESE, "shift_jis"),
    "euc-kr-eci": (lambda: _with_eci(KOREAN, 30), KOREAN, "euc-kr"),
}


@pytest.mark.parametrize("name", list(CODES))
def test_nanum_scan_shows_a_foreign_code_as_zxing_reads_it(nanum, tmp_path, name):
    make, expected, charset = CODES[name]
    image = make()
    [theirs] = zxingcpp.read_barcodes(image)
    assert bytes(theirs.bytes) == expected.encode(charset)  # the code really holds those bytes
    path = tmp_path / f"{name}.png"
    cv2.imwrite(str(path), image)

    code, out, err = nanum("--json", "scan", str(path))
    assert code == 0, err
    [found] = json.loads(out)
    assert found["text"] == theirs.text == expected
    assert (found["kind"], found["format"]) == ("foreign", "QRCode")
    # The plain listing shows the same text.
    code, out, err = nanum("scan", str(path))
    assert code == 0 and out.rstrip("\n").split("\t")[-1] == expected
