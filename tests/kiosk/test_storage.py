"""Storage: pragmas, migrations, the one-open-loan index, environmental errors."""

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import event, text

from kiosk.errors import StorageError
from kiosk.services import open_kiosk
from kiosk.store import migrate
from kiosk.store.db import DB_FILENAME
from kiosk.store.models import Base


def _counts(k):
    with k.reading() as s:
        return (s.execute(text("SELECT count(*) FROM loans")).scalar(),
                s.execute(text("SELECT count(*) FROM events")).scalar())


def _lend(k):
    k.catalogue.add_item("T-1", "전동드릴", parts=2)
    k.catalogue.add_item("T-2", "사다리")
    member, card = k.members.add("김하나")
    res = k.circulation.checkout(card, ["T-00001"])
    assert res.outcomes[0].ok
    return card


def test_pragmas_are_set_on_every_connection(make_kiosk):
    k, _ = make_kiosk()
    with k.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_migrations_match_the_models(make_kiosk):
    k, _ = make_kiosk()
    with k.engine.connect() as c:
        diff = compare_metadata(MigrationContext.configure(c), Base.metadata)
    assert diff == []
    assert migrate.current_revision(k.engine) == migrate.head_revision(k.engine)


def test_an_old_database_is_migrated_on_start(tmp_path):
    # A database from before any migration (only Alembic's bookkeeping missing
    # tables) is brought to head when the kiosk opens it.
    path = tmp_path / "old"
    path.mkdir()
    con = sqlite3.connect(path / DB_FILENAME)
    con.execute("CREATE TABLE unrelated (x)")
    con.commit()
    con.close()
    k = open_kiosk(path)
    assert migrate.current_revision(k.engine) == migrate.head_revision(k.engine)
    with k.reading() as s:
        tables = set(s.execute(text("SELECT name FROM sqlite_master WHERE type='table'")).scalars())
    assert {"items", "members", "loans", "events", "unrelated"} <= tables
    k.close()


def test_the_database_itself_refuses_a_second_open_loan(make_kiosk):
    k, _ = make_kiosk()
    _lend(k)
    with pytest.raises(Exception) as exc, k.transaction() as s:
        s.execute(text("INSERT INTO loans (uid, item_id, member_id, member_type, site, checked_out_at, "
                       "due_on, renewals) SELECT 'dup', item_id, member_id, member_type, site, "
                       "checked_out_at, due_on, 0 FROM loans"))
    assert "UNIQUE constraint failed" in str(exc.value)
    assert _counts(k)[0] == 1


def _full_disk(k):
    @event.listens_for(k.engine, "connect")
    def tiny(dbapi_conn, _rec):
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count={pages}")
    k.engine.dispose()


def test_full_disk_gives_a_clear_message_and_keeps_committed_loans(make_kiosk):
    k, _ = make_kiosk()
    card = _lend(k)
    before = _counts(k)
    _full_disk(k)
    with pytest.raises(StorageError) as exc:
        for i in range(3, 400):  # fill the last free pages
            k.catalogue.add_item(f"T-{i}", "긴 이름의 물품 " * 20)
    assert exc.value.render("en") == "The disk is full. Ask staff to free space; nothing was lost."
    assert "디스크가 가득" in exc.value.render("ko")
    assert k.circulation.loans(open_only=True)[0].item_code == "T-00001"
    assert k.maintenance.check().ok
    loans, _ = _counts(k)
    assert loans == before[0]
    assert card


def test_read_only_database(make_kiosk):
    k, _ = make_kiosk()
    _lend(k)
    before = _counts(k)

    @event.listens_for(k.engine, "connect")
    def ro(dbapi_conn, _rec):
        dbapi_conn.execute("PRAGMA query_only=ON")
    k.engine.dispose()
    with pytest.raises(StorageError) as exc:
        k.circulation.return_item("T-1")
    assert exc.value.render("en") == "The database is read-only. Ask staff to check the data folder."
    assert _counts(k) == before


def test_locked_database(make_kiosk, monkeypatch):
    k, _ = make_kiosk()
    _lend(k)
    before = _counts(k)
    other = sqlite3.connect(k.engine.url.database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")

    @event.listens_for(k.engine, "connect")
    def short(dbapi_conn, _rec):
        dbapi_conn.execute("PRAGMA busy_timeout=50")
    k.engine.dispose()
    try:
        with pytest.raises(StorageError) as exc:
            k.circulation.return_item("T-1")
        assert exc.value.render("en") == "The database is busy. Please try again in a moment."
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert _counts(k) == before


def test_corrupt_database_file(tmp_path):
    path = tmp_path / "bad"
    path.mkdir()
    (path / DB_FILENAME).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError) as exc:
        open_kiosk(path)
    assert exc.value.render("en") == "The database file is damaged. Ask staff to restore a backup."


def test_a_setting_written_with_an_event_is_read_back_after_commit(make_kiosk):
    k, _ = make_kiosk()
    with k.transaction() as s:
        k.set_setting(s, "demo_cards", ["NKC1-X"])
        k.record(s, "settings.changed", {"key": "demo_cards"})  # reads kiosk_id from the cache
    assert k.setting("demo_cards") == ["NKC1-X"]


def test_the_newest_revision_file_is_alembics_head(make_kiosk):
    from kiosk.store import migrate

    k, _ = make_kiosk()
    assert migrate.newest_revision_file() == migrate.head_revision(k.engine)
    assert migrate.current_revision(k.engine) == migrate.head_revision(k.engine)
