"""The set-based ingest (sync.hub.fastapply) leaves exactly the records the
one-event-at-a-time Applier leaves: random mixed batches are applied both
ways to two copies of one platform and every table is compared."""

from __future__ import annotations

import json
import random
import shutil
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kiosk.store.events import GENESIS, HybridClock, event_hash
from sync.hub import admin
from sync.hub.db import Database
from sync.hub.fastapply import BatchApplier
from sync.hub.ingest import Applier
from sync.hub.models import Change, ClosedDay, Conflict, Event, Item, Kiosk, Loan, Member, Notice, Reservation
from sync.hub.push import chain_hash, push
from sync.protocol import PushedEvent, PushRequest, WireEvent

NOW = "2026-03-10T01:00:00.000000Z"
KIOSK = "GN01-k"
A_ITEMS = [f"T-{i:05d}" for i in range(1, 9)]  # at GN01; T-00001..T-00004 are copies of one drill
B_ITEMS = ["T-00101", "T-00102"]  # at MP01
NEW_ITEMS = ["T-00201", "T-00202"]  # unknown until a kiosk adds them
MEMBERS = ["M-000001", "M-000002", "M-900001"]


def _stock(db: Database) -> None:
    admin.init(db)
    admin.add_site(db, "GN01", "강남")
    admin.add_site(db, "MP01", "마포")
    admin.add_kiosk(db, KIOSK, "GN01")
    with db.transaction() as s:
        for i, code in enumerate(A_ITEMS + B_ITEMS):
            site = "GN01" if code in A_ITEMS else "MP01"
            name = "전동드릴" if i < 4 else f"물품 {code}"
            s.add(Item(code=code, name_ko=name, home_site=site, location=site, parts=[], aliases=[],
                       retired=code == "T-00008", status="available", origin="platform"))
        for n in MEMBERS:
            s.add(Member(number=n, home_site="MP01" if n == "M-900001" else "GN01",
                         member_type="child" if n == "M-000002" else "standard",
                         expires_on="2099-12-31", status="active", language="ko",
                         origin="platform", deleted=False))
        # Loans the platform holds already: two open on one item (a missed return), one renewed.
        for uid, code, returned in (("old-1", "T-00005", None), ("old-2", "T-00005", None),
                                    ("old-3", "T-00006", None), ("old-4", "T-00007", NOW)):
            s.add(Loan(uid=uid, item_key="GN01/" + code, member_number="M-000001", member_type="standard",
                       site="GN01", kiosk_id=KIOSK, checked_out_at="2026-03-01T00:00:00Z",
                       due_on="2026-03-08", renewals=0, returned_at=returned, transfer=False))
        # Online requests waiting for the kiosk.
        for uid, code, member in (("req-1", "T-00001", "M-900001"), ("req-2", "T-00002", "M-000002"),
                                  ("req-3", "T-00003", "M-900001")):
            s.add(Reservation(uid=uid, item_key="GN01/" + code, member_number=member, site="GN01",
                              status="requested", source="platform", created_at="2026-03-09T00:00:00Z",
                              updated_at="2026-03-09T00:00:00Z"))


class Log:
    """A kiosk's random but plausible log: mostly loans, some of everything else."""

    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)
        self.seq = 0
        self.hlc: str | None = None
        self.open: dict[str, str] = {"old-1": "T-00005", "old-2": "T-00005", "old-3": "T-00006"}
        self.seen_loans = ["old-1", "old-2", "old-3", "old-4"]
        self.early_returns: list[tuple[str, str]] = []  # returned before the checkout arrives
        self.members = list(MEMBERS)
        self.reservations = ["req-1", "req-2", "req-3"]

    def event(self, type_: str, payload) -> WireEvent:
        self.seq += 1
        self.hlc = HybridClock.tick(self.hlc, 1773014400000 + self.seq * 60000)
        body = payload if isinstance(payload, str) else json.dumps(payload, sort_keys=True)
        return WireEvent(event_id=str(uuid.UUID(int=self.rnd.getrandbits(128))), kiosk_id=KIOSK,
                         seq=self.seq, type=type_, at=f"2026-03-09T{self.seq // 60 % 24:02d}:"
                         f"{self.seq % 60:02d}:00.000000Z", hlc=self.hlc, actor=None, payload=body,
                         prev_hash="0" * 64, hash="0" * 64)

    def pick(self, *choices):
        return self.rnd.choice(choices)

    def next(self) -> WireEvent:
        r, pick = self.rnd.random(), self.pick
        if r < 0.35:
            return self.checkout()
        if r < 0.65:
            return self.give_back()
        if r < 0.72:
            uid = pick(*self.seen_loans, "nobody")
            p = {"loan": uid}
            if self.rnd.random() < 0.7:
                p["due"] = pick("2026-04-01", None)
            if self.rnd.random() < 0.5:
                p["renewals"] = pick(1, 2, "3", None, 2.5)
            return self.event("loan.renewed", p)
        if r < 0.76:
            number = pick(f"M-{self.rnd.randint(10, 30):06d}", *self.members)
            self.members.append(number)
            return self.event("member.registered", {"member": number, "type": "standard"})
        if r < 0.79:
            return self.event("item.added", {"item": pick(*NEW_ITEMS, "T-00001"), "name_ko": "새 물품",
                                             "home_site": "GN01"})
        if r < 0.83:
            uid = pick(*self.reservations, str(uuid.UUID(int=self.rnd.getrandbits(128))))
            self.reservations.append(uid)
            return self.event("reservation.created", {
                "reservation": uid, "item": pick(*A_ITEMS), "member": pick(*self.members),
                "status": pick("waiting", "held"), "hold_until": "2026-03-12"})
        if r < 0.86:
            return self.event(pick("reservation.cancelled", "reservation.expired"), {
                "reservation": pick(*self.reservations), "item": pick(*A_ITEMS),
                "next": pick(None, *self.members)})
        if r < 0.88:
            return self.event("item.status_changed", {"item": pick(*A_ITEMS), "to": pick("retired", "repair")})
        if r < 0.90:
            return self.event("sync.pulled", {"accepted": [{"reservation": pick(*self.reservations),
                                                            "status": "waiting"}]})
        if r < 0.93:
            return self.event(pick("loan.checked_out", "loan.returned"), pick("[1, 2]", "not json", {}))
        return self.event("staff.login", {"staff": "volunteer"})

    def checkout(self) -> WireEvent:
        pick = self.pick
        if self.early_returns and self.rnd.random() < 0.3:
            uid, code = self.early_returns.pop()
        else:
            uid, code = str(uuid.UUID(int=self.rnd.getrandbits(128))), pick(
                *A_ITEMS, *A_ITEMS, "T-00101", *NEW_ITEMS)
        p = {"loan": uid, "item": code, "member": pick(*self.members, "M-000099", None, "", 7),
             "due": pick("2026-03-20", None)}
        if self.rnd.random() < 0.3:
            p["site"] = pick("GN01", "", None)
        if self.rnd.random() < 0.05:
            p["reservation"] = pick(*self.reservations)
        self.open[uid] = code
        self.seen_loans.append(uid)
        return self.event("loan.checked_out", p)

    def give_back(self) -> WireEvent:
        pick = self.pick
        if self.open and self.rnd.random() < 0.8:
            uid = pick(*sorted(self.open))
            code = self.open.pop(uid)
        else:
            uid = str(uuid.UUID(int=self.rnd.getrandbits(128)))
            code = pick(*A_ITEMS, "T-00999")
            self.early_returns.append((uid, code))
        p = {"loan": uid, "item": code, "member": pick("M-000001", None),
             "condition": pick("ok", "damaged", None),
             "destination": pick("shelf", "shelf", "reservation_shelf", "inspection", None)}
        if self.rnd.random() < 0.4:
            p["site"] = pick("GN01", "MP01", None)
        if p["destination"] == "reservation_shelf":
            p["held_for"] = pick(*self.members, None)
        return self.event("loan.returned", p)


def _rows(db: Database) -> dict[str, list]:
    def dump(s, model, order, skip=("id",)):
        cols = [c.name for c in model.__table__.columns if c.name not in skip]
        return [tuple(getattr(r, c) for c in cols)
                for r in s.execute(select(model).order_by(*order)).scalars()]

    with db.transaction() as s:
        return {"items": dump(s, Item, [Item.key]), "loans": dump(s, Loan, [Loan.uid]),
                "members": dump(s, Member, [Member.number]),
                "reservations": dump(s, Reservation, [Reservation.uid]),
                "conflicts": dump(s, Conflict, [Conflict.id]), "notices": dump(s, Notice, [Notice.id]),
                "changes": dump(s, Change, [Change.id], skip=("id", "txid")),
                "closed_days": dump(s, ClosedDay, [ClosedDay.site, ClosedDay.day])}


def _apply(db: Database, cls, batches: list[list[WireEvent]]) -> dict[str, list]:
    for batch in batches:
        with db.transaction() as s:
            cls(s, s.get(Kiosk, KIOSK), NOW).apply_all(batch)
    return _rows(db)


def _batches(seed: int, count: int) -> list[list[WireEvent]]:
    log = Log(seed)
    events = [log.next() for _ in range(count)]
    rnd, out, i = random.Random(seed), [], 0
    while i < len(events):
        n = rnd.choice((1, 5, 40, 120))
        out.append(events[i:i + n])
        i += n
    return out


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("platform") / "template.sqlite3"
    db = Database.open(f"sqlite:///{path}", migrate=True)
    _stock(db)
    db.close()
    return path


@pytest.mark.parametrize("seed", range(40))
def test_mixed_batches_leave_the_same_records_on_sqlite(sqlite_template, tmp_path, seed):
    dbs = []
    for name in ("orm", "fast"):
        shutil.copy(sqlite_template, tmp_path / f"{name}.sqlite3")
        dbs.append(Database.open(f"sqlite:///{tmp_path / name}.sqlite3"))
    batches = _batches(seed, 300)
    try:
        want = _apply(dbs[0], Applier, batches)
        got = _apply(dbs[1], BatchApplier, batches)
    finally:
        for db in dbs:
            db.close()
    for table in want:
        assert got[table] == want[table], table
    assert want["loans"] and want["conflicts"]


@pytest.fixture(scope="module")
def pg_template(pg):
    name = pg.create_database(template=pg.template)
    db = Database.open(pg.url(name))
    _stock(db)
    db.close()
    yield name
    pg.drop_database(name)


@pytest.mark.parametrize("seed", range(6))
def test_mixed_batches_leave_the_same_records_on_postgresql(pg, pg_template, seed):
    names = [pg.create_database(template=pg_template) for _ in range(2)]
    dbs = [Database.open(pg.url(n)) for n in names]
    batches = _batches(100 + seed, 400)
    try:
        want = _apply(dbs[0], Applier, batches)
        got = _apply(dbs[1], BatchApplier, batches)
    finally:
        for db, name in zip(dbs, names):
            db.close()
            pg.drop_database(name)
    for table in want:
        assert got[table] == want[table], table


def test_a_batch_of_plain_loans_needs_no_orm_handler(sqlite_template, tmp_path):
    shutil.copy(sqlite_template, tmp_path / "p.sqlite3")
    db = Database.open(f"sqlite:///{tmp_path / 'p.sqlite3'}")
    log = Log(1)
    uid = "fresh-loan"
    batch = [log.event("loan.checked_out", {"loan": uid, "item": "T-00007", "member": "M-000002",
                                            "due": "2026-03-20"}),
             log.event("loan.renewed", {"loan": uid, "due": "2026-03-27"}),
             log.event("loan.returned", {"loan": uid, "item": "T-00007", "site": "MP01",
                                         "condition": "ok", "destination": "shelf"}),
             log.event("loan.checked_out", {"loan": "second", "item": "T-00005", "member": "M-000077"})]
    with db.transaction() as s:
        applier = BatchApplier(s, s.get(Kiosk, KIOSK), NOW)
        applier.apply_all(batch)
        assert applier.plain  # never handed over to the ORM handlers
    rows = _rows(db)
    db.close()
    loans = {r[0]: r for r in rows["loans"]}
    assert loans[uid][1:] == ("GN01/T-00007", "M-000002", "child", "GN01", KIOSK, batch[0].at, batch[0].hlc,
                              "2026-03-27", 1, batch[2].at, "MP01", "ok", True,
                              None, None)  # no pseudonym yet: the retention period has not passed
    assert loans["old-1"][-5:-2] == (None, "unrecorded", False) and loans["old-1"][10] == batch[3].at
    items = {r[0]: r for r in rows["items"]}
    assert items["GN01/T-00007"][-5:-3] == ("in_transit", "MP01")
    assert items["GN01/T-00005"][-5:-3] == ("on_loan", "GN01")
    kinds = [(c[3], c[4]) for c in rows["conflicts"]]
    assert kinds == [("transfer", "GN01/T-00007"), ("unknown_member", "M-000077"),
                     ("checkout_while_on_loan", "GN01/T-00005"), ("checkout_while_on_loan", "GN01/T-00005")]
    # the centre's other kiosks learn of each loan the batch changed, once each
    assert rows["changes"] == [
        ("GN01", "loan", uid) for uid in sorted((uid, "old-1", "old-2", "second"))]


def test_the_chain_hash_is_the_kiosks_event_hash():
    rnd = random.Random(3)
    alphabet = 'aZ09"\\\n\t\x00\x1f\x7f한글😀\u2028 /{}:,'
    for _ in range(500):
        def text() -> str:
            return "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 16)))
        e = PushedEvent(event_id=text(), kiosk_id=text(), seq=rnd.randint(1, 10 ** 12), type=text(),
                      at=text(), hlc=text(), actor=rnd.choice([None, text()]), payload=text(),
                      prev_hash="a" * 64, hash="b" * 64)
        prev = text()
        assert chain_hash(prev, e) == event_hash(prev, e.seq, e.event_id, e.kiosk_id, e.type, e.at,
                                                 e.hlc, e.actor, e.payload)


def _chain(kiosk_id: str, events: list[dict]) -> list[dict]:
    prev = GENESIS
    for seq, e in enumerate(events, 1):
        e.update(kiosk_id=kiosk_id, seq=seq, prev_hash=prev, actor=None)
        e["hash"] = prev = event_hash(prev, e["seq"], e["event_id"], kiosk_id, e["type"], e["at"],
                                      e["hlc"], None, e["payload"])
    return events


def test_a_failing_batch_rolls_back_whole_and_a_clashing_event_id_is_quarantined(pg, pg_template):
    from sync.hub.models import Quarantined

    name = pg.create_database(template=pg_template)
    db = Database.open(pg.url(name))
    try:
        admin.add_kiosk(db, "GN01-k2", "GN01")
        log = Log(5)
        first = [log.checkout() for _ in range(3)]
        events = _chain(KIOSK, [e.model_dump() for e in first])
        with db.transaction() as s:
            push(s, s.get(Kiosk, KIOSK), PushRequest(kiosk_id=KIOSK, events=events), NOW)
        other = _chain("GN01-k2", [e.model_dump() for e in (log.checkout(), log.checkout())])
        other[1]["event_id"] = events[0]["event_id"]
        other = _chain("GN01-k2", other)
        # A database failure in the middle of a batch (here: a row left in the way of
        # the quarantined event) keeps nothing of it.
        with db.transaction() as s:
            s.add(Quarantined(kiosk_id="GN01-k2", seq=2, event_id="x", type="x", reason="invalid",
                              detail="", prev_hash="0" * 64, hash="0" * 64, raw="{}", received_at=NOW))
        with pytest.raises(IntegrityError), db.transaction() as s:
            push(s, s.get(Kiosk, "GN01-k2"), PushRequest(kiosk_id="GN01-k2", events=other), NOW)
        with db.transaction() as s:
            assert s.get(Kiosk, "GN01-k2").held_seq == 0
            assert s.execute(select(Event.seq).where(Event.kiosk_id == "GN01-k2")).all() == []
            held = s.execute(select(Loan.uid).where(Loan.kiosk_id == "GN01-k2")).all()
            assert held == []
            s.delete(s.get(Quarantined, ("GN01-k2", 2)))
        # Without it, the event whose id another kiosk used is quarantined; the rest applies.
        with db.transaction() as s:
            answer = push(s, s.get(Kiosk, "GN01-k2"), PushRequest(kiosk_id="GN01-k2", events=other), NOW)
        assert answer["held"] == 2 and [q["seq"] for q in answer["quarantined"]] == [2]
        with db.transaction() as s:
            assert s.execute(select(Event.seq).where(Event.kiosk_id == "GN01-k2")).scalars().all() == [1]
    finally:
        db.close()
        pg.drop_database(name)
