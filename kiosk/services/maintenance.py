"""Keeping the database healthy: integrity checks, backup, restore, retention."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select, text

from kiosk.clock import to_iso
from kiosk.errors import BadInput, StorageError
from kiosk.store.db import DB_FILENAME, storage_errors
from kiosk.store.events import ChainReport, event_count, verify_chain
from kiosk.store.models import Item, ItemStatus, Loan, Member, Setting

if TYPE_CHECKING:
    from kiosk.services.core import Kiosk


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    chain: ChainReport | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


class Maintenance:
    def __init__(self, kiosk: Kiosk) -> None:
        self.k = kiosk

    def verify_log(self) -> ChainReport:
        """Check the event log's sequence and hash chain."""
        with self.k.reading() as s:
            return verify_chain(s)

    def check(self) -> CheckReport:
        """SQLite integrity plus the lending invariants (DESIGN.md section 2)."""
        report = CheckReport()
        with self.k.reading() as s:
            integrity = s.execute(text("PRAGMA integrity_check")).scalars().all()
            if integrity != ["ok"]:
                report.problems.append("integrity: " + "; ".join(integrity[:5]))
            fk = s.execute(text("PRAGMA foreign_key_check")).all()
            if fk:
                report.problems.append(f"foreign keys: {len(fk)} broken reference(s)")
            # Each item on loan has exactly one open loan, and no other item has one.
            mismatched = s.execute(text(
                "SELECT i.code FROM items i LEFT JOIN loans l ON l.item_id = i.id AND l.returned_at IS NULL "
                "GROUP BY i.id HAVING (i.status = 'on_loan') != (COUNT(l.id) = 1) LIMIT 5")).scalars().all()
            if mismatched:
                report.problems.append("items whose status disagrees with their loans: " + ", ".join(mismatched))
            loans = s.execute(select(func.count()).select_from(Loan)).scalar_one()
            returned = s.execute(select(func.count()).select_from(Loan)
                                 .where(Loan.returned_at.is_not(None))).scalar_one()
            if event_count(s, "loan.checked_out") != loans:
                report.problems.append("loans without exactly one checkout event")
            if event_count(s, "loan.returned") != returned:
                report.problems.append("returns without exactly one return event")
            held = s.execute(select(func.count()).select_from(Item).where(
                Item.status == ItemStatus.HELD, Item.held_for_member_id.is_(None))).scalar_one()
            if held:
                report.problems.append(f"{held} held item(s) with nobody to hold them for")
            report.chain = verify_chain(s)
            if not report.chain.ok:
                report.problems.append(f"event log broken at event {report.chain.first_bad_seq}: "
                                       f"{report.chain.reason}")
        return report

    def backup(self, dest: str | Path) -> Path:
        """A consistent copy of the live database (SQLite online backup API)."""
        dest = Path(dest)
        if dest.exists():
            raise BadInput("{path} exists already; choose a new file name.", path=str(dest))
        raw = self.k.engine.raw_connection()
        try:
            with storage_errors():
                target = sqlite3.connect(dest)
                try:
                    raw.driver_connection.backup(target)
                finally:
                    target.close()
        except OSError as exc:
            raise BadInput("Cannot write {path}: {reason}", path=str(dest),
                           reason=exc.strerror or str(exc)) from exc
        finally:
            raw.close()
        return dest

    def restore(self, src: str | Path, before: Callable[[], object] | None = None) -> None:
        """Replace the live database with a backup, after checking the backup.

        ``before`` runs once the backup has passed its checks, just before the
        live data is replaced (staff mode saves a copy of the live data there).
        """
        src = Path(src)
        if not src.is_file():
            raise BadInput("No backup file at {path}.", path=str(src))
        try:
            source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
            try:
                if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    raise BadInput("{path} is damaged and was not restored.", path=str(src))
                tables = {r[0] for r in source.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                if not {"events", "loans", "items", "members"} <= tables:
                    raise BadInput("{path} is not a Nanum Kiosk backup.", path=str(src))
                if before is not None:
                    before()
                self.k.engine.dispose()
                raw = self.k.engine.raw_connection()
                try:
                    source.backup(raw.driver_connection)
                finally:
                    raw.close()
            finally:
                source.close()
        except sqlite3.DatabaseError as exc:
            raise BadInput("{path} is not a Nanum Kiosk backup.", path=str(src)) from exc
        self.k.engine.dispose()
        self.k.forget_cached_settings()
        from kiosk.store import migrate
        migrate.upgrade(self.k.engine)

    def retention(self, days: int | None = None) -> int:
        """Pseudonymise returned loans older than ``days`` (policy default 365).

        The loan keeps its item, dates, membership type and a keyed pseudonym
        of the member (so "unique members served" still counts right), but no
        longer points at the member.
        """
        days = self.k.policy.retention_days if days is None else days
        if days < 0:
            raise BadInput("The retention age cannot be negative.")
        cutoff = to_iso(self.k.clock() - dt.timedelta(days=days))
        with self.k.transaction() as s:
            key = s.get(Setting, "pseudonym_key")
            if key is None:
                raise StorageError("This kiosk is not set up yet. Run 'nanum init' first.")
            rows = s.execute(select(Loan, Member.number).join(Member, Loan.member_id == Member.id)
                             .where(Loan.returned_at.is_not(None), Loan.returned_at < cutoff)).all()
            for loan, number in rows:
                loan.member_pseudonym = hmac.new(bytes.fromhex(key.value), number.encode(),
                                                 hashlib.sha256).hexdigest()[:32]
                loan.member_id = None
            if rows:
                self.k.record(s, "retention.pseudonymised", {"loans": len(rows), "older_than_days": days})
            return len(rows)

    @staticmethod
    def database_file(data_dir: str | Path) -> Path:
        return Path(data_dir) / DB_FILENAME
