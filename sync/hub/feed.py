"""The change feed kiosks pull: positions, pages, compaction and expired cursors.

A change row says "record (kind, key) changed for this site" (site NULL: the
whole city). Its position is ``(txid, id)``: the id of the transaction that
wrote it (PostgreSQL) and a serial number. A page holds only rows whose
transaction is older than the oldest transaction still running
(``pg_snapshot_xmin``), so a row that commits late can never land behind a
cursor that has already moved past it; it is delayed until it commits.

Bodies are read from the records when the page is built, so whichever of two
writers of one record commits last, the kiosk ends with the newest state.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, text, tuple_
from sqlalchemy.orm import Session

from kiosk.clock import utcnow
from kiosk.services.members import NOT_HONOURED
from sync.events import sane_hlc
from sync.hub.models import CardPolicy, Change, ClosedDay, Item, Loan, Member, Meta, Reservation, Transfer
from sync.protocol import OPTIONAL_KINDS

ACTIVE_RESERVATION = ("requested", "waiting", "held")
KINDS = ("item", "member", "reservation", "closed_day")
FINAL_RESERVATION = ("fulfilled", "cancelled", "expired")


#: what Position.encode writes (ASCII digits only: a forged cursor is simply expired)
_CURSOR = re.compile(r"^v1\.([0-9A-Za-z]{1,64})\.([0-9]{1,19})\.([0-9]{1,19})$")


class CursorExpired(Exception):
    """The cursor points before the purge horizon or at another epoch."""


@dataclass(frozen=True)
class Position:
    txid: int
    id: int

    def encode(self, epoch: str) -> str:
        return f"v1.{epoch}.{self.txid}.{self.id}"


def decode_cursor(cursor: str, epoch: str, horizon: Position) -> Position:
    """Check a cursor; raise CursorExpired when it can no longer be followed."""
    m = _CURSOR.match(cursor)
    if m is None:
        raise CursorExpired("unreadable cursor")
    if m[1] != epoch:
        raise CursorExpired("cursor from another epoch")
    pos = Position(int(m[2]), int(m[3]))
    if not (pos.txid < 2 ** 63 and pos.id < 2 ** 63):
        raise CursorExpired("cursor out of range")  # no position the platform ever gave
    if (pos.txid, pos.id) < (horizon.txid, horizon.id):
        raise CursorExpired("cursor before the purge horizon")
    return pos


# -- meta -------------------------------------------------------------------------
def get_meta(s: Session, key: str, default: Any = None) -> Any:
    row = s.get(Meta, key)
    return default if row is None else row.value


def set_meta(s: Session, key: str, value: Any) -> None:
    row = s.get(Meta, key)
    if row is None:
        s.add(Meta(key=key, value=value))
    else:
        row.value = value


def ensure_epoch(s: Session) -> str:
    epoch = get_meta(s, "epoch")
    if not isinstance(epoch, str):
        epoch = secrets.token_hex(4)
        set_meta(s, "epoch", epoch)
        set_meta(s, "horizon", [0, 0])
    return epoch


def horizon(s: Session) -> Position:
    h = get_meta(s, "horizon", [0, 0])
    return Position(int(h[0]), int(h[1]))


# -- writing ----------------------------------------------------------------------
class Notifier:
    """Collects "record changed" rows of one transaction (one row per record)."""

    def __init__(self, s: Session) -> None:
        self.s = s
        self.seen: set[tuple[str, str, str | None]] = set()

    def __call__(self, kind: str, key: str, site: str | None) -> None:
        k = (kind, key, site)
        if k not in self.seen:
            self.seen.add(k)
            self.s.add(Change(kind=kind, key=key, site=site))

    def flush(self) -> None:
        self.s.flush()


def member_sites(s: Session, number: str) -> list[str]:
    """Every site whose feed ever named this member."""
    return [site for site in s.execute(select(Change.site).where(
        Change.kind == "member", Change.key == number).distinct()).scalars() if site is not None]


# -- reading ----------------------------------------------------------------------
def visible_limit(s: Session, postgres: bool) -> int | None:
    """The oldest transaction still running: rows of older transactions are final.

    Read once per page and used for every query of the page, so a page never
    mixes two different limits.
    """
    if not postgres:
        return None  # SQLite: one writer, rows commit in id order
    return int(s.execute(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")).scalar_one())


def read_page(s: Session, site: str, after: Position | None, limit: int,
              postgres: bool) -> tuple[list[Change], bool]:
    """Up to ``limit`` change rows after ``after`` for ``site`` (and the city)."""
    start = after or Position(-1, -1)
    xmin = visible_limit(s, postgres)
    rows: list[Change] = []
    for where_site in (Change.site == site, Change.site.is_(None)):
        q = select(Change).where(where_site,
                                 tuple_(Change.txid, Change.id) > tuple_(start.txid, start.id))
        if xmin is not None:
            q = q.where(Change.txid < xmin)
        rows += s.execute(q.order_by(Change.txid, Change.id).limit(limit + 1)).scalars().all()
    rows.sort(key=lambda c: (c.txid, c.id))
    return rows[:limit], len(rows) > limit


def _list(value: Any) -> list[Any]:
    # JSON columns written outside the platform's code may hold anything.
    return value if isinstance(value, list) else []


def item_body(item: Item) -> dict[str, Any]:
    body = {"code": item.code, "name_ko": item.name_ko, "name_en": item.name_en,
            "name_zh": item.name_zh or "", "name_vi": item.name_vi or "",
            "category": item.category, "home_site": item.home_site, "parts": _list(item.parts),
            "replacement_value": item.replacement_value, "age_min_months": item.age_min_months,
            "age_max_months": item.age_max_months, "safe_use_ko": item.safe_use_ko,
            "safe_use_en": item.safe_use_en,
            "aliases": sorted(a for a in _list(item.aliases) if isinstance(a, str)),
            "retired": bool(item.retired)}
    if item.moved_from:
        body["moved_from"] = item.moved_from  # kiosks re-home their row of the item
    if item.origin != "platform":
        # A kiosk's item.added event does not carry these; that kiosk keeps its own.
        for f in ("age_min_months", "age_max_months", "safe_use_ko", "safe_use_en"):
            body[f] = None
    return body


def member_body(m: Member) -> dict[str, Any]:
    # NULL name/card: only the kiosk that registered the member knows them.
    return {"number": m.number, "display_name": m.display_name, "card_hash": m.card_hash,
            "member_type": m.member_type, "expires_on": m.expires_on, "status": m.status,
            "language": m.language, "home_site": m.home_site, "pin_hash": m.pin_hash,
            "phone_card_hash": m.phone_card_hash}


def guest_body(m: Member, honoured: bool) -> dict[str, Any]:
    """Another centre's member as a kiosk may know them: never a name or contact.

    Honoured: what lending and number + PIN sign-in need. Not honoured: only
    the card's hash and home centre, so the kiosk can say why it refuses the card.
    """
    if honoured:
        return {"number": m.number, "display_name": None, "card_hash": m.card_hash,
                "member_type": m.member_type, "expires_on": m.expires_on, "status": m.status,
                "language": m.language, "home_site": m.home_site, "pin_hash": m.pin_hash,
                "phone_card_hash": m.phone_card_hash}
    return {"number": m.number, "display_name": None, "card_hash": m.card_hash,
            "member_type": m.member_type, "expires_on": m.expires_on, "status": NOT_HONOURED,
            "language": m.language, "home_site": m.home_site, "pin_hash": None,
            "phone_card_hash": m.phone_card_hash}


def honoured_sites(s: Session, site: str) -> set[str] | None:
    """The centres whose cards ``site`` honours besides its own; None: every centre."""
    policy = s.get(CardPolicy, site)
    if policy is None or policy.honour == "none":
        return set()
    if policy.honour == "all":
        return None
    return {x for x in _list(policy.sites) if isinstance(x, str)}


def reservation_body(r: Reservation) -> dict[str, Any]:
    site, _, code = r.item_key.rpartition("/")
    return {"uid": r.uid, "item": code, "item_site": site, "member": r.member_number, "status": r.status,
            "created_at": r.created_at, "hold_until": r.hold_until}


def transfer_body(t: Transfer) -> dict[str, Any]:
    site, _, code = t.item_key.rpartition("/")
    return {"uid": t.uid, "item": code, "item_site": site, "from_site": t.from_site,
            "to_site": t.to_site, "loan": t.loan_uid, "started_at": t.started_at,
            "received_at": t.received_at, "parts_expected": t.parts_expected,
            "parts_counted": t.parts_counted, "condition": t.condition}


def loan_body(ln: Loan) -> dict[str, Any]:
    """A loan as the other kiosks of its centre keep it: who, what, until when."""
    site, _, code = ln.item_key.rpartition("/")
    return {"uid": ln.uid, "item": code, "item_site": site, "member": ln.member_number,
            "member_type": ln.member_type, "site": ln.site, "kiosk_id": ln.kiosk_id,
            "checked_out_at": ln.checked_out_at, "due": ln.due_on, "renewals": ln.renewals,
            "returned_at": ln.returned_at, "return_site": ln.return_site, "condition": ln.condition}


def member_row(m: Member | None, site: str, active_here: set[str],
                honours: set[str] | None) -> dict[str, Any] | None:
    """The member as ``site`` sees them: its own in full, another centre's without
    a name (see guest_body), or None (a tombstone) once forgotten."""
    if m is None or m.deleted:
        return None
    if m.home_site == site:
        return member_body(m)
    if m.number in active_here:  # reserved here: they may pick it up
        return guest_body(m, True)
    return guest_body(m, honours is None or m.home_site in honours)


def bodies(s: Session, site: str, changes: list[Change], kinds: tuple[str, ...] = KINDS,
           kiosk_id: str | None = None) -> tuple[list[dict[str, Any]], str]:
    """The rows of a page (each record's current state, or a tombstone) and
    the newest HLC stamp among them; rows of other kinds than ``kinds`` are passed
    over, and so are the loans kiosk ``kiosk_id`` made as it made them (it has them)."""
    keys: dict[str, set[str]] = {}
    for c in changes:
        keys.setdefault(c.kind, set()).add(c.key)
    items = {i.key: i for i in s.execute(select(Item).where(
        Item.key.in_(keys.get("item", ())))).scalars()} if "item" in keys else {}
    members, active_here = {}, set()
    if "member" in keys:
        members = {m.number: m for m in s.execute(select(Member).where(
            Member.number.in_(keys["member"]))).scalars()}
        active_here = set(s.execute(select(Reservation.member_number).where(
            Reservation.site == site, Reservation.member_number.in_(keys["member"]),
            Reservation.status.in_(ACTIVE_RESERVATION))).scalars())
    reservations = {r.uid: r for r in s.execute(select(Reservation).where(
        Reservation.uid.in_(keys.get("reservation", ())))).scalars()} if "reservation" in keys else {}
    days = {d.day: d for d in s.execute(select(ClosedDay).where(
        ClosedDay.site == site, ClosedDay.day.in_(keys.get("closed_day", ())))).scalars()} \
        if "closed_day" in keys else {}
    transfers = {t.uid: t for t in s.execute(select(Transfer).where(
        Transfer.uid.in_(keys.get("transfer", ())))).scalars()} \
        if "transfer" in keys and "transfer" in kinds else {}
    loans = {ln.uid: ln for ln in s.execute(select(Loan).where(
        Loan.uid.in_(keys.get("loan", ())))).scalars()} if "loan" in keys and "loan" in kinds else {}
    out = []
    newest = ""
    honours = honoured_sites(s, site) if "member" in keys else set()
    # A malformed or far-future stamp (stored before stamps were checked) must
    # neither break the page nor push every kiosk's clock ahead.
    now_ms = int(utcnow().timestamp() * 1000)
    for c in changes:
        if c.kind not in kinds:
            continue  # never written by the platform: passed over, never a broken page
        body: dict[str, Any] | None = None
        if c.kind == "item" and c.key in items:
            body = item_body(items[c.key])
            newest = max(newest, sane_hlc(items[c.key].updated_hlc, now_ms))
        elif c.kind == "member":
            body = member_row(members.get(c.key), site, active_here, honours)
            if body is not None:
                newest = max(newest, sane_hlc(members[c.key].updated_hlc, now_ms))
        elif c.kind == "reservation" and c.key in reservations:
            body = reservation_body(reservations[c.key])
        elif c.kind == "closed_day" and c.key in days:
            body = {"day": c.key, "reason": days[c.key].reason}
        elif c.kind == "transfer" and c.key in transfers:
            body = transfer_body(transfers[c.key])
        elif c.kind == "loan":
            loan = loans.get(c.key)
            if loan is None or loan.site != site or (
                    loan.kiosk_id == kiosk_id and loan.returned_at is None and not loan.renewals):
                continue  # none to tell of, or the kiosk's own loan as it made it
            body = loan_body(loan)
        out.append({"kind": c.kind, "key": c.key, "deleted": body is None, "body": body})
    return out, newest


def pull(s: Session, site: str, cursor: str | None, limit: int, postgres: bool,
         extra: tuple[str, ...] = (), kiosk_id: str | None = None) -> dict[str, Any]:
    """One page of the feed for ``site`` with the ``extra`` kinds the kiosk reads
    (see sync.protocol.OPTIONAL_KINDS); raises CursorExpired."""
    epoch = ensure_epoch(s)
    after = decode_cursor(cursor, epoch, horizon(s)) if cursor else None
    changes, more = read_page(s, site, after, limit, postgres)
    last = Position(changes[-1].txid, changes[-1].id) if changes else after or Position(0, 0)
    rows, newest = bodies(s, site, changes, KINDS + tuple(k for k in extra if k in OPTIONAL_KINDS),
                          kiosk_id)
    return {"cursor": last.encode(epoch), "more": more, "reset": after is None, "rows": rows,
            "newest_hlc": newest}


# -- compaction -------------------------------------------------------------------
def compact(s: Session, purge_before: str | None = None) -> dict[str, int]:
    """Drop change rows another row of the same record supersedes; with
    ``purge_before`` (UTC ISO time) also delete reservations that ended before
    it, with their rows, and move the horizon past them (older cursors expire).
    """
    latest = (select(Change.kind, Change.key, Change.site)
              .group_by(Change.kind, Change.key, Change.site).having(func.count() > 1).subquery())
    dupes = s.execute(select(Change.id, Change.txid, Change.kind, Change.key, Change.site)
                      .join(latest, and_(Change.kind == latest.c.kind, Change.key == latest.c.key,
                                         or_(Change.site == latest.c.site,
                                             and_(Change.site.is_(None), latest.c.site.is_(None)))))
                      ).all()
    # Keep the row with the highest position of each record; any cursor either
    # passed it (and saw the state at or after it) or will still meet it.
    best: dict[tuple[str, str, str | None], tuple[int, int]] = {}
    for row in dupes:
        k = (row.kind, row.key, row.site)
        best[k] = max(best.get(k, (-1, -1)), (row.txid, row.id))
    drop = [row.id for row in dupes if (row.txid, row.id) != best[(row.kind, row.key, row.site)]]
    for i in range(0, len(drop), 1000):
        s.execute(delete(Change).where(Change.id.in_(drop[i:i + 1000])))
    purged = 0
    if purge_before is not None:
        old = list(s.execute(select(Reservation.uid).where(
            Reservation.status.in_(FINAL_RESERVATION),
            Reservation.updated_at < purge_before)).scalars())
        for i in range(0, len(old), 1000):
            chunk = old[i:i + 1000]
            rows = s.execute(select(Change.txid, Change.id).where(
                Change.kind == "reservation", Change.key.in_(chunk))).all()
            if rows:
                top = max((r.txid, r.id) for r in rows)
                h = horizon(s)
                if top > (h.txid, h.id):
                    set_meta(s, "horizon", [top[0], top[1]])
            s.execute(delete(Change).where(Change.kind == "reservation", Change.key.in_(chunk)))
            s.execute(delete(Reservation).where(Reservation.uid.in_(chunk)))
            purged += len(chunk)
    return {"superseded": len(drop), "purged_reservations": purged}
