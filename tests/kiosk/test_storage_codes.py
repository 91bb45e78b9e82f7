"""Storage errors are recognised by SQLite's result code, not its English text.

Each environmental failure is made for real (a capped file, a read-only
opening, a lock held by another connection, damaged bytes) and must become a
:class:`StorageError` whose log line names the SQLite code. Bugs whose message
merely contains the same words (bad JSON is "malformed", a column may be named
"read-only") must propagate as bugs, not be dressed up as a broken disk.
"""

from __future__ import annotations

import logging
import sqlite3

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from kiosk.errors import StorageError
from kiosk.store.db import make_engine, storage_errors

FULL = "The disk is full. Ask staff to free space; nothing was lost."
READ_ONLY = "The database is read-only. Ask staff to check the data folder."
BUSY = "The database is busy. Please try again in a moment."
DAMAGED = "The database file is damaged. Ask staff to restore a backup."


@pytest.fixture
def db(tmp_path):
    """A small database file with a few pages of rows, journal not in WAL."""
    path = tmp_path / "t.sqlite3"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    con.executemany("INSERT INTO t (body) VALUES (?)", [("x" * 500,) for _ in range(200)])
    con.commit()
    con.close()
    return path


def _insert(engine):
    with engine.begin() as c:
        for _ in range(400):
            c.execute(text("INSERT INTO t (body) VALUES (:b)"), {"b": "y" * 500})


def _full(path):
    engine = make_engine(path)
    with engine.connect() as c:
        pages = c.exec_driver_sql("PRAGMA page_count").scalar()

    @event.listens_for(engine, "connect")
    def cap(dbapi_conn, _rec):  # the file may not grow: SQLite answers SQLITE_FULL
        dbapi_conn.execute(f"PRAGMA max_page_count={pages}")
    engine.dispose()
    _insert(engine)


def _read_only(path):
    _insert(make_engine(path, read_only=True))


def _busy(path):
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        engine = make_engine(path)

        @event.listens_for(engine, "connect")
        def short(dbapi_conn, _rec):
            dbapi_conn.execute("PRAGMA busy_timeout=20")
        engine.dispose()
        _insert(engine.execution_options(immediate=True))
    finally:
        other.execute("ROLLBACK")
        other.close()


def _corrupt(path):
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[page * 3:page * 6] = b"\xa5" * (page * 3)  # b-tree pages in the middle
    path.write_bytes(bytes(data))
    with make_engine(path).connect() as c:
        c.execute(text("SELECT sum(length(body)) FROM t")).scalar()


def _not_a_database(path):
    path.write_bytes(b"this is not sqlite" * 300)
    with make_engine(path).connect() as c:
        c.execute(text("SELECT count(*) FROM t")).scalar()


@pytest.mark.parametrize(("make", "message", "code"), [
    (_full, FULL, "SQLITE_FULL"),
    (_read_only, READ_ONLY, "SQLITE_READONLY"),
    (_busy, BUSY, "SQLITE_BUSY"),
    (_corrupt, DAMAGED, "SQLITE_CORRUPT"),
    (_not_a_database, DAMAGED, "SQLITE_NOTADB"),
], ids=["full", "read-only", "busy", "corrupt", "not-a-database"])
def test_an_environmental_failure_is_known_by_its_code(db, caplog, make, message, code):
    caplog.set_level(logging.WARNING, logger="kiosk.store.db")
    with pytest.raises(StorageError) as exc, storage_errors():
        make(db)
    assert exc.value.render("en") == message
    cause = exc.value.__cause__
    cause = getattr(cause, "orig", cause)
    assert cause.sqlite_errorname.startswith(code)
    # The log names the code, so a maintainer sees which failure it was.
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [f"storage error {cause.sqlite_errorname}"]


@pytest.mark.parametrize("sql", [
    "SELECT json_extract('{\"a\": ', '$.a')",  # "malformed JSON"
    'SELECT * FROM "read-only"',  # "no such table: read-only"
], ids=["malformed-json", "read-only-table"])
def test_a_bug_that_mentions_a_failure_is_not_taken_for_one(db, sql):
    engine = make_engine(db)
    with pytest.raises(OperationalError) as exc, storage_errors(), engine.connect() as c:
        c.execute(text(sql)).all()
    assert exc.value.orig.sqlite_errorname == "SQLITE_ERROR"
