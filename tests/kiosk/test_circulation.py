"""Every circulation rule, one at a time.

Each refusal is checked three ways: the machine-readable reason, the message a
resident reads (English and Korean), and that nothing changed in storage.
Time moves only through the kiosk's clock.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po
from sqlalchemy import func, select

import kiosk.i18n as i18n
from kiosk.calendar import SEOUL
from kiosk.codes import item_label_payload, normalise_item_code
from kiosk.errors import BadInput, Refused
from kiosk.josa import resolve
from kiosk.services.circulation import Override
from kiosk.store.models import Event, Item, Loan, Reservation

FRAGMENT = Path(i18n.__file__).with_name("locale") / "ko/LC_MESSAGES/_circulation.po"
SOURCE = Path(__file__).resolve().parents[2] / "kiosk/services/circulation.py"
STAFF = Override("박지원", "Returned the overdue drill at the desk just now")


def seoul(day: dt.date, hour: int = 10) -> dt.datetime:
    """An aware UTC time at ``hour`` o'clock on ``day`` in Seoul."""
    return dt.datetime.combine(day, dt.time(hour), SEOUL).astimezone(dt.UTC)


@pytest.fixture(scope="module", autouse=True)
def korean_catalogue(tmp_path_factory):
    """The Korean catalogue with this module's fragment merged in.

    Once the fragment has been merged into nanum.po this changes nothing; until
    then the tests read a merged copy, as the release's catalogue will be.
    """
    with FRAGMENT.open("rb") as fh:
        fragment = read_po(fh, locale="ko")
    if all(i18n.catalogue("ko").get(m.id) == m.string for m in fragment if m.id):
        yield
        return
    folder = tmp_path_factory.mktemp("locale") / "ko" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    main = i18n.LOCALE_DIR / "ko" / "LC_MESSAGES" / "nanum.po"
    if main.exists():
        with main.open("rb") as fh:
            merged = read_po(fh, locale="ko")
    else:
        merged = fragment
    for m in fragment:
        if m.id:
            merged.add(m.id, m.string)
    with (folder / "nanum.po").open("wb") as fh:
        write_po(fh, merged)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(i18n, "LOCALE_DIR", folder.parent.parent)
        i18n.catalogue.cache_clear()
        yield
    i18n.catalogue.cache_clear()


@pytest.fixture(autouse=True)
def monday(clock):
    """Every test starts on Monday 2026-11-02, 10:00 in Seoul."""
    clock.now = seoul(dt.date(2026, 11, 2))


# -- helpers --------------------------------------------------------------------
def stock(k, *codes, category="tool", parts=0, home_site=None):
    for code in codes:
        k.catalogue.add_item(code, f"물품 {code}", name_en=f"item {code}", category=category,
                             parts=parts, home_site=home_site)


def join(k, member_type="standard", **kw):
    """Register a member; returns (membership number, card payload)."""
    view, card = k.members.add("주민", member_type, **kw)
    return view.number, card


def set_policy(k, **changes):
    with k.transaction() as s:
        k.set_setting(s, "policy", {**k.policy.to_dict(), **changes})


def snapshot(k):
    """Everything a refused action must leave as it was."""
    with k.reading() as s:
        return {
            "loans": s.execute(select(Loan.uid, Loan.due_on, Loan.renewals, Loan.returned_at,
                                      Loan.condition).order_by(Loan.id)).all(),
            "items": dict(s.execute(select(Item.code, Item.status)).all()),
            "holds": s.execute(select(Item.code, Item.held_for_member_id, Item.hold_until)).all(),
            "reservations": s.execute(select(Reservation.uid, Reservation.status)).all(),
            # A refused scan of an item not on the shelf counts as demand, and only that.
            "events": s.execute(select(func.count()).select_from(Event)
                                .where(Event.type != "demand.recorded")).scalar_one(),
        }


def events(k, type_):
    with k.reading() as s:
        rows = s.execute(select(Event).where(Event.type == type_).order_by(Event.seq)).scalars()
        return [(ev.actor, json.loads(ev.payload)) for ev in rows]


def loan_row(k, code):
    """The latest loan of an item, as stored."""
    with k.reading() as s:
        return s.execute(select(Loan).join(Item, Loan.item_id == Item.id)
                         .where(Item.code == normalise_item_code(code))
                         .order_by(Loan.id.desc())).scalars().first()


def assert_refused(outcome, reason, en, ko):
    assert not outcome.ok
    assert outcome.reason == reason
    assert outcome.error.render("en") == en
    assert outcome.error.render("ko") == ko


def one(result):
    (outcome,) = result.outcomes
    return outcome


# -- loan periods and due dates ---------------------------------------------------
@pytest.mark.parametrize("category,days", [("tool", 7), ("garden", 7), ("camping", 7),
                                           ("household", 7), ("toy", 14), ("game", 14),
                                           ("book", 14)])
def test_loan_days_follow_the_category(kiosk, category, days):
    stock(kiosk, "T-1", category=category)
    _, card = join(kiosk)
    outcome = one(kiosk.circulation.checkout(card, ["T-1"]))
    assert outcome.ok and outcome.reason is None
    assert outcome.due == dt.date(2026, 11, 2) + dt.timedelta(days=days)
    assert kiosk.circulation.loans(open_only=True)[0].due_on == outcome.due


@pytest.mark.parametrize("today,closed_weekdays,extra,due", [
    # due on a Sunday (closed by default) -> Monday
    (dt.date(2026, 11, 1), [6], [], dt.date(2026, 11, 9)),
    # Chuseok 2026-09-24..26, then Sunday -> Monday 28th
    (dt.date(2026, 9, 17), [6], [], dt.date(2026, 9, 28)),
    # substitute holiday for Liberation Day (15 Aug is a Saturday) -> Tuesday
    (dt.date(2026, 8, 10), [6], [], dt.date(2026, 8, 18)),
    # substitute holiday for Independence Movement Day (1 March is a Sunday)
    (dt.date(2026, 2, 23), [6], [], dt.date(2026, 3, 3)),
    # a centre closed Sunday and Monday, plus an extra closed Tuesday
    (dt.date(2026, 11, 1), [0, 6], [dt.date(2026, 11, 10)], dt.date(2026, 11, 11)),
    # Seollal 2026-02-16..18 with a centre also closed on Thursdays
    (dt.date(2026, 2, 9), [3, 6], [], dt.date(2026, 2, 20)),
])
def test_due_date_skips_closed_days_and_holidays(kiosk, clock, today, closed_weekdays, extra, due):
    kiosk.set_closed_days(closed_weekdays, extra, actor="staff")
    clock.now = seoul(today)
    stock(kiosk, "T-1")
    _, card = join(kiosk, expires_on=dt.date(2027, 12, 31))
    assert one(kiosk.circulation.checkout(card, ["T-1"])).due == due


def test_the_loan_day_is_the_day_in_seoul(kiosk, clock):
    # 15:30 UTC on Monday is 00:30 on Tuesday in Seoul.
    clock.now = dt.datetime(2026, 11, 2, 15, 30, tzinfo=dt.UTC)
    stock(kiosk, "T-1")
    _, card = join(kiosk)
    assert one(kiosk.circulation.checkout(card, ["T-1"])).due == dt.date(2026, 11, 10)


# -- limits, overdue, suspended and expired members ------------------------------------
@pytest.mark.parametrize("member_type,limit", [("standard", 3), ("family", 5), ("senior", 3),
                                               ("organisation", 10)])
def test_open_loans_are_limited_by_membership_type(kiosk, member_type, limit):
    codes = [f"T-{n}" for n in range(1, limit + 3)]
    stock(kiosk, *codes)
    _, card = join(kiosk, member_type)
    result = kiosk.circulation.checkout(card, codes[:limit])
    assert [o.ok for o in result.outcomes] == [True] * limit
    before = snapshot(kiosk)
    result = kiosk.circulation.checkout(card, codes[limit:])
    for outcome in result.outcomes:
        assert_refused(outcome, "limit", f"You can borrow up to {limit} items at a time.",
                       f"한 번에 최대 {limit}개까지 빌릴 수 있어요.")
    assert snapshot(kiosk) == before
    # The limit counts open loans: a return frees a place.
    kiosk.circulation.return_item(codes[0])
    assert one(kiosk.circulation.checkout(card, [codes[limit]])).ok


def test_policy_sets_the_limits(kiosk):
    set_policy(kiosk, max_open_loans={"standard": 1})
    stock(kiosk, "T-1", "T-2")
    _, card = join(kiosk)
    first, second = kiosk.circulation.checkout(card, ["T-1", "T-2"]).outcomes
    assert first.ok
    assert_refused(second, "limit", "You can borrow up to 1 items at a time.",
                   "한 번에 최대 1개까지 빌릴 수 있어요.")


def test_overdue_loans_block_new_ones(kiosk, clock):
    stock(kiosk, "T-1", "T-2")
    _, card = join(kiosk)
    assert one(kiosk.circulation.checkout(card, ["T-1"])).due == dt.date(2026, 11, 9)
    clock.now = seoul(dt.date(2026, 11, 9))  # due today is not overdue yet
    assert one(kiosk.circulation.checkout(card, ["T-2"])).ok
    kiosk.circulation.return_item("T-2")
    clock.now = seoul(dt.date(2026, 11, 10))
    before = snapshot(kiosk)
    assert_refused(one(kiosk.circulation.checkout(card, ["T-2"])), "overdue",
                   "You have 1 overdue item(s). Please return them first.",
                   "연체된 물품이 1개 있어요. 먼저 반납해 주세요.")
    assert snapshot(kiosk) == before
    assert [lv.item_code for lv in kiosk.circulation.loans(overdue_only=True)] == ["T-00001"]


def test_overdue_block_can_be_turned_off(kiosk, clock):
    set_policy(kiosk, block_on_overdue=False)
    stock(kiosk, "T-1", "T-2")
    _, card = join(kiosk)
    kiosk.circulation.checkout(card, ["T-1"])
    clock.advance(days=30)
    assert one(kiosk.circulation.checkout(card, ["T-2"])).ok
    assert events(kiosk, "override.granted") == []


def test_suspended_member_is_refused_even_with_an_override(kiosk):
    stock(kiosk, "T-1")
    number, card = join(kiosk)
    kiosk.members.set_status(number, "suspended", actor="staff")
    before = snapshot(kiosk)
    for override in (None, STAFF):
        assert_refused(one(kiosk.circulation.checkout(card, ["T-1"], override=override)),
                       "member_suspended", "Your membership is suspended. Please see staff.",
                       "회원 자격이 정지되었어요. 직원에게 문의해 주세요.")
    assert snapshot(kiosk) == before
    kiosk.members.set_status(number, "active", actor="staff")
    assert one(kiosk.circulation.checkout(card, ["T-1"])).ok


def test_expired_member_is_refused_and_staff_may_override(kiosk, clock):
    stock(kiosk, "T-1")
    number, card = join(kiosk, expires_on=dt.date(2026, 11, 2))
    assert one(kiosk.circulation.checkout(card, ["T-1"])).ok  # the expiry day still counts
    kiosk.circulation.return_item("T-1")
    clock.now = seoul(dt.date(2026, 11, 3))
    before = snapshot(kiosk)
    assert_refused(one(kiosk.circulation.checkout(card, ["T-1"])), "member_expired",
                   "Your membership expired on 2026-11-02. Please see staff to renew it.",
                   "회원 자격이 2026-11-02에 만료되었어요. 직원에게 갱신을 요청해 주세요.")
    assert snapshot(kiosk) == before
    outcome = one(kiosk.circulation.checkout(card, ["T-1"], override=STAFF))
    assert outcome.ok
    loan = loan_row(kiosk, "T-1")
    assert loan.override_by == "박지원"
    assert events(kiosk, "override.granted") == [("박지원", {
        "rules": ["member_expired"], "item": "T-00001", "item_site": "GN01", "member": number,
        "loan": loan.uid,
        "reason": STAFF.reason})]
    assert events(kiosk, "loan.checked_out")[-1][0] == "박지원"


def test_override_lends_past_the_limit_and_overdue_and_records_both(kiosk, clock):
    set_policy(kiosk, max_open_loans={"standard": 1})
    stock(kiosk, "T-1", "T-2")
    number, card = join(kiosk)
    kiosk.circulation.checkout(card, ["T-1"])
    clock.advance(days=10)
    assert one(kiosk.circulation.checkout(card, ["T-2"])).reason == "overdue"
    assert one(kiosk.circulation.checkout(card, ["T-2"], override=STAFF)).ok
    (actor, payload), = events(kiosk, "override.granted")
    assert actor == "박지원" and payload["rules"] == ["overdue", "limit"]
    assert payload["reason"] == STAFF.reason and payload["loan"] == loan_row(kiosk, "T-2").uid


def test_an_override_without_need_records_nothing(kiosk):
    stock(kiosk, "T-1")
    _, card = join(kiosk)
    assert one(kiosk.circulation.checkout(card, ["T-1"], override=STAFF)).ok
    assert events(kiosk, "override.granted") == []
    assert loan_row(kiosk, "T-1").override_by is None


@pytest.mark.parametrize("staff,reason", [("", "why"), ("박지원", "  ")])
def test_an_override_needs_a_name_and_a_reason(staff, reason):
    with pytest.raises(BadInput) as err:
        Override(staff, reason)
    assert err.value.render("en") == "An override needs the staff member's name and a reason."
    assert err.value.render("ko") == "예외 승인에는 직원 이름과 사유가 필요해요."


# -- item rules and several items at once ---------------------------------------------
def test_item_rules_cannot_be_overridden(kiosk):
    stock(kiosk, "T-1", "T-2", "T-3", "T-4")
    stock(kiosk, "T-5", home_site="GN02")
    _, lender = join(kiosk)
    _, holder = join(kiosk)
    _, card = join(kiosk)
    kiosk.circulation.checkout(lender, ["T-1"])
    kiosk.catalogue.set_status("T-2", "retired", actor="staff")
    kiosk.catalogue.set_status("T-3", "inspection", actor="staff")
    assert kiosk.circulation.reserve(holder, "T-4", source="platform") == "held"
    before = snapshot(kiosk)
    expected = [
        ("on_loan", "This item is on loan now. You can join the waiting list.",
         "지금 다른 분이 대여 중인 물품이에요. 대기 명단에 이름을 올릴 수 있어요."),
        ("retired", "This item is no longer lent. Please hand it to staff.",
         "더 이상 대여하지 않는 물품이에요. 직원에게 전달해 주세요."),
        ("not_available", "This item is waiting for a staff check and cannot be lent yet.",
         "직원 점검을 기다리는 물품이라 아직 빌릴 수 없어요."),
        ("held_for_other", "This item is reserved for another member.", "다른 회원이 예약한 물품이에요."),
        ("other_site", "This item belongs to another centre. Please hand it to staff.",
         "다른 센터의 물품이에요. 직원에게 전달해 주세요."),
    ]
    for override in (None, STAFF):
        # T-5 is GN02's: its label names the site (a bare code means this centre's item)
        gn02_label = item_label_payload("T-5", kiosk.base_url, "GN02")
        result = kiosk.circulation.checkout(card, ["T-1", "T-2", "T-3", "T-4", gn02_label], override)
        for outcome, code, (reason, en, ko) in zip(result.outcomes, ["T-00001", "T-00002", "T-00003",
                                                                     "T-00004", "T-00005"], expected):
            assert outcome.item == code
            assert_refused(outcome, reason, en, ko)
    assert snapshot(kiosk) == before
    # on loan, waiting for a check, held for another: wanted twice each, not on the shelf
    assert len(events(kiosk, "demand.recorded")) == 6
    assert_refused(one(kiosk.circulation.checkout(lender, ["T-1"])), "already_yours",
                   "You already have this item.", "이미 대여 중인 물품이에요.")


def test_checkout_of_several_items_gives_one_result_per_item(kiosk):
    stock(kiosk, "T-1", "T-2", "T-3")
    kiosk.catalogue.set_status("T-3", "repair", actor="staff")
    _, other = join(kiosk)
    _, card = join(kiosk)
    kiosk.circulation.checkout(other, ["T-2"])
    scans = [item_label_payload("T-1", kiosk.base_url), "T-2", "T-3", "T-99999",
             "hello world", "t1"]
    result = kiosk.circulation.checkout(card, scans)
    assert [(o.item, o.ok, o.reason) for o in result.outcomes] == [
        ("T-00001", True, None), ("T-00002", False, "on_loan"), ("T-00003", False, "not_available"),
        ("T-99999", False, "notfound"), ("hello world", False, "foreigncode"),
        ("T-00001", False, "already_yours")]
    assert result.outcomes[3].error.render("en") == "No item with code T-99999 at this centre."
    assert result.outcomes[4].error.render("en") == "This code is not from a sharing centre."
    # the refusals did not undo the loan before them
    assert [lv.item_code for lv in kiosk.circulation.loans(member_payload=card)] == ["T-00001"]
    assert len(events(kiosk, "loan.checked_out")) == 2


# -- renewals -----------------------------------------------------------------------------
def test_renewal_extends_the_loan_once_then_refuses(kiosk, clock):
    stock(kiosk, "T-1")
    _, card = join(kiosk)
    clock.now = seoul(dt.date(2026, 9, 10))
    assert one(kiosk.circulation.checkout(card, ["T-1"])).due == dt.date(2026, 9, 17)
    clock.now = seoul(dt.date(2026, 9, 15))
    # a full period from the due date, pushed past Chuseok and a Sunday
    renewed = kiosk.circulation.renew("T-1", card)
    assert renewed.ok and renewed.due == dt.date(2026, 9, 28)
    assert loan_row(kiosk, "T-1").renewals == 1
    assert events(kiosk, "loan.renewed")[0][1]["due"] == "2026-09-28"
    before = snapshot(kiosk)
    assert_refused(kiosk.circulation.renew("T-1", card), "renewals_used",
                   "This loan has been renewed 1 time(s) already, the most allowed.",
                   "이미 1번 연장하여 더 연장할 수 없어요.")
    assert snapshot(kiosk) == before
    assert kiosk.circulation.renew("T-1").item == "T-00001"


def test_policy_sets_how_many_renewals(kiosk, clock):
    set_policy(kiosk, max_renewals=2)
    stock(kiosk, "T-1", category="toy")
    _, card = join(kiosk)
    kiosk.circulation.checkout(card, ["T-1"])  # due 16 Nov
    clock.advance(days=20)  # renewing late counts from today: 22 Nov (Sunday) + 14
    assert kiosk.circulation.renew("T-1").due == dt.date(2026, 12, 7)
    assert kiosk.circulation.renew("T-1").due == dt.date(2026, 12, 21)
    assert kiosk.circulation.renew("T-1").reason == "renewals_used"
    set_policy(kiosk, max_renewals=0)
    assert kiosk.circulation.renew("T-1").reason == "renewals_used"


def test_renewal_is_refused_when_someone_waits(kiosk):
    stock(kiosk, "T-1")
    _, card = join(kiosk)
    _, waiting = join(kiosk)
    kiosk.circulation.checkout(card, ["T-1"])
    assert kiosk.circulation.reserve(waiting, "T-1") == "waiting"
    before = snapshot(kiosk)
    assert_refused(kiosk.circulation.renew("T-1", card), "reserved",
                   "Someone is waiting for this item, so it cannot be renewed.",
                   "기다리는 분이 있어 연장할 수 없어요.")
    assert_refused(kiosk.circulation.renew("T-1", waiting), "not_yours",
                   "This item is on loan to someone else.", "다른 분이 대여 중인 물품이에요.")
    assert snapshot(kiosk) == before
    kiosk.circulation.cancel_reservation(waiting, "T-1")
    assert kiosk.circulation.renew("T-1", card).ok


def test_renewing_an_item_not_on_loan_is_bad_input(kiosk):
    stock(kiosk, "T-1")
    before = snapshot(kiosk)
    with pytest.raises(BadInput) as err:
        kiosk.circulation.renew("T-1")
    assert err.value.render("en") == "T-00001 is not on loan."
    assert err.value.render("ko") == "T-00001은 대여 중이 아니에요."
    assert snapshot(kiosk) == before


# -- holds and the waiting list ---------------------------------------------------------
def test_a_held_item_goes_only_to_its_member_until_the_hold_expires(kiosk, clock):
    stock(kiosk, "T-1", "T-2")
    x_number, x = join(kiosk)
    _, y = join(kiosk)
    assert kiosk.circulation.reserve(x, "T-1", source="platform") == "held"
    assert kiosk.catalogue.get("T-1").status == "held"
    with kiosk.reading() as s:
        assert s.execute(select(Item.hold_until).where(Item.code == "T-00001")).scalar() \
            == "2026-11-05"  # three days
    before = snapshot(kiosk)
    assert_refused(one(kiosk.circulation.checkout(y, ["T-1"])), "held_for_other",
                   "This item is reserved for another member.", "다른 회원이 예약한 물품이에요.")
    assert snapshot(kiosk) == before
    assert one(kiosk.circulation.checkout(x, ["T-1"])).ok
    with kiosk.reading() as s:
        assert s.execute(select(Reservation.status)).scalar_one() == "fulfilled"
    assert events(kiosk, "loan.checked_out")[-1][1]["reservation"] is not None

    # An expired hold moves on: the item is lent to whoever comes next.
    assert kiosk.circulation.reserve(x, "T-2", source="platform") == "held"
    clock.now = seoul(dt.date(2026, 11, 5))
    assert one(kiosk.circulation.checkout(y, ["T-2"])).reason == "held_for_other"
    clock.now = seoul(dt.date(2026, 11, 6))
    assert one(kiosk.circulation.checkout(y, ["T-2"])).ok
    assert events(kiosk, "reservation.expired")[-1][1]["next"] is None
    assert x_number not in {lv.member_number for lv in kiosk.circulation.loans(open_only=True)
                            if lv.item_code == "T-00002"}


def test_expired_holds_pass_to_the_next_member_waiting(kiosk, clock):
    stock(kiosk, "T-1")
    _, x = join(kiosk)
    z_number, z = join(kiosk)
    assert kiosk.circulation.reserve(x, "T-1", source="platform") == "held"
    assert kiosk.circulation.reserve(z, "T-1") == "waiting"
    assert kiosk.circulation.expire_holds() == 0
    clock.now = seoul(dt.date(2026, 11, 6))
    assert kiosk.circulation.expire_holds() == 1
    with kiosk.reading() as s:
        statuses = s.execute(select(Reservation.status).order_by(Reservation.id)).scalars().all()
        item = s.execute(select(Item).where(Item.code == "T-00001")).scalar_one()
    assert statuses == ["expired", "held"]
    assert item.status == "held" and item.hold_until == "2026-11-09"
    assert events(kiosk, "reservation.expired")[0][1]["next"] == z_number
    assert one(kiosk.circulation.checkout(z, ["T-1"])).ok


def test_waitlist_when_unavailable_and_the_hold_is_offered_on_return(kiosk):
    stock(kiosk, "T-1")
    _, x = join(kiosk)
    y_number, y = join(kiosk)
    _, z = join(kiosk)
    kiosk.circulation.checkout(x, ["T-1"])
    assert one(kiosk.circulation.checkout(y, ["T-1"])).reason == "on_loan"
    assert kiosk.circulation.reserve(y, "T-1") == "waiting"
    assert kiosk.circulation.reserve(z, "T-1") == "waiting"
    back = kiosk.circulation.return_item("T-1")
    assert (back.destination, back.held_for) == ("reservation_shelf", y_number)
    assert one(kiosk.circulation.checkout(z, ["T-1"])).reason == "held_for_other"
    assert one(kiosk.circulation.checkout(y, ["T-1"])).ok


@pytest.mark.parametrize("setup,reason,en,ko", [
    ("available", "available", "This item is on the shelf: you can borrow it now.",
     "선반에 있는 물품이에요. 지금 바로 빌릴 수 있어요."),
    ("mine", "already_yours", "You already have this item.", "이미 대여 중인 물품이에요."),
    ("twice", "already_reserved", "You are already on the list for this item.",
     "이미 이 물품의 대기 명단에 있어요."),
    ("retired", "retired", "This item is no longer lent. Please hand it to staff.",
     "더 이상 대여하지 않는 물품이에요. 직원에게 전달해 주세요."),
])
def test_reservation_refusals(kiosk, setup, reason, en, ko):
    stock(kiosk, "T-1")
    _, card = join(kiosk)
    _, other = join(kiosk)
    if setup == "mine":
        kiosk.circulation.checkout(card, ["T-1"])
    elif setup == "twice":
        kiosk.circulation.checkout(other, ["T-1"])
        kiosk.circulation.reserve(card, "T-1")
    elif setup == "retired":
        kiosk.catalogue.set_status("T-1", "retired", actor="staff")
    before = snapshot(kiosk)
    with pytest.raises(Refused) as err:
        kiosk.circulation.reserve(card, "T-1")
    assert (err.value.reason, err.value.render("en"), err.value.render("ko")) == (reason, en, ko)
    assert snapshot(kiosk) == before


def test_cancelling_a_hold_offers_the_item_to_the_next_member(kiosk):
    stock(kiosk, "T-1")
    _, x = join(kiosk)
    y_number, y = join(kiosk)
    kiosk.circulation.reserve(x, "T-1", source="platform")
    kiosk.circulation.reserve(y, "T-1", source="platform")
    kiosk.circulation.cancel_reservation(x, "T-1", actor="staff")
    assert one(kiosk.circulation.checkout(y, ["T-1"])).ok
    before = snapshot(kiosk)
    with pytest.raises(BadInput) as err:
        kiosk.circulation.cancel_reservation(x, "T-1")
    assert err.value.render("en") == "There is no reservation of T-00001 for this member."
    assert err.value.render("ko") == "이 회원의 T-00001 예약이 없어요."
    assert snapshot(kiosk) == before


# -- returns ------------------------------------------------------------------------------
DRILL_PARTS = [{"name_ko": "드릴 본체", "name_en": "drill", "count": 1},
               {"name_ko": "비트", "name_en": "bits", "count": 10}]


def test_a_complete_return_goes_back_to_the_shelf(kiosk, clock):
    stock(kiosk, "T-1", parts=DRILL_PARTS)
    number, card = join(kiosk)
    kiosk.circulation.checkout(card, ["T-1"])
    clock.now = seoul(dt.date(2026, 11, 12))
    back = kiosk.circulation.return_item("T-1", parts_counted=11)
    assert (back.destination, back.condition, back.late_days, back.member_number) == \
        ("shelf", "ok", 3, number)
    loan = loan_row(kiosk, "T-1")
    assert (loan.parts_expected, loan.parts_counted, loan.condition) == (11, 11, "ok")
    assert loan.returned_at is not None and loan.return_site == kiosk.site
    assert kiosk.catalogue.get("T-1").status == "available"


def test_missing_parts_send_the_item_to_inspection_and_keep_the_waitlist_waiting(kiosk):
    stock(kiosk, "T-1", parts=DRILL_PARTS)
    _, card = join(kiosk)
    y_number, y = join(kiosk)
    kiosk.circulation.checkout(card, ["T-1"])
    kiosk.circulation.reserve(y, "T-1")
    back = kiosk.circulation.return_item("T-1", parts_counted=9)
    assert (back.destination, back.condition, back.held_for) == ("staff", "missing_parts", None)
    assert back.parts_expected - back.parts_counted == 2
    loan = loan_row(kiosk, "T-1")
    assert (loan.parts_expected, loan.parts_counted, loan.condition) == (11, 9, "missing_parts")
    assert events(kiosk, "loan.returned")[0][1]["parts_counted"] == 9
    assert kiosk.catalogue.get("T-1").status == "inspection"
    assert one(kiosk.circulation.checkout(y, ["T-1"])).reason == "not_available"
    # staff find the bits and shelve it: the member waiting gets the hold
    kiosk.catalogue.set_status("T-1", "available", actor="staff")
    assert kiosk.catalogue.get("T-1").status == "held"
    assert one(kiosk.circulation.checkout(y, ["T-1"])).ok


def test_damage_sends_the_item_to_inspection_with_the_note_on_the_loan(kiosk):
    stock(kiosk, "T-1", parts=2)
    _, card = join(kiosk)
    kiosk.circulation.checkout(card, ["T-1"])
    back = kiosk.circulation.return_item("T-1", damaged_note=" 손잡이 균열 ")
    assert (back.destination, back.condition) == ("staff", "damaged")
    loan = loan_row(kiosk, "T-1")
    assert (loan.condition, loan.return_note, loan.parts_counted) == ("damaged", "손잡이 균열", 2)
    assert kiosk.catalogue.get("T-1").status == "inspection"


@pytest.mark.parametrize("kwargs,en,ko", [
    ({"parts_counted": 12}, "Please enter a number of parts from 0 to 11.",
     "구성품 수를 0에서 11 사이로 입력해 주세요."),
    ({"parts_counted": -1}, "Please enter a number of parts from 0 to 11.",
     "구성품 수를 0에서 11 사이로 입력해 주세요."),
    ({"damaged_note": "  "}, "Please say briefly what is damaged.",
     "어디가 손상되었는지 간단히 알려 주세요."),
])
def test_bad_return_input_changes_nothing(kiosk, kwargs, en, ko):
    stock(kiosk, "T-1", parts=DRILL_PARTS)
    _, card = join(kiosk)
    kiosk.circulation.checkout(card, ["T-1"])
    before = snapshot(kiosk)
    with pytest.raises(BadInput) as err:
        kiosk.circulation.return_item("T-1", **kwargs)
    assert (err.value.render("en"), err.value.render("ko")) == (en, ko)
    assert snapshot(kiosk) == before


def test_returning_an_item_not_on_loan_changes_nothing(kiosk):
    stock(kiosk, "T-1")
    before = snapshot(kiosk)
    with pytest.raises(BadInput) as err:
        kiosk.circulation.return_item("T-1")
    assert err.value.render("en") == \
        "T-00001 is not on loan, so it cannot be returned. Please hand it to staff."
    assert err.value.render("ko") == "T-00001은 대여 중이 아니라서 반납할 수 없어요. 직원에게 전달해 주세요."
    assert snapshot(kiosk) == before


def test_a_return_at_another_centre_is_a_transfer(kiosk):
    stock(kiosk, "T-1")
    _, card = join(kiosk)
    _, waiting = join(kiosk)
    kiosk.circulation.checkout(card, ["T-1"])
    kiosk.circulation.reserve(waiting, "T-1")
    # The resident brings the item to the kiosk of centre GN02 (same database here).
    with kiosk.transaction() as s:
        kiosk.set_setting(s, "site", "GN02")
    # ...and scans its label, which names its home centre
    back = kiosk.circulation.return_item(item_label_payload("T-1", kiosk.base_url, "GN01"))
    assert (back.destination, back.held_for) == ("transfer", None)
    assert loan_row(kiosk, "T-1").return_site == "GN02"
    # it travels home: on the shelf for other centres' items here, not lent again here
    assert kiosk.catalogue.get(item_label_payload("T-1", kiosk.base_url, "GN01")).status == "in_transit"
    assert events(kiosk, "loan.returned")[0][1]["destination"] == "transfer"
    [(_, started)] = events(kiosk, "transfer.started")
    assert (started["item"], started["item_site"], started["to_site"], started["site"]) == \
        ("T-00001", "GN01", "GN01", "GN02")
    assert started["loan"] == loan_row(kiosk, "T-1").uid


# -- the messages themselves ------------------------------------------------------------
def _fields(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _msgids_in_circulation():
    """Every msgid passed to Refused(...) or BadInput(...) in circulation.py."""
    found = set()
    for node in ast.walk(ast.parse(SOURCE.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            index = {"Refused": 1, "BadInput": 0}.get(node.func.id)
            if index is not None:
                arg = node.args[index]
                assert isinstance(arg, ast.Constant), f"msgid at line {node.lineno} is not a literal"
                found.add(arg.value)
    return found


def test_every_circulation_message_has_a_korean_translation():
    with FRAGMENT.open("rb") as fh:
        fragment = {m.id: m.string for m in read_po(fh, locale="ko") if m.id}
    msgids = _msgids_in_circulation()
    assert len(msgids) >= 21
    assert sorted(msgids - fragment.keys()) == []
    for msgid in msgids:
        assert fragment[msgid].strip() and fragment[msgid] != msgid
        assert _fields(fragment[msgid]) == _fields(msgid), msgid
        # translate() also fits the particles to the word: "X은(는)" reads "X는"
        assert i18n.translate(msgid, "ko", **dict.fromkeys(_fields(msgid), "X")) == \
            resolve(fragment[msgid].format(**dict.fromkeys(_fields(msgid), "X")))
