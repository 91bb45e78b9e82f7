"""Opening the kiosk's SQLite database safely.

WAL mode, ``synchronous=FULL`` (a committed loan survives power loss), foreign
keys on, a busy timeout, and ``BEGIN IMMEDIATE`` for every transaction so the
event sequence is assigned under the write lock. Errors the environment causes
(disk full, read-only, locked, corrupt) become :class:`StorageError` with a
clear message; anything else is a bug and propagates.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from kiosk.errors import StorageError
from kiosk.i18n import N_

log = logging.getLogger(__name__)
DB_FILENAME = "nanum.sqlite3"
BUSY_TIMEOUT_MS = 5000

_ENV_ERRORS = (
    ("database or disk is full", N_("The disk is full. Ask staff to free space; nothing was lost.")),
    ("disk i/o error", N_("The disk could not be written. Ask staff; nothing was lost.")),
    ("readonly database", N_("The database is read-only. Ask staff to check the data folder.")),
    ("read-only", N_("The database is read-only. Ask staff to check the data folder.")),
    ("database is locked", N_("The database is busy. Please try again in a moment.")),
    ("file is not a database", N_("The database file is damaged. Ask staff to restore a backup.")),
    ("malformed", N_("The database file is damaged. Ask staff to restore a backup.")),
    ("unable to open database", N_("The database could not be opened. Ask staff to check the data folder.")),
)


def environment_error(exc: BaseException) -> StorageError | None:
    """Map a storage exception caused by the environment to a known error."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if not isinstance(orig, (sqlite3.OperationalError, sqlite3.DatabaseError)):
        return None
    text = str(orig).lower()
    for needle, msgid in _ENV_ERRORS:
        if needle in text:
            return StorageError(msgid)
    return None


@contextlib.contextmanager
def storage_errors() -> Iterator[None]:
    """Turn environmental storage failures into StorageError; re-raise bugs."""
    try:
        yield
    except (DBAPIError, sqlite3.Error) as exc:
        known = environment_error(exc)
        if known is None:
            raise
        log.warning("storage error: %s", exc)
        raise known from exc


def make_engine(path: str | Path) -> Engine:
    """An engine on the SQLite file at ``path`` with the kiosk's pragmas."""
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no branch
        # Let SQLAlchemy's begin event below issue BEGIN itself.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # Writers take the write lock up front; readers never block in WAL.
        if conn.get_execution_options().get("immediate"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


def make_sessionmaker(engine: Engine, *, write: bool = False) -> sessionmaker[Session]:
    """Sessions for reading, or (``write=True``) for BEGIN IMMEDIATE transactions."""
    bind = engine.execution_options(immediate=True) if write else engine
    return sessionmaker(bind, expire_on_commit=False)
