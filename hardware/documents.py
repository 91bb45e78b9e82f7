"""Where staff documents go: label sheets, member cards and reports.

The same printer setting as receipts (see :func:`hardware.printing.open_printer`):
a :class:`~hardware.printing.PdfFilePrinter` keeps the PDF in its folder, a
:class:`~hardware.printing.SystemPrinter` sends it to CUPS with ``lp``.
Printing blocks: call it from a background task.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from hardware.printing import PdfFilePrinter, PrinterError, SystemPrinter
from kiosk.i18n import N_

Render = Callable[[Path], object]


def _safe_stem(stem: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-") or "document"


def save_pdf(render: Render, folder: str | Path, stem: str) -> Path:
    """Render into ``folder`` as ``stem-YYYYmmdd-HHMMSS.pdf`` (never overwriting a file)."""
    out = Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
        base = f"{_safe_stem(stem)}-{dt.datetime.now():%Y%m%d-%H%M%S}"
        path = out / f"{base}.pdf"
        n = 1
        while path.exists():
            n += 1
            path = out / f"{base}-{n}.pdf"
        render(path)
    except OSError as exc:
        raise PrinterError(N_("The document could not be saved: {reason}"),
                           reason=exc.strerror or str(exc)) from exc
    return path


def print_pdf(printer: object, render: Render, stem: str) -> Path | None:
    """Send a document to ``printer``; returns the file when the printer keeps one."""
    if printer is None:
        raise PrinterError(N_("No printer is set up. Ask the manager to choose one in the settings."))
    if isinstance(printer, PdfFilePrinter):
        path = save_pdf(render, printer.out_dir, stem)
        printer.printed.append(path)
        return path
    if isinstance(printer, SystemPrinter):
        with tempfile.TemporaryDirectory(prefix="nanum-doc-") as tmp:
            path = Path(tmp) / f"{_safe_stem(stem)}.pdf"
            render(path)
            cmd = [printer.lp, "-t", _safe_stem(stem)] + (["-d", printer.queue] if printer.queue else [])
            try:
                done = subprocess.run([*cmd, str(path)], capture_output=True, text=True,
                                      timeout=printer.timeout_s)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise PrinterError(N_("The printer is not answering. Please ask staff.")) from exc
            if done.returncode != 0:
                raise PrinterError(N_("The printer refused the document: {reason}"),
                                   reason=(done.stderr or done.stdout).strip()[:200])
        return None
    raise PrinterError(N_("This printer cannot print documents."))


def render_test_page(target: str | Path, site_name: str = "", lang: str = "ko") -> None:
    """A printer test page: Hangul text, a QR and a 10 cm ruler to check the scale."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    from hardware.labels import draw_qr, qr_matrix
    from hardware.pdf_fonts import hangul_font
    from kiosk.i18n import translate

    c = canvas.Canvas(str(target), pagesize=A4)
    c.setFont(hangul_font(bold=True), 20)
    c.drawString(20 * mm, A4[1] - 30 * mm, translate(N_("Printer test page"), lang))
    c.setFont(hangul_font(), 12)
    c.drawString(20 * mm, A4[1] - 40 * mm, site_name)
    c.drawString(20 * mm, A4[1] - 48 * mm, dt.datetime.now().strftime("%Y-%m-%d %H:%M"))
    c.drawString(20 * mm, A4[1] - 60 * mm, "가나다라마바사 아자차카타파하 0123456789")
    draw_qr(c, qr_matrix("https://nanum.example.org/i/T-00001"), 20 * mm, A4[1] - 120 * mm, 50 * mm)
    c.setLineWidth(0.5)
    y = A4[1] - 140 * mm
    c.line(20 * mm, y, 120 * mm, y)
    for i in range(11):
        c.line((20 + 10 * i) * mm, y, (20 + 10 * i) * mm, y + (4 if i % 5 else 7) * mm)
    c.drawString(20 * mm, y - 6 * mm, translate(N_("This line is 10 cm long when the scale is right."), lang))
    c.showPage()
    c.save()
