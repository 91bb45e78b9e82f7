"""QR label sheets for items: A4 sheets in common layouts and single labels.

Each label carries the item's QR (the platform URL ending in its site and code,
see :func:`kiosk.codes.item_label_payload`) with error correction level Q --
measured on the kiosk camera, level M drops to 0 % reads under a small glare
spot while Q keeps 83 % -- and its full 4-module quiet zone kept clear, the
code printed under it so a person can type it, and the item's name in Hangul
beside it. Modules are drawn as vector rectangles, so the printer's own
resolution sets the sharpness; at 300 dpi every layout here scans back (the
tests rasterise each sheet and decode every label).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from hardware.pdf_fonts import hangul_font
from kiosk.errors import BadInput
from kiosk.i18n import N_
from kiosk.limits import printable

QUIET_MODULES = 4
PRINT_MIN_MODULE_MM = 0.33  # about 4 printer dots at 300 dpi: below this a worn print head loses modules
#: the smallest module the kiosk's 1280x720 camera reads in at least 99 % of presentations
#: (a steady hand's slight motion, the camera's own softness): ``bench/scan.py --module-sweep``
#: measures 2.75 px (2.5 px: 94 %, 2.25 px: 69 %)
CAMERA_MIN_MODULE_PX = 2.75
#: how far from the camera a label is held at the kiosk (the guide frame shows a 27 mm code at
#: about 15 cm; 20 cm leaves room), and what the camera sees there: a webcam's 53-degree field
#: of view spans about as many millimetres across as the label is away
WORKING_DISTANCE_MM = 200.0
CAMERA_PX_PER_MM = 1280 / WORKING_DISTANCE_MM
#: no label is printed with smaller modules than both the printer and the camera need (0.43 mm)
MIN_MODULE_MM = max(PRINT_MIN_MODULE_MM, CAMERA_MIN_MODULE_PX / CAMERA_PX_PER_MM)


@dataclass(frozen=True)
class LabelLayout:
    """Where labels sit on a page, all in millimetres from the page's top-left corner."""

    name: str
    description: str
    page_w: float
    page_h: float
    cols: int
    rows: int
    label_w: float
    label_h: float
    left: float
    top: float
    pitch_x: float
    pitch_y: float
    padding: float
    code_h: float  # height of the code line under the QR (or above the name when ``code_beside``)
    #: the code is printed beside the QR, above the name, so a short label's QR can use its
    #: whole height (its modules stay above the camera's minimum)
    code_beside: bool = False

    @property
    def per_page(self) -> int:
        return self.cols * self.rows

    def cell(self, index: int) -> tuple[float, float]:
        """Top-left corner (mm) of the label at ``index`` on its page (row by row)."""
        row, col = divmod(index % self.per_page, self.cols)
        return self.left + col * self.pitch_x, self.top + row * self.pitch_y


LAYOUTS: dict[str, LabelLayout] = {
    # Avery L7159 and compatibles: 3 x 8 labels of 63.5 x 33.9 mm.
    "a4-24": LabelLayout("a4-24", N_("A4 sheet, 24 labels (3 × 8, 63.5 × 33.9 mm)"),
                         210.0, 297.0, 3, 8, 63.5, 33.9, 7.25, 12.9, 66.0, 33.9, 1.5, 3.6),
    # Avery L7651 and compatibles: 5 x 13 labels of 38.1 x 21.2 mm.
    "a4-65": LabelLayout("a4-65", N_("A4 sheet, 65 labels (5 × 13, 38.1 × 21.2 mm)"),
                         210.0, 297.0, 5, 13, 38.1, 21.2, 4.7, 10.7, 40.6, 21.2, 1.0, 2.6, code_beside=True),
    # One label per page for a 62 mm roll label printer (Brother QL and compatibles).
    "62mm": LabelLayout("62mm", N_("Single labels for a 62 mm label printer (62 × 38 mm)"),
                        62.0, 38.0, 1, 1, 62.0, 38.0, 0.0, 0.0, 62.0, 38.0, 2.0, 4.2),
}
DEFAULT_LAYOUT = "a4-24"


@dataclass(frozen=True)
class LabelSpec:
    """What one label shows: the code under the QR, the name beside it, the QR's text."""

    code: str
    name: str
    payload: str


def layout(name: str) -> LabelLayout:
    try:
        return LAYOUTS[name]
    except KeyError:
        raise BadInput(N_("Unknown label layout {name}. Choose one of: {names}."),
                       name=name, names=", ".join(LAYOUTS)) from None


def qr_matrix(payload: str) -> list[list[bool]]:
    """The QR modules of ``payload`` (error correction Q), without the quiet zone.

    zxing-cpp's encoder takes 0.4 ms a code where the pure-Python ``qrcode``
    takes 13 ms (a 10-sheet run of 650 labels: under a second instead of
    nine); ``qrcode`` remains the fallback.
    """
    try:
        import numpy as np
        import zxingcpp

        code = zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode, ec_level="Q")
        return (np.asarray(code.to_image(scale=1, add_quiet_zones=False)) < 128).tolist()
    except (ImportError, AttributeError):  # zxing-cpp missing, or older than 2.3
        import qrcode

        q = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_Q)
        q.add_data(payload.encode("utf-8"))
        q.make(fit=True)
        return q.get_matrix()


def draw_qr(c, matrix: list[list[bool]], x: float, y: float, side: float) -> None:
    """Draw a QR whose outer square, quiet zone included, is ``side`` points at (x, y) bottom-left.

    All modules are one filled path, so no hairline seams appear between
    neighbouring modules when the page is rasterised.
    """
    n = len(matrix)
    module = side / (n + 2 * QUIET_MODULES)
    ox, oy = x + QUIET_MODULES * module, y + side - QUIET_MODULES * module
    path = c.beginPath()
    for r, row in enumerate(matrix):
        col = 0
        while col < n:
            if row[col]:
                start = col
                while col < n and row[col]:
                    col += 1
                path.rect(ox + start * module, oy - (r + 1) * module, (col - start) * module, module)
            else:
                col += 1
    c.setFillColorRGB(0, 0, 0)
    c.drawPath(path, stroke=0, fill=1)


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Break text into lines no wider than ``width`` points: at spaces, else between
    characters (Hangul names often have no spaces)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if stringWidth(candidate, font, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
            line = ""
        for ch in word:
            if stringWidth(line + ch, font, size) <= width:
                line += ch
            else:
                lines.append(line)
                line = ch
    if line:
        lines.append(line)
    return lines


def fit_text(text: str, font: str, width: float, height: float, largest: float,
             smallest: float) -> tuple[float, list[str]]:
    """The largest font size (and its lines) at which ``text`` fits the box; at the
    smallest size, lines that do not fit are cut with an ellipsis. Control characters
    and direction marks are drawn as U+FFFD, never obeyed."""
    text = printable(text)
    size = largest
    while True:
        lines = wrap(text, font, size, width)
        if len(lines) * size * 1.2 <= height or size <= smallest:
            break
        size = max(smallest, size - 0.5)
    max_lines = max(1, int(height // (size * 1.2)))
    if len(lines) > max_lines:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        lines = lines[:max_lines]
        last = lines[-1]
        while last and stringWidth(last + "…", font, size) > width:
            last = last[:-1]
        lines[-1] = last + "…"
    return size, lines


def _draw_label(c, spec: LabelSpec, lay: LabelLayout, x_mm: float, y_mm: float, site_name: str) -> None:
    from reportlab.lib.units import mm
    from reportlab.pdfbase.pdfmetrics import stringWidth

    regular, bold = hangul_font(), hangul_font(bold=True)
    pad = lay.padding * mm
    x0 = x_mm * mm
    top = (lay.page_h - y_mm) * mm  # reportlab's y grows upwards
    w, h = lay.label_w * mm, lay.label_h * mm
    code_h = lay.code_h * mm
    side = min(h - 2 * pad - (0 if lay.code_beside else code_h), w * 0.55)
    matrix = qr_matrix(spec.payload)
    module = side / (len(matrix) + 2 * QUIET_MODULES)
    if module < MIN_MODULE_MM * mm:
        raise BadInput(N_("The label's QR would be too small to scan. Use a larger label layout."))
    qr_x, qr_y = x0 + pad, top - pad - side
    draw_qr(c, matrix, qr_x, qr_y, side)

    # The code under the QR (or beside it, at the top), as large as fits its width.
    text_x = qr_x + side + pad * 0.5
    text_w = x0 + w - pad - text_x
    size = code_h / mm * 2.6  # points: about the line height
    fit_w = text_w if lay.code_beside else side - 2 * module
    while stringWidth(printable(spec.code), bold, size) > fit_w and size > 4:
        size -= 0.25
    c.setFont(bold, size)
    if lay.code_beside:
        c.drawString(text_x, top - pad - size * 0.8, printable(spec.code))
    else:
        c.drawCentredString(qr_x + side / 2, qr_y - size * 0.95, printable(spec.code))
    below_code = size * 1.1 if lay.code_beside else 0.0

    # The name beside the QR, and the centre's name at the bottom.
    site_size = max(4.5, min(7.0, lay.label_h * 0.22))
    site_h = site_size * 1.3 if site_name else 0
    box_h = h - 2 * pad - site_h * 1.3 - below_code
    largest = min(16.0, lay.label_h * 0.5)
    name_size, lines = fit_text(spec.name, bold, text_w, box_h, largest, 5.0)
    c.setFont(bold, name_size)
    y = top - pad - below_code - name_size
    for line in lines:
        c.drawString(text_x, y, line)
        y -= name_size * 1.2
    if site_name:
        s_size, s_lines = fit_text(site_name, regular, text_w, site_size * 1.25, site_size, 4.0)
        c.setFont(regular, s_size)
        c.drawString(text_x, top - h + pad + 0.2 * s_size, s_lines[0])


def render_labels(labels: Sequence[LabelSpec], target: str | Path | BinaryIO,
                  layout_name: str = DEFAULT_LAYOUT, *, skip: int = 0, site_name: str = "",
                  outlines: bool = False) -> int:
    """Draw ``labels`` on as many pages as needed; returns the number of pages.

    ``skip`` leaves the first positions of the first sheet empty, so a
    partly used sheet can go through the printer again. ``outlines`` draws
    each label's edge in light grey (for plain paper).
    """
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    if not labels:
        raise BadInput(N_("There are no labels to print."))
    lay = layout(layout_name)
    if not 0 <= skip < lay.per_page:
        raise BadInput(N_("A sheet of this layout has {count} labels: skip 0 to {last}."),
                       count=lay.per_page, last=lay.per_page - 1)
    hangul_font()
    c = canvas.Canvas(str(target) if isinstance(target, (str, Path)) else target,
                      pagesize=(lay.page_w * mm, lay.page_h * mm))
    c.setTitle("Nanum item labels")
    page = 0
    for n, spec in enumerate(labels):
        index = n + skip
        if index // lay.per_page != page:
            c.showPage()
            page = index // lay.per_page
        x, y = lay.cell(index)
        if outlines:
            c.setStrokeColorRGB(0.8, 0.8, 0.8)
            c.setLineWidth(0.3)
            c.roundRect(x * mm, (lay.page_h - y - lay.label_h) * mm, lay.label_w * mm,
                        lay.label_h * mm, 1.5 * mm, stroke=1, fill=0)
        _draw_label(c, spec, lay, x, y, site_name)
    c.showPage()
    c.save()
    return page + 1


def label_boxes(count: int, layout_name: str = DEFAULT_LAYOUT, skip: int = 0
                ) -> list[tuple[int, float, float, float, float]]:
    """(page, left, top, width, height) in mm of each of ``count`` labels, for
    cutting a rasterised sheet back into labels."""
    lay = layout(layout_name)
    out = []
    for n in range(count):
        index = n + skip
        x, y = lay.cell(index)
        out.append((index // lay.per_page, x, y, lay.label_w, lay.label_h))
    return out
