"""The kiosk's core object: one database, its settings, clock and services."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from kiosk import settings
from kiosk.calendar import CentreCalendar, local_date
from kiosk.clock import Clock, to_iso, utcnow
from kiosk.codes import DEFAULT_BASE_URL
from kiosk.errors import BadInput
from kiosk.i18n import N_, Message
from kiosk.limits import (
    KIOSK_ID_MAX,
    KIOSK_ID_PATTERN,
    SITE_CODE_MAX,
    SITE_CODE_PATTERN,
    SITE_NAME_MAX,
    clean_text,
    echo,
)
from kiosk.policy import LoanPolicy
from kiosk.runtime import private_dir, private_file
from kiosk.store import migrate
from kiosk.store.db import DB_FILENAME, make_engine, make_sessionmaker, os_storage_error, storage_errors
from kiosk.store.events import append_event
from kiosk.store.models import ClosedDay, Event, Setting, Site
from kiosk.store.seal import SEAL_KEY, LogKey


class Kiosk:
    """Everything a front end needs: settings, calendar, policy and services.

    Create it with :func:`open_kiosk`. Methods of the services return plain
    dataclasses, never ORM objects, so callers never hold a database session.
    """

    def __init__(self, engine: Engine, clock: Clock = utcnow,
                 defaults: dict[str, Any] | None = None) -> None:
        self.engine = engine
        # starting values from the config file, checked as stored values are (kiosk.settings)
        self.defaults = settings.clean_defaults(defaults)
        if engine.url.database is None:
            raise ValueError("the kiosk's database is a file")
        self.data_dir = Path(engine.url.database).parent
        # One cache per database file, shared with the other kiosk objects on it (the
        # sync worker's): a setting either writes is read afresh by both.
        self._stored = settings.stored_settings(str(Path(engine.url.database).resolve()))
        self._stored.invalidate()  # the file may be new, or replaced, since another object read it
        self.log_key = LogKey(self.data_dir)  # every append reseals the log with it
        self.sessions = make_sessionmaker(engine, info={"log_key": self.log_key})
        self.writer = make_sessionmaker(engine, write=True, info={"log_key": self.log_key})
        self._settings_written = False
        self.clock = clock
        from kiosk.services.catalogue import Catalogue
        from kiosk.services.circulation import Circulation
        from kiosk.services.maintenance import Maintenance
        from kiosk.services.members import Members

        self.catalogue = Catalogue(self)
        self.members = Members(self)
        self.circulation = Circulation(self)
        self.maintenance = Maintenance(self)
        from kiosk.services.rules import LendingRules

        self.rules = LendingRules(self)

    # -- sessions -------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction (BEGIN IMMEDIATE); commits on success."""
        try:
            with storage_errors(), self.writer.begin() as session:
                yield session
        finally:
            # A setting written in this transaction may have been read back (and
            # cached) from a separate session before the commit: read it afresh.
            if self._settings_written:
                self._settings_written = False
                self.forget_cached_settings()

    @contextlib.contextmanager
    def reading(self) -> Iterator[Session]:
        with storage_errors(), self.sessions() as session:
            yield session

    def record(self, session: Session, type_: str, payload: dict[str, Any],
               actor: str | None = None) -> Event:
        """Append the event of a state change to the caller's transaction."""
        now = self.clock()
        return append_event(session, kiosk_id=self.kiosk_id, type_=type_, payload=payload,
                            at=to_iso(now), wall_ms=int(now.timestamp() * 1000), actor=actor)

    # -- settings -------------------------------------------------------------
    # Settings are read once and cached: the scan path must not re-read them.
    def setting(self, key: str, default: Any = None) -> Any:
        """The value of ``key``: stored, else the config file's, else its declared default.

        A setting declared in :mod:`kiosk.settings` comes typed and checked, and
        its default is the declared one (``default`` is not used: callers never
        repeat it). Other keys are the kiosk's own state (sync cursor, identity):
        stored, else ``default``.
        """
        rows = self._stored.rows(self._read_settings)
        declared = key in settings.REGISTRY
        if key in rows:
            return settings.read(key, rows[key]) if declared else rows[key]
        if key in self.defaults:
            return self.defaults[key]
        return settings.default(key) if declared else default

    def _read_settings(self) -> dict[str, Any]:
        with self.reading() as s:
            return {row.key: row.value for row in s.execute(select(Setting)).scalars()}

    def set_setting(self, session: Session, key: str, value: Any) -> None:
        """Write a setting in the caller's transaction (the cache is dropped)."""
        row = session.get(Setting, key)
        if row is None:
            session.add(Setting(key=key, value=value))
        else:
            row.value = value
        self._settings_written = True
        self.forget_cached_settings()

    def forget_cached_settings(self) -> None:
        """Read settings and the calendar afresh: the one way to drop their cache.

        Writing a setting does it already; call it after the database was changed
        as a whole (restored, recovered). It drops the cache of every kiosk object
        opened on this database file, in any thread.
        """
        self._stored.invalidate()

    @property
    def kiosk_id(self) -> str:
        kiosk_id: str = self.setting("kiosk_id")
        return kiosk_id

    @property
    def site(self) -> str:
        site: str = self.setting("site")
        return site

    @property
    def base_url(self) -> str:
        return self.setting("base_url") or DEFAULT_BASE_URL  # an empty one stored by an old version

    @property
    def policy(self) -> LoanPolicy:
        return LoanPolicy.from_dict(self.setting("policy"))

    def calendar(self, session: Session | None = None) -> CentreCalendar:
        """The centre's calendar: closed weekdays, public holidays, extra closed days."""
        def build(s: Session) -> CentreCalendar:
            days = s.execute(select(ClosedDay.day)).scalars().all()
            return CentreCalendar(
                closed_weekdays=frozenset(self.setting("closed_weekdays")),
                extra_closed=frozenset(dt.date.fromisoformat(d) for d in days))
        if session is not None:
            return build(session)

        def read() -> CentreCalendar:
            with self.reading() as s:
                return build(s)
        calendar: CentreCalendar = self._stored.derived("calendar", read)
        return calendar

    def set_closed_days(self, weekdays: list[int], extra: list[dt.date], actor: str | None = None) -> None:
        """Staff: the centre's closed weekdays and extra closed dates."""
        if any(not 0 <= w <= 6 for w in weekdays) or len(set(weekdays)) >= 7:
            raise BadInput("Closed weekdays must be 0 (Monday) to 6 (Sunday), not all seven.")
        with self.transaction() as s:
            self.set_setting(s, "closed_weekdays", sorted(set(weekdays)))
            s.query(ClosedDay).delete()
            for d in sorted(set(extra)):
                s.add(ClosedDay(day=d.isoformat()))
            self.record(s, "calendar.changed", {"closed_weekdays": sorted(set(weekdays)),
                                                "closed_days": [d.isoformat() for d in sorted(set(extra))]},
                        actor)
        self.forget_cached_settings()

    def today(self) -> dt.date:
        return local_date(self.clock())

    @property
    def initialised(self) -> bool:
        self.forget_cached_settings()
        return self.setting("kiosk_id") is not None

    def initialise(self, site: str, site_name: str, kiosk_id: str | None = None,
                   base_url: str | None = None, *, replacing: bool = False) -> None:
        """First-run set-up: the site this kiosk serves and its identity.

        ``replacing``: this computer takes the place of kiosk ``kiosk_id``, whose data
        was lost. It records nothing of its own, so its first sync takes back the
        old kiosk's events from the platform and continues their sequence (no fork).
        """
        if not site.strip():
            raise BadInput("A site code is required.")
        # What the platform accepts (kiosk.limits), or no event of this kiosk would sync.
        if len(site) > SITE_CODE_MAX or not re.fullmatch(SITE_CODE_PATTERN, site):
            raise BadInput(N_("A site code has at most {limit} letters, digits, - or _: {site}"),
                           limit=SITE_CODE_MAX, site=echo(site))
        if kiosk_id is not None and (len(kiosk_id) > KIOSK_ID_MAX or not re.fullmatch(KIOSK_ID_PATTERN, kiosk_id)):
            raise BadInput(N_("A kiosk id has at most {limit} letters, digits, '.', '-' or '_': {kiosk}"),
                           limit=KIOSK_ID_MAX, kiosk=echo(kiosk_id))
        site_name = clean_text(site_name, SITE_NAME_MAX, Message(N_("The centre's name")))
        with self.transaction() as s:
            if s.get(Setting, "kiosk_id") is not None:
                raise BadInput("This kiosk is already set up for site {site}.",
                               site=s.get_one(Setting, "site").value)
            kid = kiosk_id or f"{site}-{secrets.token_hex(4)}"
            if not self.log_key.exists:  # a kiosk set up again keeps its key
                self.log_key.create()
            s.add(Setting(key=SEAL_KEY, value={}))  # the first event seals the log
            s.add(Site(code=site, name=site_name))
            for key, value in (("kiosk_id", kid), ("site", site),
                               ("base_url", base_url or DEFAULT_BASE_URL),
                               ("policy", LoanPolicy().to_dict()),
                               ("closed_weekdays", [6]),
                               ("pseudonym_key", secrets.token_hex(16))):
                self.set_setting(s, key, value)
            s.flush()
            self._stored.prime({"kiosk_id": kid})  # record() needs it before commit
            if not replacing:
                self.record(s, "kiosk.initialised", {"site": site, "site_name": site_name})
        self.forget_cached_settings()

    def close(self) -> None:
        self.engine.dispose()


def open_kiosk(data_dir: str | Path, clock: Clock = utcnow,
               defaults: dict[str, Any] | None = None, *, read_only: bool = False) -> Kiosk:
    """Open (creating and migrating as needed) the kiosk database in ``data_dir``.

    ``read_only`` opens an existing database for reading only, without
    migrating it (listings on a read-only folder or disk); a database that
    needs migrating first is opened normally.
    """
    path = Path(data_dir)
    if read_only:
        from kiosk.services.integrity import open_read_only

        kiosk = open_read_only(path, clock, defaults)
        if kiosk is not None:
            return kiosk
    with storage_errors():
        try:
            private_dir(path)
            private_file(path / DB_FILENAME)  # its -wal and -shm files take its mode
            for left in (path / (DB_FILENAME + "-wal"), path / (DB_FILENAME + "-shm")):
                if left.exists():  # left by an older version (or a crash): tightened too
                    private_file(left)
        except OSError as exc:
            if (known := os_storage_error(exc)) is not None:  # a full or read-only disk says so
                raise known from exc
            raise BadInput("Cannot use the data folder {path}: {reason}",
                           path=str(path), reason=exc.strerror or str(exc)) from exc
        engine = make_engine(path / DB_FILENAME)
        migrate.upgrade(engine)
    kiosk = Kiosk(engine, clock, defaults)
    from kiosk.services.integrity import start_seal

    start_seal(kiosk)
    from kiosk.services.lifecycle import seal_existing

    seal_existing(kiosk)  # contacts an older version stored in clear (kiosk.contactkey)
    return kiosk
