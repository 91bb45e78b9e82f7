"""Receipt printers: a PDF renderer and where the PDF goes.

A receipt is rendered to PDF with reportlab, the bundled Hangul font
(NanumGothic, SIL OFL) embedded, on an 80 mm roll. :class:`SystemPrinter`
sends it to the system printer through CUPS (``lp``); :class:`PdfFilePrinter`
keeps it as a file (tests, demos, a kiosk without a printer that archives
receipts). Printing blocks for as long as ``lp`` takes: call it from a
background task, never from the GUI thread.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol

from hardware.pdf_fonts import MixedFont, hangul_font
from kiosk.errors import KioskError
from kiosk.i18n import N_
from kiosk.limits import printable

ROLL_WIDTH_MM = 80.0


class PrinterError(KioskError):
    """The receipt could not be printed (no paper, printer off, no CUPS queue)."""


@dataclass(frozen=True)
class ReceiptLine:
    """One entry: the item (name and code) and what happened (due date, where it went)."""

    title: str
    detail: str = ""


@dataclass(frozen=True)
class Receipt:
    """A receipt with every text already in the resident's language."""

    heading: str
    when: str
    lines: tuple[ReceiptLine, ...]
    footer: str = ""
    subheading: str = ""
    qr_payload: str | None = None
    lang: str = "ko"
    sections: tuple[tuple[str, tuple[ReceiptLine, ...]], ...] = field(default=())


class Printer(Protocol):
    name: str

    def print_receipt(self, receipt: Receipt) -> None:
        """Print (or file) the receipt; raise :class:`PrinterError` when it cannot."""

    def check(self) -> str:
        """Whether it is there: "ok", "off" (known but not accepting) or "missing" (may block a moment)."""


def render_receipt_pdf(receipt: Receipt, target: str | Path | BinaryIO,
                       width_mm: float = ROLL_WIDTH_MM) -> None:
    """Draw the receipt on a roll ``width_mm`` wide, as tall as its content."""
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    # Hangul in NanumGothic; Chinese and Vietnamese letters in Noto Sans SC.
    regular, bold = MixedFont(receipt.lang), MixedFont(receipt.lang, bold=True)
    margin = 5 * mm
    width = width_mm * mm
    text_w = width - 2 * margin
    sections = receipt.sections or (("", receipt.lines),)

    # Lay out first, then size the page to the content (a roll has no fixed length).
    ops: list[tuple[MixedFont, str, float, float]] = []  # (font, text, size, gap after)

    def para(text: str, font: MixedFont, size: float, gap: float = 1.5) -> None:
        # Names come from people and from the platform: no control character is printed.
        for line in font.wrap(printable(text), size, text_w) or [""]:
            ops.append((font, line, size, 0.0))
        ops[-1] = (*ops[-1][:3], gap)

    para(receipt.heading, bold, 14, 2)
    if receipt.subheading:
        para(receipt.subheading, regular, 9)
    para(receipt.when, regular, 9, 4)
    for title, lines in sections:
        if title:
            para(title, bold, 11, 2)
        for line in lines:
            para(line.title, bold, 10, 0.5)
            if line.detail:
                para(line.detail, regular, 9, 3)
    if receipt.footer:
        para(receipt.footer, regular, 9, 2)
    qr_side = 34 * mm if receipt.qr_payload else 0
    height = margin * 2 + sum(size * 1.35 + gap * mm / 2 for _f, _t, size, gap in ops) + qr_side

    c = canvas.Canvas(str(target) if isinstance(target, (str, Path)) else target,
                      pagesize=(width, height), initialFontName=hangul_font(),  # type: ignore[arg-type]
                      initialFontSize=9)
    c.setTitle(receipt.heading)
    y = height - margin
    for font, text, size, gap in ops:
        y -= size * 1.1
        font.draw(c, margin, y, text, size)
        y -= size * 0.25 + gap * mm / 2
    if receipt.qr_payload:
        from reportlab.graphics import renderPDF
        from reportlab.graphics.barcode.qr import QrCodeWidget
        from reportlab.graphics.shapes import Drawing

        widget = QrCodeWidget(receipt.qr_payload)
        x0, y0, x1, y1 = widget.getBounds()
        side = qr_side - 2 * mm
        d = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
        d.add(widget)
        renderPDF.draw(d, c, (width - side) / 2, margin)
    c.showPage()
    c.save()


class PdfFilePrinter:
    """Writes each receipt as a PDF file in a folder."""

    def __init__(self, out_dir: str | Path) -> None:
        self.out_dir = Path(out_dir)
        self.name = f"pdf:{self.out_dir}"
        self.printed: list[Path] = []

    def print_receipt(self, receipt: Receipt) -> None:
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            path = self.out_dir / f"receipt-{stamp}-{len(self.printed) + 1:03d}.pdf"
            render_receipt_pdf(receipt, path)
        except OSError as exc:
            raise PrinterError(N_("The receipt could not be saved: {reason}"),
                               reason=exc.strerror or str(exc)) from exc
        self.printed.append(path)

    def check(self) -> str:
        """"ok" when the folder exists or can be made and takes files, else "missing"."""
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError:
            return "missing"
        return "ok" if os.access(self.out_dir, os.W_OK) else "missing"


class SystemPrinter:
    """Sends the receipt PDF to a CUPS queue with ``lp`` (the default queue when none is named)."""

    def __init__(self, queue: str | None = None, lp: str = "lp", timeout_s: float = 20.0) -> None:
        self.queue, self.lp, self.timeout_s = queue, lp, timeout_s
        self.name = f"lp:{queue}" if queue else "lp"

    def command(self, path: Path) -> list[str]:
        cmd = [self.lp, "-t", "receipt"]
        if self.queue:
            cmd += ["-d", self.queue]
        return [*cmd, str(path)]

    def print_receipt(self, receipt: Receipt) -> None:
        with tempfile.TemporaryDirectory(prefix="nanum-receipt-") as tmp:
            path = Path(tmp) / "receipt.pdf"
            render_receipt_pdf(receipt, path)
            try:
                done = subprocess.run(self.command(path), capture_output=True, text=True,
                                      timeout=self.timeout_s)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise PrinterError(N_("The printer is not answering. Please ask staff.")) from exc
            if done.returncode != 0:
                raise PrinterError(N_("The printer refused the receipt: {reason}"),
                                   reason=(done.stderr or done.stdout).strip()[:200])

    def check(self, lpstat: str = "lpstat") -> str:
        """Ask CUPS about the queue: "ok", "off" (disabled) or "missing" (no CUPS, no such queue)."""
        exe = shutil.which(lpstat)
        if not exe or not shutil.which(self.lp):
            return "missing"
        if not self.queue:
            return "ok" if system_has_printer(lpstat) else "missing"
        try:
            out = subprocess.run([exe, "-p", self.queue], capture_output=True, text=True, timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            return "missing"
        if out.returncode != 0 or not out.stdout.strip():
            return "missing"
        return "off" if "disabled" in out.stdout.lower() else "ok"


def printer_state(printer: Printer | None) -> str:
    """The device state of ``printer`` for the device-status holder: "none" when there is none.

    Checking a system printer runs ``lpstat``: call it off the GUI thread.
    """
    return "none" if printer is None else printer.check()


def system_has_printer(lpstat: str = "lpstat") -> bool:
    """True when CUPS is installed and has a default destination."""
    exe = shutil.which(lpstat)
    if not exe or not shutil.which("lp"):
        return False
    try:
        out = subprocess.run([exe, "-d"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and "no system default" not in out.stdout.lower() and ":" in out.stdout


def open_printer(spec: str | None) -> Printer | None:
    """A printer from a setting: "none", "pdf:DIR", "lp", "lp:QUEUE", or None for auto.

    Auto picks the system printer when CUPS has a default queue, else none.
    """
    if spec is None or spec == "auto":
        return SystemPrinter() if system_has_printer() else None
    if spec in ("", "none"):
        return None
    if spec.startswith("pdf:"):
        return PdfFilePrinter(spec[4:])
    if spec == "lp":
        return SystemPrinter()
    if spec.startswith("lp:"):
        return SystemPrinter(spec[3:])
    raise ValueError(f"unknown printer {spec!r}: use none, pdf:DIR, lp or lp:QUEUE")
