"""Keeping the database healthy: integrity checks, backup, restore, retention."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select, text

from kiosk.clock import to_iso
from kiosk.errors import BadInput, StorageError
from kiosk.services import integrity as tamper
from kiosk.services import recovery
from kiosk.services import restore as restore_mod
from kiosk.services.integrity import LogReport
from kiosk.services.restore import RestoreResult
from kiosk.store.db import DB_FILENAME
from kiosk.store.events import event_count
from kiosk.store.models import Item, ItemStatus, Loan, Member, Setting

if TYPE_CHECKING:
    from kiosk.services.core import Kiosk

_CHAIN_BROKEN = "Event log broken at event {seq}: {reason}"


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    chain: LogReport | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


class Maintenance:
    def __init__(self, kiosk: Kiosk) -> None:
        self.k = kiosk

    def verify_log(self) -> LogReport:
        """Check the event log: sequence and hash chain, its seal under the kiosk key,
        and the head the platform acknowledged (kiosk.services.integrity)."""
        with self.k.reading() as s:
            return tamper.verify_log(s, self.k.log_key)

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
            # Loans of the centre's other kiosks, and loans ended at another kiosk or
            # centre, come by pull: the sync.pulled event that brought each names it.
            # (A pull may name a loan twice: again after a restore from a backup.)
            pulled: dict[str, int] = dict(s.execute(text(
                "SELECT json_extract(l.value, '$.state'), COUNT(DISTINCT json_extract(l.value, '$.loan')) "
                "FROM events e, "
                "json_each(e.payload, '$.loans') l WHERE e.type = 'sync.pulled' "
                "AND json_valid(e.payload) GROUP BY 1")).all())
            if event_count(s, "loan.checked_out") + pulled.get("opened", 0) != loans:
                report.problems.append("loans without exactly one checkout event")
            if event_count(s, "loan.returned") + pulled.get("closed", 0) != returned:
                report.problems.append("returns without exactly one return event")
            held = s.execute(select(func.count()).select_from(Item).where(
                Item.status == ItemStatus.HELD, Item.held_for_member_id.is_(None))).scalar_one()
            if held:
                report.problems.append(f"{held} held item(s) with nobody to hold them for")
            report.chain = tamper.verify_log(s, self.k.log_key)
            report.problems += [str(m) for m in report.chain.problems]
            if report.chain.first_bad_seq is None or report.chain.problems[0].msgid != _CHAIN_BROKEN:
                # The replay trusts the events, so only once the chain itself holds.
                report.problems += [str(m) for m in tamper.replay_problems(s)]
        return report

    def backup(self, dest: str | Path) -> Path:
        """A consistent copy of the live database at the new file ``dest``.

        Written under a temporary name and synced before it takes its name, so
        a failure (disk full, stick pulled) leaves no empty or partial file.
        """
        return restore_mod.backup(self.k, dest)

    def restore(self, src: str | Path, before: Callable[[], object] | None = None, *,
                reseal: bool = False) -> RestoreResult:
        """Replace the live data with a backup, checked whole first; the live data is
        kept aside next to the database. The one restore of the CLI and staff mode
        (see kiosk.services.restore)."""
        done = restore_mod.restore(self.k, src, before=before, reseal=reseal)
        self.k.forget_cached_settings()
        if self.k.setting("sync_url") or self.k.setting(recovery.ACKED):
            # The platform may hold events sent after this backup: the next sync
            # round fetches them back (kiosk.services.recovery).
            recovery.mark_pending(self.k, Path(src).name)
        return done

    @property
    def recovery_pending(self) -> bool:
        """Whether the next sync round will fetch back events sent since the restored backup."""
        return recovery.pending(self.k)

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
