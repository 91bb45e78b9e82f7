"""Member and staff cards as PDF: credit-card size (85.6 × 54 mm), with the card's QR.

The QR holds the card token (``NKC1-...``), never the membership number; the
number is printed as text so staff can look the member up by hand. On
``page="a4"`` the card sits at the top of an A4 page with a cutting outline,
for a centre that prints on plain paper and laminates it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from hardware.labels import draw_qr, fit_text, qr_matrix
from hardware.pdf_fonts import hangul_font
from kiosk.errors import BadInput
from kiosk.i18n import N_, translate
from kiosk.limits import printable

CARD_W_MM, CARD_H_MM = 85.6, 54.0


@dataclass(frozen=True)
class CardSpec:
    """What a card shows. ``kind`` is "member" or "staff"."""

    name: str
    number: str  # membership number, or the staff role
    payload: str  # the QR text: the card token
    site_name: str = ""
    expires_on: str = ""  # YYYY-MM-DD, members only
    kind: str = "member"
    lang: str = "ko"


def render_card(card: CardSpec, target: str | Path | BinaryIO, page: str = "card") -> None:
    """Draw the card on its own card-size page, or on top of an A4 page (``page="a4"``)."""
    render_cards([card], target, page)


def render_cards(cards: list[CardSpec], target: str | Path | BinaryIO, page: str = "card") -> None:
    """One card per page (several cards: the members of an import, for instance)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    if not cards:
        raise BadInput(N_("There are no cards to print."))
    for card in cards:
        if not card.payload.startswith("NKC"):
            raise BadInput(N_("This is not a card code."))
    if page not in ("card", "a4"):
        raise BadInput(N_("Unknown page size {name}."), name=page)
    w, h = CARD_W_MM * mm, CARD_H_MM * mm
    size = (w, h) if page == "card" else A4
    c = canvas.Canvas(str(target) if isinstance(target, (str, Path)) else target, pagesize=size)
    c.setTitle(translate(N_("Member card"), cards[0].lang))
    for card in cards:
        _draw_card(c, card, page)
        c.showPage()
    c.save()


def _draw_card(c, card: CardSpec, page: str) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm

    regular, bold = hangul_font(), hangul_font(bold=True)
    w, h = CARD_W_MM * mm, CARD_H_MM * mm
    x0, y0 = (0.0, 0.0) if page == "card" else ((A4[0] - w) / 2, A4[1] - h - 30 * mm)
    if page == "a4":
        c.setStrokeColorRGB(0.6, 0.6, 0.6)
        c.setDash(2, 2)
        c.roundRect(x0, y0, w, h, 3 * mm, stroke=1, fill=0)
        c.setDash()
        c.setFont(regular, 9)
        c.setFillColorRGB(0.3, 0.3, 0.3)
        c.drawCentredString(A4[0] / 2, y0 - 8 * mm, translate(N_("Cut along the dotted line."), card.lang))

    band = 12 * mm
    # The header band: the centre's name on a dark blue (staff cards: dark green).
    colour = (0.04, 0.35, 0.66) if card.kind == "member" else (0.11, 0.42, 0.2)
    c.setFillColorRGB(*colour)
    c.rect(x0, y0 + h - band, w, band, stroke=0, fill=1)
    c.setFillColorRGB(1, 1, 1)
    title = translate(N_("Member card") if card.kind == "member" else N_("Staff card"), card.lang)
    c.setFont(bold, 11)
    c.drawString(x0 + 4 * mm, y0 + h - band + 4.3 * mm, title)
    if card.site_name:
        s_size, lines = fit_text(card.site_name, regular, w * 0.55, 12, 9, 6)
        c.setFont(regular, s_size)
        c.drawRightString(x0 + w - 4 * mm, y0 + h - band + 4.5 * mm, lines[0])

    # The QR at the right; its square includes the quiet zone.
    side = h - band - 4 * mm
    matrix = qr_matrix(card.payload)
    qr_x, qr_y = x0 + w - side - 2 * mm, y0 + 2 * mm
    c.setFillColorRGB(1, 1, 1)
    c.rect(qr_x, qr_y, side, side, stroke=0, fill=1)
    draw_qr(c, matrix, qr_x, qr_y, side)

    # Name, number and expiry at the left.
    text_x, text_w = x0 + 4 * mm, qr_x - x0 - 6 * mm
    c.setFillColorRGB(0.1, 0.1, 0.1)
    name_size, lines = fit_text(card.name, bold, text_w, 16 * mm, 16, 8)
    y = y0 + h - band - 4 * mm - name_size
    c.setFont(bold, name_size)
    for line in lines:
        c.drawString(text_x, y, line)
        y -= name_size * 1.2
    c.setFont(regular, 9)
    c.drawString(text_x, y0 + 13 * mm, printable(card.number))  # names go through fit_text
    if card.expires_on:
        c.drawString(text_x, y0 + 8.5 * mm,
                     translate(N_("Valid until {date}"), card.lang, date=card.expires_on))
    c.setFont(regular, 6.5)
    c.setFillColorRGB(0.3, 0.3, 0.3)
    hint = translate(N_("Show this code to the kiosk camera.") if card.kind == "member"
                     else N_("Staff only. Scan, then type your PIN."), card.lang)
    _, hint_lines = fit_text(hint, regular, text_w, 8 * mm, 6.5, 5)
    hy = y0 + 4.8 * mm
    for line in hint_lines[:2]:
        c.drawString(text_x, hy, line)
        hy -= 6.5 * 1.15
