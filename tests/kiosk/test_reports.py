"""Report figures against the database, queried here directly in SQL; and the
numbers printed in the PDF (read back with ``pdftotext``) against the same queries."""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
import sqlite3
import subprocess

import pytest

from kiosk.errors import BadInput
from kiosk.policy import LoanPolicy
from kiosk.services.circulation import Override
from kiosk.services.desk import Desk
from kiosk.services.reports import Reports
from kiosk.services.staff import Staff

UTC = dt.UTC
MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def _at(clock, y, m, d, hh=1, mm=0):
    clock.now = dt.datetime(y, m, d, hh, mm, tzinfo=UTC)


@pytest.fixture
def centre(make_kiosk):
    """A small centre's February to early April, played on its clock."""
    k, clock = make_kiosk(now=dt.datetime(2026, 2, 2, 1, 0, tzinfo=UTC))
    with k.transaction() as s:
        k.set_setting(s, "policy", {**LoanPolicy().to_dict(), "block_on_overdue": False})
    boss = Staff(k).create_first_manager("김관리", "2580")
    add = k.catalogue.add_item
    add("T-00001", "전동드릴", category="tool", parts=3, replacement_value=100000)
    add("T-00002", "사다리", category="tool", parts=1, replacement_value=50000)
    add("K-00001", "블록 세트", category="toy", parts=10, replacement_value=30000)
    add("K-00002", "퍼즐", category="toy", parts=1, replacement_value=20000)
    add("G-00001", "원예 도구", category="garden", parts=4, replacement_value=40000)
    add("C-00001", "텐트", category="camping", parts=5, replacement_value=150000)
    cards = {n: k.members.add(n, "family")[1] for n in ("가", "나", "다")}
    lend = k.circulation.checkout

    _at(clock, 2026, 2, 10)
    assert lend(cards["가"], ["C-00001"]).outcomes[0].ok  # never comes back: lost by the end of March
    _at(clock, 2026, 3, 2, 1)  # 10:00 in Seoul
    lend(cards["가"], ["T-00001"])
    lend(cards["나"], ["K-00001"])
    _at(clock, 2026, 3, 5, 6)  # 15:00
    k.circulation.return_item("T-00001")
    lend(cards["다"], ["T-00001"])
    _at(clock, 2026, 3, 9, 6, 30)
    assert k.circulation.return_item("K-00001", parts_counted=7).destination == "staff"
    Desk(k).resolve_inspection("K-00001", "shelf", by=boss, parts=[9], note="2개 찾음")  # 2 found, 1 lost
    _at(clock, 2026, 3, 12, 2)  # 11:00
    cards["라"] = k.members.add("라", "standard")[1]
    lend(cards["라"], ["K-00001"])
    lend(cards["가"], ["G-00001"], override=Override("김관리", "test"))  # stays out: overdue
    _at(clock, 2026, 3, 20, 5)
    k.circulation.return_item("T-00001")  # late
    _at(clock, 2026, 3, 25, 9)  # 18:00
    k.circulation.return_item("K-00001")
    _at(clock, 2026, 3, 28, 0, 30)  # 09:30
    lend(cards["나"], ["T-00002"])
    _at(clock, 2026, 3, 30, 7)
    k.circulation.return_item("T-00002")
    _at(clock, 2026, 4, 2, 3)
    lend(cards["나"], ["T-00001"])  # after the period
    return k, clock


def _sql(k):
    db = sqlite3.connect(k.engine.url.database)
    return db


def _bounds(start, end):
    def utc(day):  # 00:00 in Seoul, as stored
        return (dt.datetime.combine(day, dt.time()) - dt.timedelta(hours=9)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return utc(start), utc(end + dt.timedelta(days=1))


def _expected(k, start, end):
    """The figures, straight from SQL."""
    db = _sql(k)
    lo, hi = _bounds(start, end)
    now = k.clock()
    today = (now + dt.timedelta(hours=9)).date()
    as_of = min(end, today)
    as_of_end = min(_bounds(as_of, as_of)[1], now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    one = lambda q, *a: db.execute(q, a).fetchone()[0]  # noqa: E731
    out_in = "checked_out_at >= ? AND checked_out_at < ?"
    back_in = "returned_at >= ? AND returned_at < ?"
    member = "COALESCE('m' || member_id, member_pseudonym)"
    e = {
        "loans": one(f"SELECT COUNT(*) FROM loans WHERE {out_in}", lo, hi),
        "returns": one(f"SELECT COUNT(*) FROM loans WHERE {back_in}", lo, hi),
        "late": one(f"SELECT COUNT(*) FROM loans WHERE {back_in} "
                    "AND date(substr(returned_at, 1, 19), '+9 hours') > due_on", lo, hi),
        "served": one(f"SELECT COUNT(DISTINCT {member}) FROM loans WHERE ({out_in}) OR ({back_in})",
                      lo, hi, lo, hi),
        "overdue": one("SELECT COUNT(*) FROM loans WHERE checked_out_at < ? AND "
                       "(returned_at IS NULL OR returned_at >= ?) AND due_on < ?",
                       as_of_end, as_of_end, as_of.isoformat()),
        "lost": one("SELECT COUNT(*) FROM loans WHERE checked_out_at < ? AND "
                    "(returned_at IS NULL OR returned_at >= ?) AND julianday(?) - julianday(due_on) > 30",
                    as_of_end, as_of_end, as_of.isoformat()),
        "lost_value": one("SELECT COALESCE(SUM(i.replacement_value), 0) FROM loans l JOIN items i ON i.id = l.item_id "
                          "WHERE checked_out_at < ? AND (returned_at IS NULL OR returned_at >= ?) "
                          "AND julianday(?) - julianday(due_on) > 30", as_of_end, as_of_end, as_of.isoformat()),
        "missing": one(f"SELECT COALESCE(SUM(parts_expected - parts_counted), 0) FROM loans WHERE {back_in}",
                       lo, hi),
        "found": one(f"SELECT COALESCE(SUM(MIN(l.parts_expected - l.parts_counted, f.n)), 0) FROM loans l "
                     f"JOIN (SELECT loan_id, SUM(parts_found) n FROM inspections GROUP BY loan_id) f "
                     f"ON f.loan_id = l.id WHERE l.{back_in}", lo, hi),
        "shared": one(f"SELECT COUNT(DISTINCT item_id) FROM loans WHERE {out_in}", lo, hi),
        "shared_value": one(f"SELECT COALESCE(SUM(replacement_value), 0) FROM items WHERE id IN "
                            f"(SELECT item_id FROM loans WHERE {out_in})", lo, hi),
        "loans_value": one(f"SELECT COALESCE(SUM(i.replacement_value), 0) FROM loans l JOIN items i "
                           f"ON i.id = l.item_id WHERE {out_in}", lo, hi),
        "participants": one(f"SELECT COUNT(DISTINCT {member}) FROM loans WHERE {out_in}", lo, hi),
        "repeat": one(f"SELECT COUNT(*) FROM (SELECT {member} FROM loans WHERE {out_in} "
                      f"GROUP BY {member} HAVING COUNT(*) >= 2)", lo, hi),
        "new_members": one("SELECT COUNT(*) FROM members WHERE created_at >= ? AND created_at < ?", lo, hi),
        "per_day": dict(db.execute(f"SELECT date(substr(checked_out_at, 1, 19), '+9 hours'), COUNT(*) "
                                   f"FROM loans WHERE {out_in} GROUP BY 1", (lo, hi)).fetchall()),
        "hours": dict(db.execute(
            f"SELECT h, COUNT(*) FROM (SELECT CAST(strftime('%H', substr(checked_out_at, 1, 19), '+9 hours') "
            f"AS INTEGER) h FROM loans WHERE {out_in} UNION ALL SELECT CAST(strftime('%H', "
            f"substr(returned_at, 1, 19), '+9 hours') AS INTEGER) FROM loans WHERE {back_in}) GROUP BY h",
            (lo, hi, lo, hi)).fetchall()),
        "top": db.execute(f"SELECT i.code, COUNT(*) FROM loans l JOIN items i ON i.id = l.item_id "
                          f"WHERE l.{out_in} GROUP BY i.code ORDER BY 2 DESC, 1", (lo, hi)).fetchall(),
        "never": [c for (c,) in db.execute(
            "SELECT code FROM items WHERE status != 'retired' AND created_at < ? AND id NOT IN "
            "(SELECT item_id FROM loans WHERE checked_out_at < ?) ORDER BY code", (hi, hi))],
        "cat_loans": dict(db.execute(f"SELECT i.category, COUNT(*) FROM loans l JOIN items i "
                                     f"ON i.id = l.item_id WHERE l.{out_in} GROUP BY 1", (lo, hi)).fetchall()),
    }
    e["parts_lost"] = e["missing"] - e["found"]
    db.close()
    return e


def test_the_figures_match_the_database(centre):
    k, _ = centre
    r = Reports(k).build(*MARCH)
    e = _expected(k, *MARCH)
    assert (r.total_loans, r.returns, r.late_returns, r.members_served) == \
        (e["loans"], e["returns"], e["late"], e["served"]) == (6, 5, 1, 4)
    assert (len(r.overdue), len(r.lost), r.lost_value) == (e["overdue"], e["lost"], e["lost_value"]) == (2, 1, 150000)
    assert (r.parts_missing, r.parts_found, r.parts_lost) == (e["missing"], e["found"], e["parts_lost"]) == (3, 2, 1)
    sh = r.sharing
    assert (sh.loans, sh.resources_shared, sh.resources_value, sh.loans_value) == \
        (e["loans"], e["shared"], e["shared_value"], e["loans_value"])
    assert (sh.participants, sh.repeat_participants, sh.new_members) == \
        (e["participants"], e["repeat"], e["new_members"]) == (4, 2, 1)
    assert {d.isoformat(): n for d, n, _r in r.loans_per_day if n} == e["per_day"]
    assert len(r.loans_per_day) == 31
    assert {h: n for h, n in enumerate(r.hours) if n} == e["hours"]
    assert [(t.code, t.count) for t in r.top_items] == e["top"]
    assert [c.code for c in r.never_borrowed] == e["never"] == ["K-00002"]
    assert {c.category: c.loans for c in r.categories if c.loans} == e["cat_loans"]
    assert [(c.code, c.count) for c in r.parts_lost_items] == [("K-00001", 1)]
    assert r.busiest_hours()[0] == 15  # a return and a loan at 15:00, a return at 15:30


def test_utilisation_is_days_on_loan_over_days_available(centre):
    k, _ = centre
    r = Reports(k).build(*MARCH)
    camping = next(c for c in r.categories if c.category == "camping")
    # The tent was out all of March: 31 days on loan, one tent, 100 %.
    assert camping.items == 1 and camping.loan_days == pytest.approx(31.0)
    assert camping.utilisation_pct == pytest.approx(100.0)
    garden = next(c for c in r.categories if c.category == "garden")
    # Out from 12 March 11:00 in Seoul to the end of the 31st.
    assert garden.loan_days == pytest.approx(19 + 13 / 24)


def test_a_period_reaching_past_today_measures_overdue_today(centre):
    k, clock = centre
    start, end = dt.date(2026, 3, 15), dt.date(2026, 4, 30)
    r = Reports(k).build(start, end)
    e = _expected(k, start, end)
    assert r.as_of == dt.date(2026, 4, 2)
    assert (r.total_loans, len(r.overdue), len(r.lost), r.members_served) == \
        (e["loans"], e["overdue"], e["lost"], e["served"])


def test_bad_periods_are_refused(centre):
    k, _ = centre
    with pytest.raises(BadInput):
        Reports(k).build(dt.date(2026, 3, 31), dt.date(2026, 3, 1))
    with pytest.raises(BadInput):
        Reports(k).build(dt.date(2020, 1, 1), dt.date(2026, 3, 1))


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_the_pdf_prints_the_database_numbers(centre, tmp_path):
    from hardware.report_pdf import render_report_pdf, write_report_csv

    k, _ = centre
    r = Reports(k).build(*MARCH)
    e = _expected(k, *MARCH)
    pdf = tmp_path / "report.pdf"
    render_report_pdf(r, pdf, "en", "강남 나눔센터")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout

    def figure(label):
        m = re.search(rf"^\s*{re.escape(label)}\s+₩?([\d,]+)", text, re.MULTILINE)
        assert m, f"{label!r} not in the PDF"
        return int(m.group(1).replace(",", ""))

    assert figure("Loans") == e["loans"]
    assert figure("Returns") == e["returns"]
    assert figure("Late returns") == e["late"]
    assert figure("Members served") == e["served"]
    assert figure("Overdue loans") == e["overdue"]
    assert figure("Lost items (over 30 days overdue)") == e["lost"]
    assert figure("Replacement value of lost items") == e["lost_value"]
    assert figure("Parts missing at return") == e["missing"]
    assert figure("Parts found at the staff check") == e["found"]
    assert figure("Parts lost") == e["parts_lost"]
    assert figure("Resources shared (items lent)") == e["shared"]
    assert figure("Replacement value of resources shared") == e["shared_value"]
    assert figure("Value of all loans (purchases avoided)") == e["loans_value"]
    assert figure("Participants (members who borrowed)") == e["participants"]
    assert figure("Repeat participants (2 loans or more)") == e["repeat"]
    assert figure("New members") == e["new_members"]
    for code, n in e["top"]:
        assert re.search(rf"\b{code}\s+\S.*\s{n}\s*$", text, re.MULTILINE), code
    # Hangul is embedded, not boxes.
    assert "강남 나눔센터" in text and "전동드릴" in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "NanumGothic" in fonts

    csv_path = tmp_path / "report.csv"
    write_report_csv(r, csv_path)
    with open(csv_path, encoding="utf-8-sig") as fh:
        rows = {(s, key): v for s, key, v in csv.reader(fh)}
    assert int(rows[("sharing", "participants")]) == e["participants"]
    assert int(rows[("parts", "lost")]) == e["parts_lost"]


def test_the_report_command_writes_pdf_and_csv(centre, tmp_path, capsys):
    import json

    from kiosk.cli import main

    k, _ = centre
    data_dir = k.engine.url.database.rsplit("/", 1)[0]
    out, csv_out = tmp_path / "r.pdf", tmp_path / "r.csv"
    assert main(["--data-dir", data_dir, "--json", "report", "--from", "2026-03-01", "--to", "2026-03-31",
                 "--out", str(out), "--csv", str(csv_out)]) == 0
    got = json.loads(capsys.readouterr().out)
    e = _expected(k, *MARCH)
    assert (got["loans"], got["participants"], got["parts_lost"]) == (e["loans"], e["participants"], e["parts_lost"])
    assert out.read_bytes().startswith(b"%PDF") and csv_out.stat().st_size > 100
    assert main(["--data-dir", data_dir, "report", "--from", "2026-02-30", "--to", "2026-03-31",
                 "--out", str(out)]) == 2
