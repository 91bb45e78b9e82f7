"""QR decoders behind one interface.

zxing-cpp is the default: on degraded webcam frames it reads more codes than
ZBar at a tenth of the time (see ``bench/scan.py``), and it reads text the way
the code says it is written (its ECI, else UTF-8, Shift-JIS or ISO-8859-1), so
Hangul and foreign Japanese or Korean codes survive; the raw bytes are kept.
pyzbar stays selectable (it needs the system libzbar); OpenCV's detector is
there for comparison.

Every decoder takes a grayscale or BGR ``numpy`` image and returns
:class:`Decoded` records with the text and the symbol's four corners in image
coordinates (top-left, top-right, bottom-right, bottom-left of the symbol).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

Points = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Decoded:
    """One code found in an image."""

    text: str
    points: Points = ()
    format: str = "QRCode"
    raw: bytes = field(default=b"", repr=False)

    def quad(self) -> np.ndarray:
        """The corners as a (4, 2) float32 array."""
        return np.asarray(self.points, np.float32).reshape(-1, 2)

    def centre(self) -> tuple[float, float]:
        q = self.quad()
        return (float(q[:, 0].mean()), float(q[:, 1].mean())) if len(q) else (0.0, 0.0)


def text_from_bytes(data: bytes) -> str:
    """Payload bytes to text: UTF-8 when valid (our labels), else ISO-8859-1 (QR's default)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def to_gray(image: np.ndarray) -> np.ndarray:
    """A contiguous single-channel uint8 view of ``image``."""
    if image.ndim == 3:
        if image.shape[2] == 4:
            return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return np.ascontiguousarray(image)


class Decoder(ABC):
    """Finds and decodes codes in one image."""

    name = "decoder"

    @abstractmethod
    def decode(self, image: np.ndarray) -> list[Decoded]:
        """Every code readable in ``image`` (grayscale or BGR uint8)."""

    def locate(self, image: np.ndarray) -> tuple[list[Decoded], list[np.ndarray]]:
        """Like :meth:`decode`, plus the quads of symbols found but not decoded.

        The scan pipeline retries those regions harder. Decoders that cannot
        tell return no candidates.
        """
        return self.decode(image), []


class ZxingDecoder(Decoder):
    """zxing-cpp: QR only, no 90-degree rotation search, inverted codes on (by default).

    Only QR model 2 (what we print) by default: "QRCode" in zxing-cpp 3 also
    means Micro QR and rMQR, and a Micro QR "found" in sensor noise is a
    misread waiting to happen. ``formats`` takes zxing-cpp's names
    (``"QRCode, EAN13"``...).
    """

    name = "zxing"

    def __init__(self, formats: str = "QRCodeModel2", try_rotate: bool = False, try_invert: bool = True,
                 try_downscale: bool = True, binarizer: str = "LocalAverage") -> None:
        import zxingcpp

        self._zx = zxingcpp
        self.formats = zxingcpp.barcode_formats_from_str(formats) if formats else None
        self.options = {"try_rotate": try_rotate, "try_invert": try_invert,
                        "try_downscale": try_downscale,
                        "binarizer": getattr(zxingcpp.Binarizer, binarizer)}

    def _read(self, image: np.ndarray, errors: bool, **override) -> list:
        opts: dict[str, Any] = dict(self.options, **override)
        if isinstance(opts["binarizer"], str):
            opts["binarizer"] = getattr(self._zx.Binarizer, opts["binarizer"])
        kw: dict[str, Any] = {"formats": self.formats} if self.formats is not None else {}
        # Plain: the bytes as text by the code's ECI, else zxing-cpp's charset guess
        # (UTF-8, Shift-JIS, ISO-8859-1), without HRI's GS1 brackets on legacy barcodes.
        return self._zx.read_barcodes(to_gray(image), return_errors=errors, text_mode=self._zx.TextMode.Plain,
                                      **kw, **opts)

    def _record(self, b) -> Decoded:
        p = b.position
        pts = tuple((float(q.x), float(q.y)) for q in (p.top_left, p.top_right, p.bottom_right, p.bottom_left))
        raw = bytes(b.bytes)
        # zxing-cpp's text honours the ECI a foreign code declares (EUC-KR, Shift-JIS...)
        # and recognises Shift-JIS without one. Our labels and cards (UTF-8, no ECI)
        # read the same either way; their bytes stay in ``raw``.
        return Decoded(b.text or text_from_bytes(raw), pts, _format_name(b.format), raw)

    def decode(self, image: np.ndarray, **override) -> list[Decoded]:
        """Decode; keyword options (``binarizer``, ``try_invert``...) override the defaults."""
        return [self._record(b) for b in self._read(image, False, **override) if b.valid]

    def locate(self, image: np.ndarray, **override) -> tuple[list[Decoded], list[np.ndarray]]:
        found, failed = [], []
        for b in self._read(image, True, **override):
            if b.valid:
                found.append(self._record(b))
            else:
                failed.append(self._record(b).quad())
        return found, failed


def _format_name(fmt) -> str:
    # "QR Code", "EAN-13" in zxing-cpp 3, "QRCode", "EAN13" in 2: one spelling for our output.
    return str(fmt).replace("BarcodeFormat.", "").replace(" ", "").replace("-", "")


class PyzbarDecoder(Decoder):
    """ZBar through pyzbar, asked for the symbol's raw bytes.

    By default ZBar guesses a charset and re-encodes, which turns UTF-8 text
    into mojibake now and then; ZBar 0.23 has a "binary" option that hands over
    the bytes untouched, and we decode them as UTF-8 ourselves.
    """

    name = "pyzbar"
    # zbar >= 0.23 options that pyzbar's enum predates
    _CFG_BINARY = 4  # hand over the symbol's bytes untouched
    _CFG_TEST_INVERTED = 0x81  # rescan inverted when nothing was found

    def __init__(self, qr_only: bool = True, try_invert: bool = True) -> None:
        from pyzbar import pyzbar, wrapper

        self._pz, self._w = pyzbar, wrapper
        self.qr_only = qr_only
        self.try_invert = try_invert

    def decode(self, image: np.ndarray) -> list[Decoded]:
        pz, w = self._pz, self._w
        from ctypes import c_void_p, cast

        gray = to_gray(image)
        h, wd = gray.shape
        pixels = gray.tobytes()
        out: list[Decoded] = []
        with pz._image_scanner() as scanner:
            if self.qr_only:
                w.zbar_image_scanner_set_config(scanner, pz.ZBarSymbol.NONE, w.ZBarConfig.CFG_ENABLE, 0)
                w.zbar_image_scanner_set_config(scanner, pz.ZBarSymbol.QRCODE, w.ZBarConfig.CFG_ENABLE, 1)
            w.zbar_image_scanner_set_config(scanner, pz.ZBarSymbol.QRCODE, self._CFG_BINARY, 1)
            if self.try_invert:
                w.zbar_image_scanner_set_config(scanner, pz.ZBarSymbol.NONE, self._CFG_TEST_INVERTED, 1)
            with pz._image() as img:
                w.zbar_image_set_format(img, pz._FOURCC["L800"])
                w.zbar_image_set_size(img, wd, h)
                w.zbar_image_set_data(img, cast(pixels, c_void_p), len(pixels), None)  # type: ignore[arg-type]
                if w.zbar_scan_image(scanner, img) < 0:
                    return []
                for sym in pz._decode_symbols(pz._symbols_for_image(img)):
                    pts = _order_quad([(float(p.x), float(p.y)) for p in sym.polygon])
                    fmt = "QRCode" if sym.type == "QRCODE" else sym.type.title().replace("_", "")
                    out.append(Decoded(text_from_bytes(sym.data), pts, fmt, bytes(sym.data)))
        return out


class OpenCvDecoder(Decoder):
    """OpenCV's QR detector (ArUco-based when available); slow, for comparison."""

    name = "opencv"

    def __init__(self, aruco: bool = True) -> None:
        ctor = getattr(cv2, "QRCodeDetectorAruco", None) if aruco else None
        self._det = ctor() if ctor else cv2.QRCodeDetector()

    def decode(self, image: np.ndarray) -> list[Decoded]:
        gray = to_gray(image)
        try:
            ok, texts, points, _ = self._det.detectAndDecodeMulti(gray)
        except cv2.error:
            return []
        if not ok or points is None:
            return []
        out = []
        for text, quad in zip(texts, points):
            if text:
                # OpenCV hands back text decoded as Latin-1 or UTF-8; go via bytes when we can.
                try:
                    text = text.encode("latin-1").decode("utf-8")
                except (UnicodeEncodeError, UnicodeDecodeError):
                    pass
                out.append(Decoded(text, tuple((float(x), float(y)) for x, y in quad), "QRCode"))
        return out


def _order_quad(pts: list[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    """Corners as top-left, top-right, bottom-right, bottom-left (image axes)."""
    if len(pts) != 4:
        if not pts:
            return ()
        a = np.array(pts, dtype=np.float32)
        x0, y0 = a.min(axis=0)
        x1, y1 = a.max(axis=0)
        pts = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        return tuple((float(x), float(y)) for x, y in pts)
    a = np.array(pts, dtype=np.float32)
    s, d = a.sum(axis=1), a[:, 1] - a[:, 0]
    ordered = [a[np.argmin(s)], a[np.argmin(d)], a[np.argmax(s)], a[np.argmax(d)]]
    return tuple((float(x), float(y)) for x, y in ordered)


DECODERS = {"zxing": ZxingDecoder, "pyzbar": PyzbarDecoder, "opencv": OpenCvDecoder}


def make_decoder(name: str = "zxing") -> Decoder:
    """The decoder called ``name`` in the config: ``zxing`` (default), ``pyzbar`` or ``opencv``."""
    from kiosk.errors import BadInput

    try:
        cls = DECODERS[(name or "zxing").strip().lower()]
    except KeyError:
        raise BadInput("Unknown decoder: {name}. Choose zxing, pyzbar or opencv.", name=name) from None
    if cls is OpenCvDecoder and not hasattr(cv2, "QRCodeDetector"):
        # The packaged kiosk carries an OpenCV without its object detection module.
        raise BadInput("This build of the kiosk has no OpenCV QR decoder. Choose zxing or pyzbar.")
    return cls()
