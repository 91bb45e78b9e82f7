"""Every decoder against the same generated frames: labels, cards, Hangul, inverted codes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from hardware import synth
from hardware.decoders import Decoded, OpenCvDecoder, PyzbarDecoder, ZxingDecoder, make_decoder, text_from_bytes
from kiosk.errors import BadInput

from scan_helpers import HANGUL, ITEM, camera_frame, valid_card

DECODERS = ["zxing", "pyzbar"]


@pytest.fixture(params=DECODERS)
def decoder(request):
    return make_decoder(request.param)


def _texts(found: list[Decoded]) -> list[str]:
    return [d.text for d in found]


@pytest.mark.parametrize("size", [(640, 480), (1280, 720)])
def test_item_label_on_a_camera_frame(decoder, size):
    frame, quad = camera_frame(ITEM, size=size, module_px=4.0)
    found = decoder.decode(frame)
    assert _texts(found) == [ITEM]
    # The corners land on the symbol, in top-left, top-right, bottom-right, bottom-left order.
    got = found[0].quad()
    assert got.shape == (4, 2)
    assert np.abs(got - quad).max() < 4 * 4.0
    assert found[0].format == "QRCode"


def test_member_card(decoder):
    card = valid_card()
    frame, _ = camera_frame(card, module_px=5.0, card=True)
    assert _texts(decoder.decode(frame)) == [card]


def test_hangul_payload_survives(decoder):
    frame, _ = camera_frame(HANGUL, module_px=4.0)
    found = decoder.decode(frame)
    assert _texts(found) == [HANGUL]
    assert found[0].raw == HANGUL.encode("utf-8")


def test_accented_latin_is_not_turned_into_mojibake(decoder):
    # ZBar's charset guess reads these UTF-8 bytes as Shift-JIS unless asked for raw bytes.
    text = "é café"
    img = synth.qr_image(text, module_px=4)
    assert _texts(decoder.decode(img)) == [text]


def test_inverted_code(decoder):
    frame, _ = camera_frame(ITEM, module_px=5.0, invert=True)
    assert _texts(decoder.decode(frame)) == [ITEM]


def test_grayscale_and_bgr_give_the_same(decoder):
    frame, _ = camera_frame(ITEM, module_px=5.0)
    assert _texts(decoder.decode(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))) == _texts(decoder.decode(frame))


def test_empty_desk_has_no_code(decoder):
    frame, _ = camera_frame(None)
    assert decoder.decode(frame) == []
    assert decoder.decode(np.zeros((480, 640), np.uint8)) == []


def test_two_codes_in_one_frame(decoder):
    card = valid_card()
    rng = np.random.default_rng(3)
    bg = synth.background(1280, 720, seed=3)
    f, _ = synth.compose(bg, card, synth.Placement(340, 360, 6.0, 5.0), card=True)
    f, _ = synth.compose(f, ITEM, synth.Placement(960, 360, 6.0, -5.0))
    assert sorted(_texts(decoder.decode(synth.camera_look(f, rng)))) == sorted([card, ITEM])


def test_zxing_reads_only_qr_model_2_by_default():
    """A Micro QR (which noise can fake) is not read unless asked for."""
    zxingcpp = pytest.importorskip("zxingcpp")
    micro = zxingcpp.create_barcode("0152", zxingcpp.BarcodeFormat.MicroQRCode)
    img = np.asarray(micro.to_image(scale=8, add_quiet_zones=True))
    assert ZxingDecoder().decode(img) == []
    assert _texts(ZxingDecoder(formats="MicroQRCode").decode(img)) == ["0152"]


def test_zxing_rotation_search_is_off_by_default_but_available():
    frame, _ = camera_frame(ITEM, module_px=5.0)
    rotated = cv2.rotate(frame, cv2.ROTATE_90_CLOCKWISE)
    # QR finder patterns make a quarter turn irrelevant to QR: read either way.
    assert _texts(ZxingDecoder().decode(rotated)) == [ITEM]
    assert _texts(ZxingDecoder(try_rotate=True).decode(rotated)) == [ITEM]
    # A legacy barcode standing on its end is read only with the search on.
    import zxingcpp

    ean = zxingcpp.create_barcode("8801234567893", zxingcpp.BarcodeFormat.EAN13)
    upright = np.array(zxingcpp.write_barcode_to_image(ean, scale=4))
    on_end = cv2.rotate(upright, cv2.ROTATE_90_CLOCKWISE)
    assert _texts(ZxingDecoder(formats="EAN13").decode(upright)) == ["8801234567893"]
    assert _texts(ZxingDecoder(formats="EAN13").decode(on_end)) == []
    assert _texts(ZxingDecoder(formats="EAN13", try_rotate=True).decode(on_end)) == ["8801234567893"]


def test_zxing_locate_reports_symbols_it_could_not_read():
    img = synth.qr_image(ITEM, module_px=6)
    # Wipe out most of the data area but keep the finder patterns.
    n = synth.qr_matrix(ITEM).shape[0]
    q = 4 * 6
    img[q + 9 * 6:q + (n - 9) * 6, q + 9 * 6:q + (n - 9) * 6] = 255
    found, failed = ZxingDecoder().locate(img)
    assert found == []
    assert len(failed) >= 1 and failed[0].shape == (4, 2)


# The kiosk bundle's lean OpenCV (packaging/opencv/) has no objdetect module.
needs_opencv_qr = pytest.mark.skipif(not hasattr(cv2, "QRCodeDetector"),
                                     reason="this OpenCV build has no QR detector")


@needs_opencv_qr
def test_opencv_decoder_reads_a_clean_label():
    frame, _ = camera_frame(ITEM, module_px=6.0)
    assert _texts(OpenCvDecoder().decode(frame)) == [ITEM]


def test_pyzbar_reads_only_qr_unless_told_otherwise():
    # A legacy barcode on an item: left alone by default (a misread waiting to
    # happen on the camera), read when asked for.
    import zxingcpp

    code = zxingcpp.create_barcode("8801234567893", zxingcpp.BarcodeFormat.EAN13)
    img = np.array(zxingcpp.write_barcode_to_image(code, scale=4))
    assert _texts(PyzbarDecoder().decode(img)) == []
    found = PyzbarDecoder(qr_only=False).decode(img)
    assert [(d.text, d.format) for d in found] == [("8801234567893", "Ean13")]


def test_make_decoder_names():
    assert isinstance(make_decoder(), ZxingDecoder)
    assert isinstance(make_decoder(" PyZbar "), PyzbarDecoder)
    if hasattr(cv2, "QRCodeDetector"):
        assert isinstance(make_decoder("opencv"), OpenCvDecoder)
    with pytest.raises(BadInput) as err:
        make_decoder("quagga")
    assert err.value.msgid.startswith("Unknown decoder")


def test_an_opencv_without_its_qr_detector_is_refused_by_name(monkeypatch):
    monkeypatch.delattr(cv2, "QRCodeDetector", raising=False)  # the bundle's lean OpenCV has none
    monkeypatch.delattr(cv2, "QRCodeDetectorAruco", raising=False)
    with pytest.raises(BadInput) as err:
        make_decoder("opencv")
    assert err.value.msgid.startswith("This build of the kiosk has no OpenCV QR decoder")
    assert isinstance(make_decoder("zxing"), ZxingDecoder)


def test_text_from_bytes():
    assert text_from_bytes("나눔".encode()) == "나눔"
    assert text_from_bytes(b"caf\xe9") == "café"  # ISO-8859-1, QR's default charset
