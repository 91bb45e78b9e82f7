"""Backup, restore, retention and the integrity check."""

import sqlite3

import pytest
from sqlalchemy import text

from kiosk.errors import BadInput
from kiosk.store.db import DB_FILENAME


def _setup(k, clock):
    k.catalogue.add_item("T-1", "전동드릴")
    k.catalogue.add_item("T-2", "텐트", category="camping")
    _, card = k.members.add("이서연")
    _, card2 = k.members.add("박지훈")
    k.circulation.checkout(card, ["T-1"])
    k.circulation.checkout(card2, ["T-2"])
    return card, card2


def test_backup_and_restore_round_trip(make_kiosk, tmp_path):
    k, clock = make_kiosk()
    card, _ = _setup(k, clock)
    dest = k.maintenance.backup(tmp_path / "b.sqlite3")
    k.circulation.return_item("T-1")
    assert len(k.circulation.loans(open_only=True)) == 1
    k.maintenance.restore(dest)
    assert {loan.item_code for loan in k.circulation.loans(open_only=True)} == {"T-00001", "T-00002"}
    assert k.maintenance.check().ok
    assert k.members.identify(card).display_name == "이서연"


def test_backup_refuses_to_overwrite(make_kiosk, tmp_path):
    k, clock = make_kiosk()
    (tmp_path / "exists").write_text("x")
    with pytest.raises(BadInput) as exc:
        k.maintenance.backup(tmp_path / "exists")
    assert "exists already" in exc.value.render("en")
    assert (tmp_path / "exists").read_text() == "x"


@pytest.mark.parametrize("content,why", [
    (b"garbage" * 500, "is not a Nanum Kiosk backup"),
    (None, "is not a Nanum Kiosk backup"),  # a valid SQLite file of something else
])
def test_restore_refuses_a_foreign_file_and_changes_nothing(make_kiosk, tmp_path, content, why):
    k, clock = make_kiosk()
    _setup(k, clock)
    bad = tmp_path / "bad.sqlite3"
    if content is None:
        con = sqlite3.connect(bad)
        con.execute("CREATE TABLE notes (x)")
        con.commit()
        con.close()
    else:
        bad.write_bytes(content)
    with pytest.raises(BadInput) as exc:
        k.maintenance.restore(bad)
    assert why in exc.value.render("en")
    assert len(k.circulation.loans(open_only=True)) == 2
    assert k.maintenance.verify_log().ok


def test_retention_pseudonymises_old_returned_loans_and_keeps_statistics(make_kiosk):
    k, clock = make_kiosk()
    _setup(k, clock)
    k.circulation.return_item("T-1")
    clock.advance(days=400)
    _, card3 = k.members.add("최민준")
    k.circulation.return_item("T-2")  # returned just now: kept as is
    n = k.maintenance.retention()
    assert n == 1
    with k.reading() as s:
        rows = s.execute(text("SELECT member_id, member_pseudonym, member_type, due_on FROM loans "
                              "ORDER BY id")).all()
    assert rows[0][0] is None and len(rows[0][1]) == 32 and rows[0][2] == "standard"
    assert rows[1][0] is not None and rows[1][1] is None
    assert k.maintenance.check().ok
    assert k.maintenance.retention() == 0  # idempotent


def test_check_finds_a_status_that_disagrees_with_the_loans(make_kiosk):
    k, clock = make_kiosk()
    _setup(k, clock)
    con = sqlite3.connect(k.engine.url.database)
    con.execute("UPDATE items SET status='available' WHERE code='T-00001'")
    con.commit()
    con.close()
    report = k.maintenance.check()
    assert not report.ok
    assert any("T-00001" in p for p in report.problems)


def test_tampering_with_an_event_is_detected(make_kiosk):
    k, clock = make_kiosk()
    _setup(k, clock)
    assert k.maintenance.verify_log().ok
    con = sqlite3.connect(k.engine.url.database)
    seq = con.execute("SELECT seq FROM events WHERE type='loan.checked_out' ORDER BY seq LIMIT 1").fetchone()[0]
    con.execute("UPDATE events SET payload=replace(payload, 'M-000001', 'M-000002') WHERE seq=?", (seq,))
    con.commit()
    con.close()
    report = k.maintenance.verify_log()
    assert not report.ok and report.first_bad_seq == seq
    assert not k.maintenance.check().ok
    assert (k.engine.url.database or "").endswith(DB_FILENAME)
