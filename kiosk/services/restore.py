"""Backup and restore without ever losing the live data.

A backup is written under a temporary name beside its destination, synced to
disk, and only then given its name: a full disk or a pulled USB stick leaves
no empty or half-written backup behind.

A restore works on a private copy of the backup in the data folder and
checks everything before the live data is touched: SQLite's integrity check,
a schema revision this version knows (``alembic_version``), every table and
column the current schema has (after migrating the copy), foreign keys, the
event log's hash chain and its seal. Then the live data is copied aside (a
dated file next to the database, kept) and the checked copy goes in with
SQLite's backup API, in ONE write transaction on the live database: it
commits whole or not at all, through SQLite's own WAL and locks, so the
sync thread's or another process's open connections see the old data or
the new, never a mix (replacing the file under them with a rename would
leave them writing to the old, unlinked file). Any failure after that puts
the copy set aside back the same way.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import logging
import os
import secrets
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from kiosk.errors import BadInput, KioskError, StorageError
from kiosk.i18n import N_
from kiosk.store import migrate
from kiosk.store.db import (
    DB_FILENAME,
    environment_error,
    make_engine,
    os_storage_error,
    read_only_uri,
    sqlite_connection,
)
from kiosk.store.events import verify_chain
from kiosk.store.seal import SEAL_KEY, seal_matches, seal_value

if TYPE_CHECKING:
    from kiosk.services.core import Kiosk

log = logging.getLogger(__name__)
ASIDE_PREFIX = "nanum-before-restore"
NOT_A_BACKUP = N_("{path} is not a Nanum Kiosk backup.")


@dataclass(frozen=True)
class RestoreResult:
    source: Path
    aside: Path  # the live data as it was, kept next to the database
    events: int  # events in the restored log


# -- writing a copy ---------------------------------------------------------------
@contextlib.contextmanager
def _storage(path: Path, *, reading: Path | None = None) -> Iterator[None]:
    """OSError and SQLite errors of one file operation as the kiosk's errors."""
    try:
        yield
    except KioskError:
        raise
    except OSError as exc:
        if exc.errno == errno.EROFS:  # say which disk: a backup's stick, or the data folder
            raise StorageError("Cannot write {path}: the disk is read-only.", path=str(path)) from exc
        known = os_storage_error(exc)
        if known is not None:
            raise known from exc
        raise BadInput("Cannot write {path}: {reason}", path=str(path),
                       reason=exc.strerror or str(exc)) from exc
    except sqlite3.Error as exc:
        known = environment_error(exc)
        if known is not None and known.msgid not in _NOT_ENVIRONMENT:
            raise known from exc
        if reading is not None:
            raise BadInput(NOT_A_BACKUP, path=str(reading)) from exc
        raise BadInput("Cannot write {path}: {reason}", path=str(path), reason=str(exc)) from exc


# Reading a file that is not a database is the file's fault, not the disk's.
DAMAGED = N_("The database file is damaged. Ask staff to restore a backup.")
_NOT_ENVIRONMENT = {DAMAGED,
                    N_("The database could not be opened. Ask staff to check the data folder.")}


def _private_temp(folder: Path, stem: str) -> Path:
    """A new empty file in ``folder``, 0600 from the start."""
    path = folder / f".{stem}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return path


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system syncs folders (FAT sticks)
        _fsync(folder)


def _remove(path: Path) -> None:
    for p in (path, *(path.with_name(path.name + s) for s in ("-journal", "-wal", "-shm"))):
        with contextlib.suppress(OSError):
            p.unlink()


def write_copy(source: sqlite3.Connection, dest: Path) -> Path:
    """A consistent copy of the database ``source`` at the new file ``dest``.

    Written beside ``dest`` under a temporary name, synced, then linked into
    place: ``dest`` either appears complete or not at all.
    """
    dest = Path(dest)
    if dest.exists():
        raise BadInput("{path} exists already; choose a new file name.", path=str(dest))
    tmp: Path | None = None
    try:
        with _storage(dest):
            tmp = _private_temp(dest.parent, dest.name)
            target = sqlite3.connect(tmp)
            try:
                source.backup(target)
                target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            finally:
                target.close()
            _fsync(tmp)
            try:
                os.link(tmp, dest)  # never replaces a file that appeared meanwhile
            except FileExistsError:
                raise BadInput("{path} exists already; choose a new file name.", path=str(dest)) from None
            except OSError:
                if dest.exists():
                    raise
                os.rename(tmp, dest)  # file systems without hard links (FAT sticks)
            _fsync_dir(dest.parent)
    finally:
        if tmp is not None:
            _remove(tmp)
    return dest


def backup(k: Kiosk, dest: str | Path) -> Path:
    """A consistent copy of the live database at ``dest`` (SQLite online backup API)."""
    raw = k.engine.raw_connection()
    try:
        return write_copy(sqlite_connection(raw), Path(dest))
    finally:
        raw.close()


def aside_path(k: Kiosk) -> Path:
    stamp = k.clock().astimezone(dt.UTC).strftime("%Y%m%d-%H%M%S")
    path = k.data_dir / f"{ASIDE_PREFIX}-{stamp}.sqlite3"
    n = 1
    while path.exists():
        n += 1
        path = k.data_dir / f"{ASIDE_PREFIX}-{stamp}-{n}.sqlite3"
    return path


# -- checking a backup ------------------------------------------------------------
Schema = tuple[dict[str, set[str]], set[tuple[object, ...]]]
_reference: dict[str, Schema] = {}


def reference_schema() -> Schema:
    """Tables and columns, indexes, triggers and views of a new database at this
    version's newest revision (migrating any older revision ends there too)."""
    head = migrate.newest_revision_file() or ""
    if head not in _reference:
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(Path(tmp) / DB_FILENAME)
            try:
                migrate.upgrade(engine)
                raw = engine.raw_connection()
                try:
                    _reference[head] = schema_of(sqlite_connection(raw))
                finally:
                    raw.close()
            finally:
                engine.dispose()
    return _reference[head]


def schema_of(con: sqlite3.Connection) -> Schema:
    tables = [r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
    columns = {t: {r[1] for r in con.execute("SELECT * FROM pragma_table_info(?)", (t,))} for t in tables}
    objects: set[tuple[object, ...]] = set()
    for type_, name, table in con.execute("SELECT type, name, tbl_name FROM sqlite_master WHERE type != 'table'"):
        if type_ == "index":
            # Compared by what they enforce (unique, partial, columns), not by their SQL text.
            listed = {r[1]: r for r in con.execute("SELECT * FROM pragma_index_list(?)", (table,))}
            row = listed.get(name)
            cols = tuple(r[2] for r in con.execute("SELECT * FROM pragma_index_info(?)", (name,)))
            objects.add((type_, name, table, row[2] if row else None, row[4] if row else None, cols))
        else:  # a trigger or view in a backup would run or answer in the kiosk's place
            objects.add((type_, name, table))
    return columns, objects


def _known_revisions() -> set[str]:
    return {m.group(1) for p in (migrate.MIGRATIONS / "versions").iterdir()
            if (m := migrate._REVISION_FILE.match(p.name))}


def validate(k: Kiosk, work: Path, shown: Path, *, reseal: bool = False) -> int:
    """Check the private copy ``work`` of the backup ``shown``; migrate it to this
    version's schema and seal it with this kiosk's key. Returns its event count.

    Raises :class:`BadInput` naming what is wrong; nothing live is touched.
    """
    name = str(shown)
    con = sqlite3.connect(work)
    try:
        with _storage(work, reading=shown):
            if con.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BadInput("{path} is damaged and was not restored.", path=name)
            try:
                revs = [r[0] for r in con.execute("SELECT version_num FROM alembic_version")]
            except sqlite3.OperationalError:
                raise BadInput(NOT_A_BACKUP, path=name) from None
            if len(revs) != 1 or not isinstance(revs[0], str):
                raise BadInput(NOT_A_BACKUP, path=name)
            if revs[0] not in _known_revisions():
                raise BadInput("{path} has a database schema this version does not know ({revision}): "
                               "it was made by a newer Nanum Kiosk, or is not a backup. Nothing was "
                               "restored.", path=name, revision=revs[0][:40])
    finally:
        con.close()
    engine = make_engine(work)
    try:
        try:
            migrate.upgrade(engine)
        except KioskError:
            raise
        except Exception as exc:  # a crafted file can break a migration in any way: it is the file's fault
            log.warning("restore: migrating %s failed: %s", shown, exc)
            known = environment_error(exc)
            if known is not None and known.msgid not in _NOT_ENVIRONMENT:
                raise known from exc
            raise BadInput(NOT_A_BACKUP, path=name) from exc
        raw = engine.raw_connection()
        try:
            con = sqlite_connection(raw)
            with _storage(work, reading=shown):
                have, objects = schema_of(con)
                want, want_objects = reference_schema()
                for table, columns in sorted(want.items()):
                    if have.get(table) != columns:
                        raise BadInput("{path} is not a Nanum Kiosk backup: its table {table} does not "
                                       "have the columns this version expects. Nothing was restored.",
                                       path=name, table=table)
                if objects != want_objects:
                    odd = sorted({str(o[1]) for o in objects ^ want_objects})  # by name
                    raise BadInput("{path} is not a Nanum Kiosk backup: its indexes or triggers are not "
                                   "the ones this version expects ({names}). Nothing was restored.",
                                   path=name, names=", ".join(odd[:3]))
                if con.execute("PRAGMA foreign_key_check").fetchone() is not None:
                    raise BadInput("{path} is damaged and was not restored.", path=name)
        finally:
            raw.close()
        with _storage(work, reading=shown), Session(engine) as s:
            chain = verify_chain(s)
            if not chain.ok:
                raise BadInput("{path} was not restored: its event log is broken at event {seq}.",
                               path=name, seq=chain.first_bad_seq)
            _seal_copy(k, s, name, chain.count, reseal=reseal)
            s.commit()
        return chain.count
    finally:
        engine.dispose()


def _seal_copy(k: Kiosk, s: Session, name: str, count: int, *, reseal: bool) -> None:
    """The copy's seal must be this kiosk's; a copy sealed before seals existed gets one."""
    from sqlalchemy import select

    from kiosk.store.models import Event, Setting

    head = s.execute(select(Event.seq, Event.hash, Event.kiosk_id).order_by(Event.seq.desc()).limit(1)).first()
    kiosk_id = s.get(Setting, "kiosk_id")
    if head is not None:
        kid = head.kiosk_id
    elif kiosk_id is not None:
        kid = kiosk_id.value
    else:
        return
    seq, head_hash = (head.seq, head.hash) if head else (0, "")
    row = s.get(Setting, SEAL_KEY)
    key = k.log_key.key
    if row is not None and not (key is not None and seal_matches(key, kid, row.value, seq, head_hash)):
        if not reseal:
            raise BadInput("{path} was not restored: its event log is sealed with another kiosk's key, "
                           "or its last events were changed.", path=name)
        log.warning("restore: %s resealed with this kiosk's key (was %r)", name, row.value)
    if key is None:
        if k.log_key.exists:
            raise StorageError("The kiosk key file {path} cannot be read.", path=str(k.log_key.path))
        key = k.log_key.create()
    value = seal_value(key, kid, seq, head_hash)
    if row is None:
        s.add(Setting(key=SEAL_KEY, value=value))
    else:
        row.value = value


# -- restoring --------------------------------------------------------------------
def restore(k: Kiosk, src: str | Path, *, before: Callable[[], object] | None = None,
            reseal: bool = False) -> RestoreResult:
    """Replace the live data with the backup ``src``, after checking it whole.

    ``before`` runs once the backup has passed every check, just before the
    live data is copied aside and replaced (staff mode saves a copy for staff
    there). ``reseal`` accepts a backup sealed with another key (this
    kiosk's key file was lost with its old disk) and seals it with this
    kiosk's key. Raises :class:`BadInput` for a bad backup and
    :class:`StorageError` for a full or read-only disk; either way the live
    data is as it was.
    """
    src = Path(src)
    if not src.is_file():
        raise BadInput("No backup file at {path}.", path=str(src))
    work: Path | None = None
    try:
        with _storage(k.data_dir):
            work = _private_temp(k.data_dir, "restore")
        with _storage(work, reading=src):
            try:
                source = sqlite3.connect(read_only_uri(src), uri=True)
            except sqlite3.OperationalError as exc:
                raise BadInput("Cannot read {path}: {reason}", path=str(src), reason=str(exc)) from exc
            try:
                target = sqlite3.connect(work)
                try:
                    source.backup(target)
                    target.execute("PRAGMA journal_mode=DELETE")
                finally:
                    target.close()
            finally:
                source.close()
        events = validate(k, work, src, reseal=reseal)
        if before is not None:
            before()
        aside = aside_path(k)
        if _live_is_damaged(k):
            _replace_damaged(k, work, aside)
        else:
            raw = k.engine.raw_connection()
            try:
                write_copy(sqlite_connection(raw), aside)
            finally:
                raw.close()
            _swap_in(k, work, aside)
        return RestoreResult(src, aside, events)
    finally:
        if work is not None:
            _remove(work)


def open_for_restore(data_dir: str | Path) -> Kiosk:
    """A kiosk on a database too damaged to open normally, good for :func:`restore` only
    (nothing reads the damaged file until the restore replaces it)."""
    from kiosk.services.core import Kiosk

    return Kiosk(make_engine(Path(data_dir) / DB_FILENAME))


def _live_is_damaged(k: Kiosk) -> bool:
    """Whether the live database is too damaged for SQLite to copy (a restore is its cure)."""
    path = k.data_dir / DB_FILENAME
    if not path.exists():
        return False
    try:
        con = sqlite3.connect(f"file:{path.absolute()}?mode=ro", uri=True)
        try:
            return bool(con.execute("PRAGMA quick_check").fetchone()[0] != "ok")
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        known = environment_error(exc)
        return known is not None and known.msgid == DAMAGED


def _replace_damaged(k: Kiosk, work: Path, aside: Path) -> None:
    """The live file cannot take a copy through SQLite: keep its bytes aside, rename the
    checked copy over it. Nothing can be using a database SQLite cannot read."""
    live = k.data_dir / DB_FILENAME
    k.engine.dispose()
    with _storage(aside):
        tmp = _private_temp(k.data_dir, aside.name)
        try:
            with open(live, "rb") as src, open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst)
                dst.flush()
                os.fsync(dst.fileno())
            os.link(tmp, aside)
        finally:
            _remove(tmp)
        for suffix in ("-wal", "-shm", "-journal"):  # they belong to the damaged file
            with contextlib.suppress(FileNotFoundError):
                os.unlink(live.with_name(live.name + suffix))
        _fsync(work)
        os.replace(work, live)
        _fsync_dir(k.data_dir)
    k.forget_cached_settings()


def _swap_in(k: Kiosk, work: Path, aside: Path) -> None:
    """Copy ``work`` over the live database in one transaction; on failure put ``aside`` back."""
    try:
        _copy_into_live(k, work)
        k.forget_cached_settings()
        with k.reading() as s:
            if not verify_chain(s).ok:  # pragma: no cover - checked before; a disk that lies
                raise StorageError("The database file is damaged. Ask staff to restore a backup.")
    except BaseException:
        log.exception("restore failed after the checks; putting the data from before back")
        try:
            _copy_into_live(k, aside)
        except Exception:  # pragma: no cover - the first failure is the one to report
            log.exception("putting %s back failed", aside)
        k.forget_cached_settings()
        raise


def _copy_into_live(k: Kiosk, path: Path) -> None:
    k.engine.dispose()  # no pooled connection keeps a read snapshot of the old data
    source = sqlite3.connect(path)
    raw = k.engine.raw_connection()
    try:
        live = sqlite_connection(raw)
        with _storage(k.data_dir / DB_FILENAME):
            size = live.execute("PRAGMA page_size").fetchone()[0]
            if source.execute("PRAGMA page_size").fetchone()[0] != size:
                # A WAL database only takes a copy of its own page size.
                source.execute(f"PRAGMA page_size={int(size)}")
                source.execute("VACUUM")
            source.backup(live)  # one step, one write transaction: all or nothing
    finally:
        raw.close()
        source.close()
        k.engine.dispose()
