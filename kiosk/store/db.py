"""Opening the kiosk's SQLite database safely.

WAL mode, ``synchronous=FULL`` (a committed loan survives power loss), foreign
keys on, a busy timeout, and ``BEGIN IMMEDIATE`` for every transaction so the
event sequence is assigned under the write lock. Errors the environment causes
(disk full, read-only, locked, corrupt) become :class:`StorageError` with a
clear message; anything else is a bug and propagates.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import sqlite3
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import PoolProxiedConnection

from kiosk.errors import StorageError
from kiosk.i18n import N_

log = logging.getLogger(__name__)
DB_FILENAME = "nanum.sqlite3"
BUSY_TIMEOUT_MS = 5000

FULL = N_("The disk is full. Ask staff to free space; nothing was lost.")
READ_ONLY = N_("The database is read-only. Ask staff to check the data folder.")
FAILING = N_("The disk could not be written. Ask staff; nothing was lost.")
BUSY = N_("The database is busy. Please try again in a moment.")
DAMAGED = N_("The database file is damaged. Ask staff to restore a backup.")
CANNOT_OPEN = N_("The database could not be opened. Ask staff to check the data folder.")

# SQLite's primary result codes (the low byte of an extended code) the
# environment causes. Codes, not message text: a bug whose message happens to
# say "malformed" (bad JSON) or name a column "read-only" is not a broken disk.
_ENV_ERRORS = {
    sqlite3.SQLITE_FULL: FULL,
    sqlite3.SQLITE_IOERR: FAILING,
    sqlite3.SQLITE_READONLY: READ_ONLY,
    sqlite3.SQLITE_BUSY: BUSY,
    sqlite3.SQLITE_NOTADB: DAMAGED,
    sqlite3.SQLITE_CORRUPT: DAMAGED,
    sqlite3.SQLITE_CANTOPEN: CANNOT_OPEN,
}


_OS_ERRORS = {
    errno.ENOSPC: FULL,
    errno.EDQUOT: FULL,
    errno.EFBIG: FULL,
    errno.EROFS: READ_ONLY,
    errno.EIO: FAILING,
}


def os_storage_error(exc: OSError) -> StorageError | None:
    """Map an OSError from the disk itself (full, read-only, failing) to a known error."""
    msgid = _OS_ERRORS.get(exc.errno) if exc.errno is not None else None
    return StorageError(msgid) if msgid else None


def environment_error(exc: BaseException) -> StorageError | None:
    """Map a storage exception caused by the environment to a known error."""
    if isinstance(exc, OSError):
        return os_storage_error(exc)
    code = sqlite_code(exc)
    msgid = _ENV_ERRORS.get(code & 0xFF) if code is not None else None
    return StorageError(msgid) if msgid else None


def sqlite_code(exc: BaseException) -> int | None:
    """SQLite's extended result code behind ``exc`` (None if SQLite gave none)."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if not isinstance(orig, sqlite3.Error):
        return None
    code = getattr(orig, "sqlite_errorcode", None)
    return code if isinstance(code, int) else None


@contextlib.contextmanager
def storage_errors() -> Iterator[None]:
    """Turn environmental storage failures into StorageError; re-raise bugs."""
    try:
        yield
    except (DBAPIError, sqlite3.Error) as exc:
        known = environment_error(exc)
        if known is None:
            raise
        # The code's name (SQLITE_IOERR_FSYNC, SQLITE_READONLY_DBMOVED...) says
        # more to a maintainer than the message does.
        orig = exc.orig if isinstance(exc, DBAPIError) else exc
        log.warning("storage error %s: %s", getattr(orig, "sqlite_errorname", "?"), exc)
        raise known from exc


def read_only_uri(path: str | Path) -> str:
    """A SQLite URI opening ``path`` read-only.

    Opening a WAL database needs its -shm file: when the folder cannot take
    one (read-only folder or file system) and none is there, the file is
    opened as immutable, which needs no lock files at all.
    """
    path = Path(path).absolute()
    uri = "file:" + urllib.parse.quote(str(path)) + "?mode=ro"
    shm = path.with_name(path.name + "-shm")
    if not os.access(path.parent, os.W_OK) and not shm.exists():
        uri += "&immutable=1"
    return uri


def sqlite_connection(raw: PoolProxiedConnection) -> sqlite3.Connection:
    """The sqlite3 connection under one of the engine's pooled connections
    (for the online backup API and statements outside SQLAlchemy)."""
    con = raw.driver_connection
    if not isinstance(con, sqlite3.Connection):
        raise TypeError(f"not a SQLite connection: {con!r}")
    return con


def make_engine(path: str | Path, *, read_only: bool = False) -> Engine:
    """An engine on the SQLite file at ``path`` with the kiosk's pragmas.

    ``read_only`` opens the file for reading only (listings on a read-only
    folder or disk): no migration, no journal mode change, no writes.
    """
    timeout = BUSY_TIMEOUT_MS / 1000
    if read_only:
        uri = read_only_uri(path)
        engine = create_engine(f"sqlite:///{path}", creator=lambda: sqlite3.connect(
            uri, uri=True, timeout=timeout, check_same_thread=False))
    else:
        engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": timeout})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:  # pragma: no branch
        # Let SQLAlchemy's begin event below issue BEGIN itself.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if read_only:
            cur.execute("PRAGMA query_only=ON")
        else:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the write lock up front; readers never block in WAL.
        if conn.get_execution_options().get("immediate"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


def make_sessionmaker(engine: Engine, *, write: bool = False,
                      info: dict[str, Any] | None = None) -> sessionmaker[Session]:
    """Sessions for reading, or (``write=True``) for BEGIN IMMEDIATE transactions.

    ``info`` is given to every session (the log key rides there).
    """
    bind = engine.execution_options(immediate=True) if write else engine
    return sessionmaker(bind, expire_on_commit=False, info=dict(info or {}))
