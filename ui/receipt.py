"""What goes on a receipt, in the resident's language, from the session's visit.

The same content is printed (hardware printer interface) or shown as a QR code
the resident's phone can read. The QR carries the receipt as plain text, not a
link: it works offline and puts no member data on any server.
"""

from __future__ import annotations

import datetime as dt

from hardware.printing import Receipt, ReceiptLine
from kiosk.calendar import SEOUL
from kiosk.domain import Destination
from kiosk.limits import printable
from ui.session import Visit
from ui.text import N_, date_text, tr

_DESTINATION: dict[str, str] = {
    Destination.SHELF: N_("Returned: on the return shelf"),
    Destination.RESERVATION_SHELF: N_("Returned: on the reservation shelf"),
    Destination.STAFF: N_("Returned: handed to staff for a check"),
    Destination.TRANSFER: N_("Returned here: it goes back to its home centre"),
}


def _name(view, code: str, lang: str) -> str:
    return f"{view.name(lang)} ({code})" if view is not None else code


def _due(due: dt.date | None, lang: str) -> str:
    return tr(N_("Due back {date}."), date=date_text(due, lang)) if due is not None else ""


def build_receipt(visit: Visit, lang: str, now: dt.datetime, site_name: str = "") -> Receipt:
    """The receipt of one visit (texts already translated)."""
    sections = []
    if visit.borrowed:
        sections.append((tr(N_("Borrowed")), tuple(
            ReceiptLine(_name(o.item_view, o.item, lang), _due(o.due, lang)) for o in visit.borrowed)))
    if visit.renewed:
        sections.append((tr(N_("Renewed")), tuple(
            ReceiptLine(_name(o.item_view, o.item, lang), _due(o.due, lang)) for o in visit.renewed)))
    if visit.returned:
        sections.append((tr(N_("Returned")), tuple(
            ReceiptLine(_name(r.item, r.item.code, lang), tr(_DESTINATION.get(r.destination, _DESTINATION["staff"])))
            for r in visit.returned)))
    local = now.astimezone(SEOUL)
    return Receipt(heading=tr(N_("Sharing centre receipt")), subheading=site_name,
                   when=local.strftime("%Y-%m-%d %H:%M"), lines=(), sections=tuple(sections),
                   footer=tr(N_("Thank you for sharing!")), lang=lang)


def receipt_text(receipt: Receipt) -> str:
    """The receipt as short plain text, for the QR code."""
    out = [receipt.heading]
    if receipt.subheading:
        out.append(receipt.subheading)
    out.append(receipt.when)
    for title, lines in receipt.sections:
        out.append("")
        out.append(f"[{title}]")
        for line in lines:
            out.append(f"- {line.title}: {line.detail}" if line.detail else f"- {line.title}")
    # A phone shows this text: no control character or direction mark from a name.
    return "\n".join(printable(line) for line in out)
