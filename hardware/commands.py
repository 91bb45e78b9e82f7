"""What ``nanum scan`` and ``nanum cameras`` do (kiosk/cli.py only prints it)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from hardware import frames
from hardware.decoders import ZxingDecoder, make_decoder
from hardware.scanning import classify
from kiosk.errors import BadInput
from kiosk.limits import echo

#: what a file may hold: our QR labels and cards, and the legacy barcodes already on items
FILE_FORMATS = "QRCodeModel2, EAN13, EAN8, UPCA, Code128"


def _images(path: Path, tmp: Path) -> list[tuple[str, Path]]:
    """The images to decode for ``path``: itself, or the pages of a PDF rendered at 300 dpi."""
    if path.suffix.lower() != ".pdf":
        return [(str(path), path)]
    if shutil.which("pdftoppm") is None:
        raise BadInput("Reading PDF files needs pdftoppm (poppler-utils): {path}", path=str(path))
    prefix = tmp / path.stem
    proc = subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", str(path), str(prefix)],
                          capture_output=True, timeout=300)
    if proc.returncode != 0:
        raise BadInput("Cannot read the image {path}.", path=str(path))
    pages = sorted(tmp.glob(f"{path.stem}*.png"))
    return [(f"{path}#{i}", p) for i, p in enumerate(pages, 1)]


def scan_files(paths, base_url: str | None = None) -> list[dict]:
    """Every code in the given images (PNG, JPEG...; PDFs via pdftoppm at 300 dpi).

    One dict per code, top to bottom then left to right: ``file``, ``text``
    (raw), ``format``, ``position`` (four corners, pixels), ``centre``,
    ``kind`` (item, card, foreign) and ``code`` (as
    :func:`hardware.scanning.classify` gives it).
    """
    decoder = ZxingDecoder(formats=FILE_FORMATS, try_rotate=True)
    found: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="nanum-scan-") as tmp:
        for raw in paths:
            path = Path(raw)
            try:
                is_file = path.is_file()
            except (OSError, ValueError):  # a name too long for the system, a NUL in it
                is_file = False
            if not is_file:
                raise BadInput("No such file: {path}", path=echo(path))
            for name, image_path in _images(path, Path(tmp)):
                # Read the bytes here: OpenCV crashes on a file name that is not UTF-8.
                img = cv2.imdecode(np.fromfile(image_path, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
                if img is None:
                    raise BadInput("Cannot read the image {path}.", path=echo(image_path))
                codes = decoder.decode(img)
                codes.sort(key=lambda d: (round(d.centre()[1] / 50), d.centre()[0]))
                for d in codes:
                    r = classify(d.text, base_url, source="typed")
                    cx, cy = d.centre()
                    found.append({"file": name, "text": d.text, "format": d.format,
                                  "position": [[round(x, 1), round(y, 1)] for x, y in d.points],
                                  "centre": [round(cx, 1), round(cy, 1)],
                                  "kind": r.kind, "code": r.code})
    return found


def list_cameras(seconds: float = 1.0, decoder: str = "zxing",
                 cameras: list[dict] | None = None) -> list[dict]:
    """The attached cameras (or ``cameras``) with granted resolution, measured fps and decode time.

    Each camera is opened for about ``seconds``; one that cannot be opened is
    listed with zero figures and an ``error``.
    """
    dec = make_decoder(decoder)
    out = []
    for cam in frames.list_cameras() if cameras is None else cameras:
        row = {"device": cam["device"], "name": cam.get("name", ""), "width": 0, "height": 0,
               "fps": 0.0, "decode_ms": 0.0}
        src = frames.CameraSource(cam["device"])
        try:
            src.open()
            got: list[float] = []
            kept: list[Any] = []
            times: list[float] = []
            t0 = time.perf_counter()
            while time.perf_counter() - t0 < seconds:
                f = src.read()
                if f is None:
                    break
                got.append(time.perf_counter())
                if len(kept) < 15:
                    kept.append(f)
            for f in kept:  # decoded after the fps count, which decoding would slow down
                d0 = time.perf_counter()
                dec.decode(f)
                times.append(time.perf_counter() - d0)
                row["height"], row["width"] = f.shape[:2]
            if len(got) > 2:
                row["fps"] = (len(got) - 1) / (got[-1] - got[0])
            if times:
                row["decode_ms"] = 1e3 * sorted(times)[len(times) // 2]
            if not got:
                row["error"] = "no frames"
        except frames.SourceError as exc:
            row["error"] = str(exc)
        finally:
            src.close()
        out.append(row)
    return out
