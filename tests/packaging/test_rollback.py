"""Rolling a kiosk back to the package version it was upgraded from keeps its data.

The Debian scripts (packaging/debian/postinst, prerm) record the schema each
package version ran with and, on a downgrade, have the outgoing version migrate
the database down to it with ``nanum migrate --for-version``. Here the newer
version is this code plus the harmless extra migration CI's N+1 package carries
(packaging/rollback_probe.py); the full package path runs in packaging/ci.sh.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from kiosk.store import migrate

ROOT = Path(__file__).resolve().parents[2]


def _probe():
    spec = importlib.util.spec_from_file_location("rollback_probe", ROOT / "packaging" / "rollback_probe.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sql(db, sql):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture
def newer(tmp_path, monkeypatch):
    """Switch the kiosk's code to 'version N+1': its migrations plus the probe."""
    copy = tmp_path / "migrations-n1"
    shutil.copytree(migrate.MIGRATIONS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    revision = _probe().add_probe(copy)

    class Switch:
        head = revision

        def on(self):
            monkeypatch.setattr(migrate, "MIGRATIONS", copy)

        def off(self):
            monkeypatch.setattr(migrate, "MIGRATIONS", ROOT / "kiosk" / "store" / "migrations")
    return Switch()


def _kiosk_with_a_loan(nanum):
    assert nanum("init", "--site", "CI01", "--kiosk-id", "CI01-root")[0] == 0
    assert nanum("item", "add", "T-00001", "전동 드릴", "--parts", "3")[0] == 0
    card = json.loads(nanum("--json", "member", "add", "Tester")[1])["card"]
    assert nanum("checkout", card, "T-00001")[0] == 0
    return card


def test_upgrade_then_rollback_keeps_the_data_and_the_older_version_opens_it(nanum, newer):
    card = _kiosk_with_a_loan(nanum)
    n_head = migrate.newest_revision_file()
    events = json.loads(nanum("--json", "verify-log")[1])["events"]

    # upgrade N -> N+1, as the N+1 postinst runs it
    newer.on()
    code, out, err = nanum("--json", "migrate", "--replacing", "1.0", "--as-version", "1.0+ci1")
    assert code == 0, err
    assert json.loads(out) | {"database": None} == {"database": None, "from": n_head, "to": newer.head}
    assert migrate.recorded_revisions(nanum.data) == {"1.0": n_head, "1.0+ci1": newer.head}
    assert _sql(nanum.db, "SELECT note FROM rollback_probe") == [("made by the newer version",)]
    assert nanum("checkout", card, "T-00001")[0] == 1  # still on loan under N+1

    # roll back: the outgoing N+1 migrates down to what N recorded, then N's files come back
    code, out, err = nanum("--json", "migrate", "--for-version", "1.0")
    assert code == 0, err
    assert json.loads(out)["to"] == n_head
    newer.off()
    tables = {r[0] for r in _sql(nanum.db, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "rollback_probe" not in tables
    assert "rollback_probe" not in {r[1] for r in _sql(nanum.db, "PRAGMA table_info(members)")}

    # N's postinst: nothing to migrate, and N works with the data
    code, out, _ = nanum("--json", "migrate", "--as-version", "1.0")
    assert code == 0 and json.loads(out)["from"] == json.loads(out)["to"] == n_head
    assert json.loads(nanum("--json", "verify-log")[1]) == {"ok": True, "events": events}
    assert json.loads(nanum("--json", "check")[1])["ok"] is True
    loans = json.loads(nanum("--json", "loans", "--open")[1])
    assert [(loan["item"], loan["member"]) for loan in loans] == [("T-00001", "M-000001")]
    assert nanum("return", "T-00001", "--parts", "3")[0] == 0


def test_a_rollback_to_a_version_this_kiosk_never_recorded_changes_nothing(nanum, newer):
    _kiosk_with_a_loan(nanum)
    newer.on()
    assert nanum("migrate", "--as-version", "1.0+ci1")[0] == 0
    schema = "SELECT name, sql FROM sqlite_master ORDER BY name"
    before = _sql(nanum.db, schema)
    code, _, err = nanum("migrate", "--for-version", "0.9")
    assert code == 3 and "no record of the database schema version 0.9 used" in err
    assert _sql(nanum.db, schema) == before
    assert _sql(nanum.db, "SELECT version_num FROM alembic_version") == [(newer.head,)]


def test_an_older_version_refuses_a_newer_schema_with_a_way_out(nanum, newer):
    """Installed over N+1 without the downgrade (an older package, or dpkg --force):
    N says what happened instead of failing inside Alembic."""
    _kiosk_with_a_loan(nanum)
    newer.on()
    assert nanum("migrate")[0] == 0
    newer.off()
    for command in (["migrate"], ["check"], ["loans"]):
        code, _, err = nanum(*command)
        assert code == 3, command
        assert f"schema ({newer.head}) is from a newer version" in err and "docs/updates.md" in err


def test_every_real_migration_goes_down_and_up_again_keeping_the_loans(make_kiosk):
    """The downgrade() of each of this version's own migrations works on a database
    with data (a later version's rollback to this one runs them)."""
    from kiosk.store.db import make_engine

    k, _ = make_kiosk()
    code = k.catalogue.add_item("T-00001", "전동 드릴", parts=2).code
    _, card = k.members.add("김하늘", "standard")
    assert k.circulation.checkout(card, [code]).outcomes[0].ok
    db = k.data_dir / "nanum.sqlite3"
    k.close()
    revisions = sorted(migrate.known_revisions())
    engine = make_engine(db)
    try:
        for older in reversed(revisions[4:-1]):  # down to 0005 (older ones predate today's item codes)
            migrate.downgrade(engine, older)
            assert migrate.current_revision(engine) == older
            assert _sql(db, "SELECT count(*) FROM loans WHERE returned_at IS NULL") == [(1,)]
            assert _sql(db, "SELECT count(*) FROM members") == [(1,)]
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == revisions[-1]
    finally:
        engine.dispose()
    with pytest.raises(ValueError):
        migrate.downgrade(make_engine(db), "9999")


def test_schema_records_reject_what_a_shell_could_mangle(tmp_path):
    migrate.remember_revision(tmp_path, "0.1.0+ci1", "0010")
    migrate.remember_revision(tmp_path, "0.1.0+ci1", "0011")  # the newest record wins
    assert migrate.recorded_revisions(tmp_path) == {"0.1.0+ci1": "0011"}
    for version, revision in (("a b", "0010"), ("", "0010"), ("1.0", "10"), ("1.0", "0010; rm")):
        with pytest.raises(ValueError):
            migrate.remember_revision(tmp_path, version, revision)
