"""Applying a batch with few statements: loans lent, returned and renewed.

Nearly every event a kiosk sends is a loan lent, returned or renewed of an
item and member the platform knows. Those are applied here on plain Python
records preloaded with a handful of queries, and written back with one
statement per table (COPY or executemany), instead of one ORM object and one
INSERT or UPDATE per event. Every other event, and every loan event that
needs more (an unknown item, a reservation to fulfil or displace, a hold),
goes to the ORM handlers of sync.hub.ingest.Applier, in order.

The rules are exactly the Applier's. At each switch between the two, the
state is handed over: records written here are written out (and expired in
the ORM session) before an ORM handler runs; the ORM's changes are flushed
and copied here before the next plain record is used. The ``requested``
lists (platform requests waiting per item) live in the Applier throughout.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlalchemy import ColumnElement, String, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.orm.util import identity_key

from sync.hub.bulk import insert_rows, update_rows
from sync.hub.ingest import Applier, batch_keys, handler_name, name_items, parse_payloads
from sync.hub.models import Conflict, Item, Kiosk, Loan, Member, Reservation
from sync.protocol import WireEvent

LOAN_COLUMNS = ("uid", "item_key", "member_number", "member_type", "site", "kiosk_id",
                "checked_out_at", "checkout_hlc", "due_on", "renewals", "returned_at",
                "return_site", "condition", "transfer")
CONFLICT_COLUMNS = ("at", "kiosk_id", "event_id", "kind", "subject", "detail")
_FAST = {handler_name(t) for t in ("loan.checked_out", "loan.returned", "loan.renewed")}
_CHUNK = 500
_Column = ColumnElement[str] | QueryableAttribute[str]


class PlainItem:
    """What a loan event reads and writes of an item."""

    __slots__ = ("code", "retired", "home_site", "status", "location", "written")

    def __init__(self, code: str, retired: bool, home_site: str, status: str, location: str) -> None:
        self.code, self.retired, self.home_site = code, retired, home_site
        self.status, self.location = status, location
        self.written = (status, location)


class PlainLoan:
    """A loan row; ``stored`` says the row exists in the database."""

    __slots__ = LOAN_COLUMNS + ("stored", "dirty")
    # the columns (LOAN_COLUMNS), set by name in __init__
    uid: str
    item_key: str
    member_number: str | None
    member_type: str | None
    site: str | None
    kiosk_id: str | None
    checked_out_at: str | None
    checkout_hlc: str | None
    due_on: str | None
    renewals: int
    returned_at: str | None
    return_site: str | None
    condition: str | None
    transfer: bool
    stored: bool
    dirty: bool

    def __init__(self, uid: str, item_key: str, member_number: str | None = None, *,
                 stored: bool = False, **fields: Any) -> None:
        for name in LOAN_COLUMNS:
            setattr(self, name, fields.get(name))
        self.uid, self.item_key, self.member_number = uid, item_key, member_number
        if self.renewals is None:
            self.renewals = 0
        if self.transfer is None:
            self.transfer = False
        self.stored, self.dirty = stored, not stored

    def row(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in LOAN_COLUMNS)


def _plain_loan(loan: Loan) -> PlainLoan:
    return PlainLoan(loan.uid, loan.item_key, loan.member_number, stored=True,
                     **{c: getattr(loan, c) for c in LOAN_COLUMNS[3:]})


def _is_str(value: Any) -> bool:
    return type(value) is str


def _str_or_none(value: Any) -> bool:
    return value is None or type(value) is str


class BatchApplier:
    """Applies one batch of a kiosk's events; same records as ``Applier.apply_all``."""

    def __init__(self, s: Session, kiosk: Kiosk, now: str) -> None:
        self.s = s
        self.now = now
        self.kiosk_id = kiosk.kiosk_id
        self.site = kiosk.site
        self.orm = Applier(s, kiosk, now)
        self.items: dict[str, PlainItem | None] = {}
        self.loans: dict[str, PlainLoan | None] = {}
        # number -> (member type,); None: no such member
        self.members: dict[str, tuple[str] | None] = {}
        self.open_loans: dict[str, list[PlainLoan]] = defaultdict(list)
        self.conflicts: list[tuple[Any, ...]] = []
        self.plain = True  # the plain records hold the current state (else the ORM's caches)
        self.touched_items: set[str] = set()  # written here since the ORM last saw them
        self.touched_loans: set[str] = set()

    # -- loading -----------------------------------------------------------------
    def _preload(self, parsed: list[tuple[WireEvent, dict[str, Any]]]) -> None:
        codes, uids, numbers = batch_keys(self, parsed)
        # One query per table. A batch holds at most MAX_BATCH events, so the
        # lists stay far below any database's limit on parameters.
        conn = self.s.connection()
        among = _any if conn.dialect.name == "postgresql" else _in
        it, ln, mb = Item.__table__.c, Loan.__table__.c, Member.__table__.c
        if codes:
            for r in conn.execute(select(it.key, it.retired, it.home_site, it.status, it.location)
                                  .where(among(it.key, codes))):
                self.items[r[0]] = PlainItem(r[0], r[1], r[2], r[3], r[4])
        loan_cols = [ln[c] for c in LOAN_COLUMNS]
        if codes:
            # The same query as the Applier's: two open loans of one item come in the same order.
            for r in conn.execute(select(*loan_cols).where(among(ln.item_key, codes),
                                                           ln.returned_at.is_(None))):
                loan = PlainLoan(r[0], r[1], r[2], stored=True, **dict(zip(LOAN_COLUMNS[3:], r[3:])))
                self.open_loans[loan.item_key].append(loan)
                self.loans[loan.uid] = loan
        if uids:
            for r in conn.execute(select(*loan_cols).where(among(ln.uid, uids))):
                if self.loans.get(r[0]) is None:  # an open loan loaded above stays one record
                    self.loans[r[0]] = PlainLoan(r[0], r[1], r[2], stored=True,
                                                 **dict(zip(LOAN_COLUMNS[3:], r[3:])))
        requested = self.orm.requested
        if codes:
            requested.update((code, []) for code in sorted(codes))
            for res in self.s.execute(select(Reservation).where(
                    among(Reservation.item_key, codes), Reservation.status == "requested")
                    .order_by(Reservation.created_at, Reservation.uid)).scalars():
                requested[res.item_key].append(res)
        if numbers:
            for number, member_type in conn.execute(select(mb.number, mb.member_type)
                                                    .where(among(mb.number, numbers))):
                self.members[number] = (member_type,)

    # -- applying ----------------------------------------------------------------
    def apply_all(self, events: list[WireEvent]) -> None:
        self.apply_parsed(name_items(parse_payloads(events), self.site))

    def apply_parsed(self, parsed: list[tuple[WireEvent, dict[str, Any]]]) -> None:
        """Apply events with their payloads (as sync.hub.push validated them)."""
        self._preload(parsed)
        for ev, p in parsed:
            name = handler_name(ev.type)
            if name in _FAST:
                if not self.plain:
                    self._from_orm()
                if self._fits(name, p):
                    getattr(self, name)(ev, p)
                    continue
            elif not hasattr(self.orm, name):
                continue  # nothing for the platform to do (staff logins...)
            if self.plain:
                self._to_orm()
            self.orm.apply_one(ev, p)
        if self.plain:
            self._write()
        self.orm.write_loan_changes()
        self.s.flush()

    def _fits(self, name: str, p: dict[str, Any]) -> bool:
        """Whether this loan event needs nothing but the plain records."""
        uid = p.get("loan")
        if not _is_str(uid) or uid not in self.loans:
            return False
        if name == "on_loan_renewed":
            return (("due" not in p or _str_or_none(p["due"]))
                    and ("renewals" not in p or type(p["renewals"]) is int))
        code, member = p.get("item"), p.get("member")
        if not _is_str(code) or code not in self.items or not _str_or_none(member) \
                or not _str_or_none(p.get("site")):
            return False
        if name == "on_loan_returned":
            item = self.items[code]
            site = p.get("site") or self.site
            # Held for a reservation, or home from a transfer: the ORM applier does those.
            return _str_or_none(p.get("condition")) and not (
                item is not None and site == item.home_site
                and (p.get("destination") == "reservation_shelf" or item.status == "in_transit"))
        return (self.items[code] is not None and (not member or member in self.members)
                and _str_or_none(p.get("due")) and not p.get("reservation")
                and self.orm.requested.get(code) == [])

    def _flag(self, ev: WireEvent, kind: str, subject: str, **detail: Any) -> None:
        self.conflicts.append((self.now, self.kiosk_id, ev.event_id, kind, subject, detail))

    def on_loan_checked_out(self, ev: WireEvent, p: dict[str, Any]) -> None:
        code, uid = p["item"], p["loan"]
        item = self.items[code]
        assert item is not None  # _fits lets only known items through
        if item.retired:
            self._flag(ev, "retired_item_lent", code)
        number = p.get("member")
        member = self.members[number] if number else None
        if member is None:
            self._flag(ev, "unknown_member", number or "")
        for other in self.open_loans[code]:
            if other.uid != uid:
                # The item is in someone's hands here: the older loan's return was never recorded.
                self._flag(ev, "checkout_while_on_loan", code, open_loan=other.uid)
                other.returned_at = ev.at
                other.condition = "unrecorded"
                other.dirty = True
        loan = self.loans[uid]
        if loan is None:
            loan = self.loans[uid] = PlainLoan(uid, code)
        loan.member_number = number
        loan.member_type = member[0] if member else None
        loan.site = p.get("site") or self.site
        loan.kiosk_id = self.kiosk_id
        loan.checked_out_at = ev.at
        loan.checkout_hlc = ev.hlc
        loan.due_on = p.get("due")
        loan.dirty = True
        if loan.returned_at is None:
            item.status = "on_loan"
            item.location = loan.site
            self.open_loans[code] = [loan]
        self.orm.requested[code] = []

    def on_loan_renewed(self, ev: WireEvent, p: dict[str, Any]) -> None:
        loan = self.loans[p["loan"]]
        if loan is None:
            self._flag(ev, "unknown_loan", p["loan"])
            return
        loan.due_on = p.get("due") or loan.due_on  # a renewal never takes the due day away
        loan.renewals = p.get("renewals", loan.renewals + 1)
        loan.dirty = True

    def on_loan_returned(self, ev: WireEvent, p: dict[str, Any]) -> None:
        code, uid = p["item"], p["loan"]
        site = p.get("site") or self.site
        loan = self.loans[uid]
        if loan is None:
            # The return arrived before its checkout: keep it; the checkout fills in the rest.
            self._flag(ev, "unknown_loan", uid, item=code)
            loan = self.loans[uid] = PlainLoan(uid, code, p.get("member"))
        loan.returned_at = ev.at
        self.open_loans[code] = [o for o in self.open_loans[code] if o.uid != uid]
        loan.return_site = site
        loan.condition = p.get("condition")
        loan.dirty = True
        item = self.items[code]
        if item is None:
            self._flag(ev, "unknown_item", code)
            return
        item.location = site
        if site != item.home_site:
            loan.transfer = True
            item.status = "in_transit"
            self._flag(ev, "transfer", code, from_site=site, to_site=item.home_site)
        elif p.get("destination") == "shelf":
            item.status = "available"
        else:
            item.status = "inspection"

    # -- handing over ------------------------------------------------------------
    def _write(self) -> None:
        """Write the plain records' changes (and the flags raised) to the database."""
        new = [ln for ln in self.loans.values() if ln is not None and ln.dirty and not ln.stored]
        changed = sorted((ln for ln in self.loans.values() if ln is not None and ln.dirty and ln.stored),
                         key=lambda ln: ln.uid)
        insert_rows(self.s, Loan.__table__, LOAN_COLUMNS, [ln.row() for ln in new])
        update_rows(self.s, Loan.__table__, "uid", LOAN_COLUMNS[1:], [ln.row() for ln in changed])
        for ln in new:
            ln.stored = True
        for ln in new + changed:
            ln.dirty = False
        # The kiosks of each loan's centre learn of it (see Applier.loan_changed).
        self.orm.loans_changed.update((ln.uid, ln.site) for ln in new + changed if ln.site)
        self.touched_loans.update(ln.uid for ln in changed)
        items = sorted((i for i in self.items.values()
                        if i is not None and (i.status, i.location) != i.written), key=lambda i: i.code)
        update_rows(self.s, Item.__table__, "key", ("status", "location"),
                    [(i.code, i.status, i.location) for i in items])
        for i in items:
            i.written = (i.status, i.location)
        self.touched_items.update(i.code for i in items)
        if self.conflicts:
            self.s.connection().execute(Conflict.__table__.insert(),
                                        [dict(zip(CONFLICT_COLUMNS, c)) for c in self.conflicts])
            self.conflicts = []

    def _to_orm(self) -> None:
        """Hand the state to the ORM handlers: write it out and point their caches at it."""
        self._write()
        s, orm, im = self.s, self.orm, self.s.identity_map
        for cls, keys in ((Item, self.touched_items), (Loan, self.touched_loans)):
            for key in keys:
                obj = im.get(identity_key(cls, key))
                if obj is not None:
                    s.expire(obj)  # written here, behind the ORM's back
        self.touched_items, self.touched_loans = set(), set()
        # Known-missing records stay known-missing; the others load on first use
        # (from the identity map when the ORM had them already).
        orm.items = {k: None for k, v in self.items.items() if v is None}
        orm.members = {k: None for k, v in self.members.items() if v is None}
        orm.loans = {k: None for k, v in self.loans.items() if v is None}
        wanted = [ln.uid for lst in self.open_loans.values() for ln in lst]
        open_loans: dict[str, Loan] = {}
        for chunk in _chunks(wanted):
            for obj in s.execute(select(Loan).where(Loan.uid.in_(chunk))).scalars():
                orm.loans[obj.uid] = open_loans[obj.uid] = obj
        orm.open_loans = defaultdict(list, {code: [open_loans[ln.uid] for ln in lst]
                                            for code, lst in self.open_loans.items()})
        self.plain = False

    def _from_orm(self) -> None:
        """Take the state back from the ORM handlers (their changes flushed first).

        Records the ORM handlers never looked at are unchanged since they were
        written, so only the ORM's caches are copied over the plain records.
        """
        self.s.flush()
        orm = self.orm
        for k, i in orm.items.items():
            self.items[k] = None if i is None else PlainItem(i.key, i.retired, i.home_site,
                                                             i.status, i.location)
        for k, m in orm.members.items():
            self.members[k] = None if m is None else (m.member_type,)
        for k, ln in orm.loans.items():
            self.loans[k] = None if ln is None else _plain_loan(ln)
        self.open_loans = defaultdict(list)
        for code, lst in orm.open_loans.items():
            plain = []
            for ln in lst:
                record = self.loans.get(ln.uid)
                if record is None or ln.uid not in orm.loans:
                    record = self.loans[ln.uid] = _plain_loan(ln)
                plain.append(record)
            self.open_loans[code] = plain
        self.plain = True


def _in(column: _Column, values: set[str]) -> ColumnElement[bool]:
    return column.in_(sorted(values))


def _any(column: _Column, values: set[str]) -> ColumnElement[bool]:
    # One array parameter: the statement text is the same for every batch size.
    return column == any_(bindparam(None, sorted(values), type_=ARRAY(String())))


def _chunks(seq: list[str], n: int = _CHUNK) -> Iterator[list[str]]:
    for i in range(0, len(seq), n):
        yield seq[i:i + n]
