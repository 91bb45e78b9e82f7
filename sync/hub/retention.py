"""Retention on the platform: what it keeps about a member, for how long (docs/privacy.md).

``run`` (``nanum hub retention``; the workers' daily ``retention.run`` job):

- **Returned loans** older than the retention period (``NANUM_HUB_RETENTION_DAYS``,
  365 days by default, as ``nanum retention`` on kiosks) lose their member: the
  number is replaced by a keyed pseudonym (HMAC-SHA256 under a key kept in a file
  outside the database, ``NANUM_HUB_PSEUDONYM_KEY``) and the member's home centre.
  The city's indicators count members by the same pseudonym (sync.hub.indicators),
  so no figure changes; without the key file nobody can tell whose loans they were.
- **Notices** older than the period are deleted with their delivery records.
- **Inactive members** (no loan, no return, no sign-in on their page and no change to
  their membership for a site's ``months``) follow their home centre's policy:
  ``keep`` (the default), ``expire`` (erased by the erasure path every kiosk follows,
  sync.hub.lifecycle), or ``re-consent`` (a notice asks them, on their page and by
  e-mail or text message where they agreed to those; any sign-in or loan is their
  answer; erased like ``expire`` when none comes within ``REPLY_DAYS``). Members with
  items on loan are never erased.

The platform keeps item photos only (no photo names a member); kiosks keep their
own photos' retention (kiosk.photos).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, delete, func, select, union_all
from sqlalchemy.orm import Mapped, Session, mapped_column

from kiosk.clock import from_iso, to_iso
from kiosk.errors import BadInput, NotFound
from kiosk.i18n import N_
from kiosk.store.events import HybridClock
from sync.hub import feed, lifecycle
from sync.hub.db import Database
from sync.hub.models import Base, Loan, Member, Notice, NoticeDelivery, Site

KEY_ENV = "NANUM_HUB_PSEUDONYM_KEY"
DAYS_ENV = "NANUM_HUB_RETENTION_DAYS"
KEY_FILENAME = "pseudonym.key"
DEFAULT_DAYS = 365
POLICIES = ("keep", "re-consent", "expire")
DEFAULT_MONTHS = 12
REPLY_DAYS = 60  # a member asked to re-consent has this long to sign in or borrow
MONTHS_MAX = 120
#: the question a member gets (a notice: on their page, and by e-mail / text where they agreed)
ASK = N_("You have not used your sharing membership for a while. To keep it, sign in on your page or "
         "borrow at a centre by {date}; otherwise your membership and what we keep about you are erased.")
_KEYS: dict[str, bytes] = {}


class RetentionPolicy(Base):
    """What a centre does with members inactive for ``months``: keep | re-consent | expire."""

    __tablename__ = "retention_policies"
    site: Mapped[str] = mapped_column(ForeignKey("sites.code"), primary_key=True)
    inactive: Mapped[str] = mapped_column(String(16), default="keep")
    months: Mapped[int] = mapped_column(Integer, default=DEFAULT_MONTHS)
    updated_at: Mapped[str] = mapped_column(String(32))


class MemberActivity(Base):
    """When a member last signed in on their page, and when they were asked to re-consent."""

    __tablename__ = "member_activity"
    member_number: Mapped[str] = mapped_column(String(16), primary_key=True)
    signed_in_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    asked_at: Mapped[str | None] = mapped_column(String(32), nullable=True)


# -- the pseudonym ------------------------------------------------------------------------------
def key_path() -> Path:
    path = os.environ.get(KEY_ENV) or ""
    if not path:
        import platformdirs

        path = str(Path(platformdirs.user_config_dir("nanum-hub")) / KEY_FILENAME)
    return Path(path)


def pseudonym_key() -> bytes:
    """The platform's pseudonym key (32 bytes, hex in a 0600 file created at first use)."""
    path = key_path()
    key = _KEYS.get(str(path))
    if key is None:
        try:
            key = bytes.fromhex(path.read_text().strip())
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another process made it first: use theirs
                key = bytes.fromhex(path.read_text().strip())
            else:
                key = secrets.token_bytes(32)
                try:
                    os.write(fd, key.hex().encode() + b"\n")
                    os.fsync(fd)
                finally:
                    os.close(fd)
        if len(key) != 32:
            raise BadInput("The pseudonym key {path} is damaged: restore it from its backup.", path=str(path))
        _KEYS[str(path)] = key
    return key


def pseudonym(number: str) -> str:
    """The member's pseudonym: 32 hex digits of HMAC-SHA256 under the pseudonym key."""
    return hmac.new(pseudonym_key(), number.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def who_sql(pg: bool, loans: str = "l") -> str:
    """SQL for the member a loan counts for in the indicators: its pseudonym, stored or computed
    from its number (HMAC-SHA256 spelt out with PostgreSQL's sha256(); a function on SQLite).
    Takes the parameters of :func:`sql_params`."""
    col = f"{loans}.member_number"
    if pg:
        mac = (f"left(encode(sha256(CAST(:p_okey AS bytea) || sha256(CAST(:p_ikey AS bytea) || "
               f"convert_to({col}, 'UTF8'))), 'hex'), 32)")
    else:
        mac = f"nanum_pseudonym({col})"
    return f"COALESCE({loans}.member_pseudonym, {mac})"


def sql_params(s: Session, pg: bool) -> dict[str, Any]:
    """The bound values :func:`who_sql` needs (on SQLite, its function is added to the connection)."""
    key = pseudonym_key()
    if pg:
        block = key.ljust(64, b"\0")
        return {"p_ikey": bytes(b ^ 0x36 for b in block), "p_okey": bytes(b ^ 0x5C for b in block)}
    raw: Any = s.connection().connection.driver_connection
    raw.create_function("nanum_pseudonym", 1, lambda n: None if n is None else pseudonym(str(n)),
                        deterministic=True)
    return {}


# -- settings -----------------------------------------------------------------------------------
def default_days() -> int:
    raw = os.environ.get(DAYS_ENV, "")
    try:
        days = int(raw) if raw.strip() else DEFAULT_DAYS
    except ValueError:
        raise BadInput("{name} is a number of days: {value}", name=DAYS_ENV, value=raw) from None
    if days < 0:
        raise BadInput("The retention age cannot be negative.")
    return days


def set_policy(db: Database, site: str, inactive: str, months: int, now: dt.datetime) -> None:
    """A centre's policy for inactive members (``nanum hub retention-policy``)."""
    if inactive not in POLICIES:
        raise BadInput("The policy is one of {choices}.", choices=", ".join(POLICIES))
    if not 1 <= months <= MONTHS_MAX:
        raise BadInput("Inactive months are 1 to {most}.", most=MONTHS_MAX)
    with db.transaction() as s:
        if s.get(Site, site) is None:
            raise NotFound("No site {site} on the platform.", site=site)
        row = s.get(RetentionPolicy, site)
        if row is None:
            s.add(RetentionPolicy(site=site, inactive=inactive, months=months, updated_at=to_iso(now)))
        else:
            row.inactive, row.months, row.updated_at = inactive, months, to_iso(now)


def policies(db: Database) -> dict[str, tuple[str, int]]:
    """Every site's policy: {site: (inactive, months)} (``keep`` where none was set)."""
    with db.transaction() as s:
        rows = {p.site: (p.inactive, p.months) for p in s.execute(select(RetentionPolicy)).scalars()}
        return {site: rows.get(site, ("keep", DEFAULT_MONTHS))
                for site in s.execute(select(Site.code).order_by(Site.code)).scalars()}


def signed_in(s: Session, number: str, now: dt.datetime) -> None:
    """A member signed in on their page: they are active (and answered a re-consent question)."""
    row = s.get(MemberActivity, number)
    if row is None:
        s.add(MemberActivity(member_number=number, signed_in_at=to_iso(now)))
    else:
        row.signed_in_at, row.asked_at = to_iso(now), None


# -- the run ------------------------------------------------------------------------------------
@dataclass
class Report:
    days: int
    loans: int = 0  # returned loans that lost their member
    notices: int = 0  # old notices deleted
    asked: list[str] = field(default_factory=list)  # members asked to re-consent
    expired: list[str] = field(default_factory=list)  # inactive members erased
    kept_on_loan: list[str] = field(default_factory=list)  # inactive, but with items still out

    def as_dict(self) -> dict[str, Any]:
        return {"days": self.days, "loans_pseudonymised": self.loans, "notices_deleted": self.notices,
                "asked_to_reconsent": self.asked, "expired": self.expired, "kept_on_loan": self.kept_on_loan}


def _months_ago(now: dt.datetime, months: int) -> dt.datetime:
    y, m = divmod(now.year * 12 + now.month - 1 - months, 12)
    day = min(now.day, 28)
    return now.replace(year=y, month=m + 1, day=day)


def _hlc_iso(stamp: str | None) -> str:
    """The wall time of a hybrid-clock stamp, as stored timestamps are written ('' when none)."""
    try:
        ms, _ = HybridClock.parse(stamp)
    except (TypeError, ValueError):
        return ""
    return to_iso(dt.datetime.fromtimestamp(ms / 1000, dt.UTC)) if ms else ""


def last_active(s: Session, numbers: list[str]) -> dict[str, str]:
    """When each member last borrowed, returned, signed in or had their membership changed."""
    out = {n: "" for n in numbers}
    for chunk in range(0, len(numbers), 500):
        part = numbers[chunk:chunk + 500]
        q: Any = union_all(
            select(Loan.member_number.label("n"), func.max(Loan.checked_out_at).label("at"))
            .where(Loan.member_number.in_(part)).group_by(Loan.member_number),
            select(Loan.member_number.label("n"), func.max(Loan.returned_at).label("at"))
            .where(Loan.member_number.in_(part)).group_by(Loan.member_number),
            select(MemberActivity.member_number.label("n"), MemberActivity.signed_in_at.label("at"))
            .where(MemberActivity.member_number.in_(part)))
        for number, at in s.execute(q).all():
            if at and at > out[number]:
                out[number] = at
        for number, hlc in s.execute(select(Member.number, Member.updated_hlc).where(Member.number.in_(part))):
            at = _hlc_iso(hlc)
            if at > out[number]:
                out[number] = at
    return out


def run(db: Database, now: dt.datetime, *, days: int | None = None) -> Report:
    """Apply the retention period and the centres' inactive-member policies (see the module)."""
    days = default_days() if days is None else days
    if days < 0:
        raise BadInput("The retention age cannot be negative.")
    report = Report(days)
    cutoff = to_iso(now - dt.timedelta(days=days))
    with db.transaction() as s:
        rows = s.execute(select(Loan, Member.home_site).outerjoin(Member, Member.number == Loan.member_number)
                         .where(Loan.member_number.is_not(None), Loan.returned_at.is_not(None),
                                Loan.returned_at < cutoff)).all()
        for loan, home in rows:
            assert loan.member_number is not None
            loan.member_pseudonym = pseudonym(loan.member_number)
            loan.member_site = home or loan.site
            loan.member_number = None
        report.loans = len(rows)
        old = select(Notice.id).where(Notice.created_at < cutoff).scalar_subquery()
        s.execute(delete(NoticeDelivery).where(NoticeDelivery.notice_id.in_(old)))
        deleted: Any = s.execute(delete(Notice).where(Notice.created_at < cutoff))
        report.notices = int(deleted.rowcount or 0)
    for site, (policy, months) in policies(db).items():
        if policy != "keep":
            _inactive(db, site, policy, months, now, report)
    return report


def _inactive(db: Database, site: str, policy: str, months: int, now: dt.datetime, report: Report) -> None:
    since = to_iso(_months_ago(now, months))
    reply_by = now - dt.timedelta(days=REPLY_DAYS)
    with db.transaction() as s:
        numbers = list(s.execute(select(Member.number).where(Member.home_site == site,
                                                             Member.deleted.is_(False))).scalars())
        active = last_active(s, numbers)
        idle = [n for n in numbers if active[n] < since]
        for number in idle:
            if policy == "re-consent":
                row = s.get(MemberActivity, number)
                # a question counts until the member's next activity (which answers it)
                asked = row.asked_at if row is not None and row.asked_at and row.asked_at > active[number] else None
                if asked is None:
                    if row is None:
                        row = MemberActivity(member_number=number)
                        s.add(row)
                    row.asked_at = to_iso(now)
                    s.add(Notice(member_number=number, msgid=ASK, created_at=to_iso(now),
                                 params={"date": (now + dt.timedelta(days=REPLY_DAYS)).date().isoformat()}))
                    report.asked.append(number)
                    continue
                if from_iso(asked) > reply_by:
                    continue  # still time to answer
            if lifecycle.open_loans(s, number):
                report.kept_on_loan.append(number)
                continue
            lifecycle.erase(s, number, feed.Notifier(s), now=now)  # notices and activity go too
            report.expired.append(number)
