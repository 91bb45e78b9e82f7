"""The lending rules a centre runs on, through the services with the kiosk's clock:
membership fees (block and warn), exemptions, deposits, qualifications and the
adults-only flag, maintenance by use and by date, demand; and migration 0009
keeps every row."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import create_engine, func, select, text

from kiosk.calendar import SEOUL
from kiosk.errors import BadInput
from kiosk.services.rules import FeeState
from kiosk.store.models import Event, Item
from kiosk.store.rules_models import Demand

STAFF = "박지원"


def seoul(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), SEOUL).astimezone(dt.UTC)


@pytest.fixture(autouse=True)
def monday(clock):
    clock.now = seoul(dt.date(2026, 11, 2))


def stock(k, *codes, category="tool"):
    for code in codes:
        k.catalogue.add_item(code, f"물품 {code}", name_en=f"item {code}", category=category)


def join(k, member_type="standard"):
    view, card = k.members.add("주민", member_type)
    return view.number, card


def one(result):
    (outcome,) = result.outcomes
    return outcome


def status(k, code):
    with k.reading() as s:
        return s.execute(select(Item.status).where(Item.code == code)).scalar_one()


def events(k, type_):
    with k.reading() as s:
        return [json.loads(e.payload) for e in s.execute(
            select(Event).where(Event.type == type_).order_by(Event.seq)).scalars()]


def set_fee_policy(k, policy):
    with k.transaction() as s:
        k.set_setting(s, "fee_policy", policy)


# -- fees -----------------------------------------------------------------------------
def test_lapsed_fee_blocks_where_the_site_blocks_until_staff_record_the_payment(kiosk, clock):
    stock(kiosk, "T-00001")
    kiosk.rules.set_fee_plan("standard", 10_000, 12)
    number, card = join(kiosk)
    set_fee_policy(kiosk, "block")
    assert kiosk.rules.fee_status(card).state == FeeState.DUE
    refused = one(kiosk.circulation.checkout(card, ["T-00001"]))
    assert not refused.ok and refused.reason == "fee_due"
    assert "membership fee is due" in refused.error.render("en")
    assert status(kiosk, "T-00001") == "available"

    receipt = kiosk.rules.record_payment(number, 10_000, "transfer", "신한 0423", staff=STAFF)
    assert receipt.paid_until == dt.date(2027, 11, 2)
    assert kiosk.rules.fee_status(card).state == FeeState.PAID
    assert one(kiosk.circulation.checkout(card, ["T-00001"])).ok
    assert events(kiosk, "fee.paid")[-1] == {"member": number, "amount": 10_000, "method": "transfer",
                                             "paid_until": "2027-11-02"}
    # A year and a day later it has lapsed again.
    clock.advance(days=366)
    assert kiosk.rules.fee_status(card).state == FeeState.DUE


def test_lapsed_fee_only_warns_where_the_site_warns(kiosk):
    stock(kiosk, "T-00001")
    kiosk.rules.set_fee_plan("standard", 10_000)
    _, card = join(kiosk)
    set_fee_policy(kiosk, "warn")
    assert kiosk.rules.fee_status(card).state == FeeState.DUE
    assert one(kiosk.circulation.checkout(card, ["T-00001"])).ok


def test_an_exempt_member_borrows_and_the_reason_stays_at_the_centre(kiosk):
    stock(kiosk, "T-00001")
    kiosk.rules.set_fee_plan("family", 20_000)
    number, card = join(kiosk, "family")
    set_fee_policy(kiosk, "block")
    kiosk.rules.set_exemption(number, "기초생활수급자", staff=STAFF)
    fee = kiosk.rules.fee_status(card)
    assert (fee.state, fee.exempt_reason) == (FeeState.EXEMPT, "기초생활수급자")
    assert one(kiosk.circulation.checkout(card, ["T-00001"])).ok
    assert events(kiosk, "fee.exempted") == [{"member": number, "exempt": True}]


def test_bad_payments_change_nothing(kiosk):
    kiosk.rules.set_fee_plan("standard", 10_000)
    number, _ = join(kiosk)
    for amount, method, ref in ((10_000, "card", ""), (10_000, "transfer", ""), (5_000, "cash", ""),
                                (-1, "cash", ""), ("10000", "cash", "")):
        with pytest.raises(BadInput):
            kiosk.rules.record_payment(number, amount, method, ref, staff=STAFF)
    assert kiosk.rules.fee_status(number).paid_until is None
    assert events(kiosk, "fee.paid") == []


# -- deposits -------------------------------------------------------------------------
def test_a_deposit_item_is_refused_at_the_kiosk_and_lent_by_staff(kiosk):
    stock(kiosk, "T-00009")
    kiosk.rules.set_rule("T-00009", deposit=50_000)
    number, card = join(kiosk)
    refused = one(kiosk.circulation.checkout(card, ["T-00009"]))
    assert (refused.ok, refused.reason) == (False, "deposit")
    assert "deposit of 50000 won" in refused.error.render("en")
    assert status(kiosk, "T-00009") == "available"

    deposit = kiosk.rules.lend_with_deposit(number, "T-00009", 50_000, staff=STAFF)
    assert status(kiosk, "T-00009") == "on_loan"
    assert (deposit.item_code, deposit.member, deposit.amount, deposit.outcome) == ("T-00009", number, 50_000, None)
    assert [d.item_code for d in kiosk.rules.deposits(open_only=True)] == ["T-00009"]

    kiosk.circulation.return_item("T-00009")
    with pytest.raises(BadInput):
        kiosk.rules.settle_deposit("T-00009", "kept", "", staff=STAFF)  # keeping needs a reason
    settled = kiosk.rules.settle_deposit("T-00009", "kept", "날이 부러졌어요", staff=STAFF)
    assert (settled.outcome, settled.reason) == ("kept", "날이 부러졌어요")
    assert kiosk.rules.deposits(open_only=True) == []


# -- qualifications -------------------------------------------------------------------
def test_qualification_missing_then_recorded_then_lent(kiosk, clock):
    stock(kiosk, "T-00005")
    kiosk.rules.set_rule("category:tool", qualification="안전교육 이수")
    number, card = join(kiosk)
    refused = one(kiosk.circulation.checkout(card, ["T-00005"]))
    assert refused.reason == "qualification"
    assert refused.error.render("en").startswith("This item needs “안전교육 이수”. Please ask staff how to get it")

    kiosk.rules.record_qualification(number, "안전교육 이수", dt.date(2026, 11, 1),
                                     dt.date(2026, 11, 30), staff=STAFF)
    assert one(kiosk.circulation.checkout(card, ["T-00005"])).ok
    kiosk.circulation.return_item("T-00005")
    clock.advance(days=30)  # the qualification has expired
    assert one(kiosk.circulation.checkout(card, ["T-00005"])).reason == "qualification"


def test_adults_only_needs_staff_to_confirm_and_months_of_membership_count(kiosk, clock):
    stock(kiosk, "T-00007", "T-00008")
    kiosk.rules.set_rule("T-00007", adults_only=True)
    kiosk.rules.set_rule("T-00008", min_membership_months=3)
    number, card = join(kiosk)
    assert one(kiosk.circulation.checkout(card, ["T-00007"])).reason == "adults_only"
    kiosk.rules.confirm_adult(number, staff=STAFF)
    assert one(kiosk.circulation.checkout(card, ["T-00007"])).ok
    young = one(kiosk.circulation.checkout(card, ["T-00008"]))
    assert young.reason == "membership_months"
    assert "from 2027-02-02" in young.error.render("en")
    clock.now = seoul(dt.date(2027, 2, 2))
    kiosk.circulation.return_item("T-00007")
    assert one(kiosk.circulation.checkout(card, ["T-00008"])).ok


# -- maintenance ----------------------------------------------------------------------
def test_an_item_reaching_its_loan_count_goes_to_inspection_with_its_task(kiosk):
    stock(kiosk, "T-00003")
    kiosk.rules.set_rule("T-00003", every_loans=2, task="톱날 갈기")
    _, card = join(kiosk)
    one(kiosk.circulation.checkout(card, ["T-00003"]))
    assert kiosk.circulation.return_item("T-00003").destination == "shelf"
    one(kiosk.circulation.checkout(card, ["T-00003"]))
    back = kiosk.circulation.return_item("T-00003")
    assert (back.destination, status(kiosk, "T-00003")) == ("staff", "inspection")
    assert [t.task for t in kiosk.rules.open_tasks("T-00003")] == ["톱날 갈기"]

    assert kiosk.rules.record_maintenance("T-00003", "날 교체", staff=STAFF) == 1
    (done,) = kiosk.rules.history("T-00003")
    assert (done.task, done.done_by, done.note) == ("톱날 갈기", STAFF, "날 교체")
    assert kiosk.rules.open_tasks("T-00003") == []


def test_an_item_reaching_its_maintenance_date_goes_to_inspection(kiosk, clock):
    stock(kiosk, "T-00004")
    kiosk.rules.set_rule("category:tool", every_days=30, battery_weeks=8, task="점검")
    _, card = join(kiosk)
    one(kiosk.circulation.checkout(card, ["T-00004"]))
    clock.advance(days=29)
    assert kiosk.circulation.return_item("T-00004").destination == "shelf"
    one(kiosk.circulation.checkout(card, ["T-00004"]))
    clock.advance(days=2)
    assert kiosk.circulation.return_item("T-00004").destination == "staff"
    assert [t.task for t in kiosk.rules.open_tasks("T-00004")] == ["점검"]
    clock.advance(days=30)  # eight weeks and more: the battery check is due too
    kiosk.rules.record_maintenance("T-00004", staff=STAFF)
    with kiosk.transaction() as s:
        item = s.execute(select(Item).where(Item.code == "T-00004")).scalar_one()
        assert kiosk.rules.maintenance_due(s, item, kiosk.today()) == ["Battery check"]


# -- demand ---------------------------------------------------------------------------
def test_demand_counts_refused_scans_and_waiting_lists(kiosk):
    stock(kiosk, "T-00001", "T-00002")
    stock(kiosk, "G-00001", category="game")
    _, first = join(kiosk)
    _, second = join(kiosk)
    _, third = join(kiosk)
    assert one(kiosk.circulation.checkout(first, ["T-00001"])).ok
    for card in (second, third, second):
        assert one(kiosk.circulation.checkout(card, ["T-00001"])).reason == "on_loan"
    assert one(kiosk.circulation.checkout(second, ["T-00002"])).ok  # on the shelf: no demand
    assert kiosk.circulation.reserve(third, "T-00001") == "waiting"
    (row,) = kiosk.rules.demand()
    assert (row.code, row.unavailable, row.waitlist, row.unmet) == ("T-00001", 3, 1, 0)
    (cat,) = kiosk.rules.demand(by_category=True)
    assert (cat.category, cat.total) == ("tool", 4)
    with kiosk.reading() as s:
        assert s.execute(select(func.count()).select_from(Demand)).scalar_one() == 4
    assert events(kiosk, "demand.recorded")[0] == {"item": "T-00001", "item_site": "GN01",
                                                   "kind": "unavailable", "category": "tool"}


def test_rule_input_is_checked(kiosk):
    stock(kiosk, "T-00001")
    for kw in ({"deposit": -5}, {"every_loans": 3}, {"qualification": "x" * 61},
               {"min_membership_months": 10_000}):
        with pytest.raises(BadInput):
            kiosk.rules.set_rule("T-00001", **kw)
    with pytest.raises(BadInput):
        kiosk.rules.set_rule("category:", deposit=1)
    assert kiosk.rules.item_rule("T-00001") is None
    kiosk.rules.set_rule("T-00001", deposit=1000)
    number, _ = join(kiosk)
    with pytest.raises(BadInput):
        kiosk.rules.lend_with_deposit(number, "T-00001", 999, staff=STAFF)  # less than asked
    assert status(kiosk, "T-00001") == "available" and kiosk.rules.deposits() == []


# -- migration ------------------------------------------------------------------------
def test_migration_0009_keeps_every_row(tmp_path):
    from alembic import command

    from kiosk.services import open_kiosk
    from kiosk.store.db import DB_FILENAME
    from kiosk.store.migrate import alembic_config

    folder = tmp_path / "kiosk"
    folder.mkdir()
    engine = create_engine(f"sqlite:///{folder / DB_FILENAME}")
    command.upgrade(alembic_config(engine), "0008")
    with engine.begin() as c:
        c.execute(text("INSERT INTO items (code, name_ko, name_en, name_zh, name_vi, category, home_site,"
                       " safe_use_ko, safe_use_en, parts, replacement_value, status, created_at) VALUES"
                       " ('T-00001', '전동드릴', 'Power drill', '', '', 'tool', 'GN01', '', '', '[]', 0,"
                       " 'available', '2026-03-10T01:00:00.000000Z')"))
        c.execute(text("INSERT INTO members (number, display_name, member_type, expires_on, status, language,"
                       " large_text, high_contrast, created_at) VALUES ('M-1', '주민', 'standard',"
                       " '2027-01-01', 'active', 'ko', 0, 0, '2026-01-01T00:00:00.000000Z')"))
    engine.dispose()
    k = open_kiosk(folder)  # migrated on start
    try:
        with k.reading() as s:
            assert tuple(s.execute(text("SELECT code, name_ko FROM items")).one()) == ("T-00001", "전동드릴")
            assert tuple(s.execute(text("SELECT number FROM members")).one()) == ("M-1",)
            assert s.execute(text("SELECT count(*) FROM demand")).scalar_one() == 0
            assert s.execute(text("SELECT count(*) FROM fee_plans")).scalar_one() == 0
    finally:
        k.close()


def test_the_report_shows_fees_deposits_and_demand(kiosk):
    from kiosk.services.reports import Reports

    stock(kiosk, "T-00001", "T-00002")
    kiosk.rules.set_fee_plan("standard", 10_000)
    number, card = join(kiosk)
    other, _ = join(kiosk)
    _, late = join(kiosk)
    kiosk.rules.record_payment(number, 10_000, "cash", staff=STAFF)
    kiosk.rules.set_exemption(other, "다자녀", staff=STAFF)
    kiosk.rules.set_rule("T-00002", deposit=30_000)
    kiosk.rules.lend_with_deposit(number, "T-00002", 30_000, staff=STAFF)
    assert one(kiosk.circulation.checkout(card, ["T-00001"])).ok
    assert one(kiosk.circulation.checkout(late, ["T-00001"])).reason == "on_loan"  # warn: only demand
    report = Reports(kiosk).build(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    fig = report.rules
    assert (fig.fees_paid, fig.fees_amount, fig.members_exempt, fig.members_due) == (1, 10_000, 1, 1)
    assert (fig.deposits_taken, fig.deposits_amount, fig.deposits_held) == (1, 30_000, 1)
    rows = report.rows()
    assert ("fees", "amount", 10_000) in rows and ("deposits", "held", 1) in rows
    assert ("demand", "T-00001", 1) in rows and ("demand_category", "tool", 1) in rows
