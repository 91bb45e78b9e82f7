"""The one rule for an item's status (kiosk.domain) and every path that applies it.

The rule is checked as a table (every cause, every pair of statuses) and as
properties; each service path is checked for what it does to the item, its
hold and its waiting list, and that the event log still replays to the tables.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

import kiosk.i18n as i18n
from kiosk.codes import item_label_payload
from kiosk.domain import (
    ALLOWED,
    STATUS_LABELS,
    Cause,
    ItemStatus,
    ReservationStatus,
    StatusRefused,
    item_transition,
)
from kiosk.errors import BadInput, Refused
from kiosk.services.desk import Desk
from kiosk.services.integrity import replay_problems
from kiosk.services.staff import Staff
from kiosk.store.models import Event, Item, Reservation

ROOT = Path(__file__).resolve().parents[2]
S = ItemStatus


@pytest.fixture(scope="module", autouse=True)
def catalogues(tmp_path_factory):
    """The catalogues with this module's fragments merged in (as the release's will be)."""
    root = tmp_path_factory.mktemp("locale")
    for lang in ("ko", "zh", "vi"):
        folder = root / lang / "LC_MESSAGES"
        folder.mkdir(parents=True)
        with (i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "nanum.po").open("rb") as fh:
            merged = read_po(fh, locale=lang)
        with (i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "_domain.po").open("rb") as fh:
            for m in read_po(fh, locale=lang):
                if m.id:
                    merged.add(m.id, m.string)
        with (folder / "nanum.po").open("wb") as fh:
            write_po(fh, merged)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(i18n, "LOCALE_DIR", root)
        i18n.catalogue.cache_clear()
        yield
    i18n.catalogue.cache_clear()


@pytest.fixture
def boss(kiosk):
    return Staff(kiosk).create_first_manager("김관리", "2580")


# -- the rule, as a table ---------------------------------------------------------------
#: cause -> the changes it allows, written out by hand (the rule must agree)
TABLE = {
    Cause.LEND: {(S.AVAILABLE, S.ON_LOAN), (S.HELD, S.ON_LOAN)},
    Cause.RETURN: {(S.ON_LOAN, S.AVAILABLE), (S.ON_LOAN, S.INSPECTION),
                   (S.IN_TRANSIT, S.AVAILABLE), (S.IN_TRANSIT, S.INSPECTION)},
    Cause.TRANSFER: {(old, S.IN_TRANSIT) for old in S if old != S.RETIRED},
    Cause.HOLD: {(S.AVAILABLE, S.HELD), (S.HELD, S.AVAILABLE)},
    Cause.STAFF: {(old, new) for old in S if old != S.ON_LOAN
                  for new in (S.AVAILABLE, S.INSPECTION, S.REPAIR, S.RETIRED)},
    Cause.SYNC: {(old, new) for old in S for new in S},  # the platform's word wins
}


@pytest.mark.parametrize("cause", list(Cause))
@pytest.mark.parametrize("old", list(S))
@pytest.mark.parametrize("new", list(S))
def test_the_rule_allows_exactly_the_table(cause, old, new):
    allowed = (old, new) in TABLE[cause]
    assert (new in ALLOWED[cause].get(old, frozenset())) == allowed
    if allowed:
        rule = item_transition("T-00001", old, new, cause)
        assert (rule.old, rule.new, rule.cause) == (old, new, cause)
        return
    with pytest.raises(StatusRefused) as err:
        item_transition("T-00001", old, new, cause)
    # a refusal is a translated domain error, in every language, naming both statuses
    for lang in ("en", "ko", "zh", "vi"):
        text = err.value.render(lang)
        assert "T-00001" in text and "{" not in text and "(는)" not in text
    if not (old == S.ON_LOAN and cause == Cause.STAFF):
        assert err.value.render("en") == (f"T-00001 cannot change from “{STATUS_LABELS[old]}” "
                                          f"to “{STATUS_LABELS[new]}”.")
        assert i18n.translate(STATUS_LABELS[new], "ko") in err.value.render("ko")
    assert isinstance(err.value, BadInput)


def test_staff_cannot_touch_an_item_on_loan_and_are_told_why():
    with pytest.raises(StatusRefused) as err:
        item_transition("T-00001", S.ON_LOAN, S.RETIRED, Cause.STAFF)
    assert err.value.render("en") == "T-00001 is on loan; return it first."
    assert err.value.render("ko") == "T-00001은 대여 중이에요. 먼저 반납해 주세요."


@given(old=st.sampled_from(list(S)), new=st.sampled_from(list(S)), cause=st.sampled_from(list(Cause)))
def test_what_a_change_does_to_holds_and_waiting_lists(old, new, cause):
    try:
        rule = item_transition("T-1", old, new, cause)
    except StatusRefused:
        assert (old, new) not in TABLE[cause]
        return
    # held for nobody once it is not held; offered to the queue exactly when on the shelf
    assert rule.clear_hold == (new != S.HELD)
    assert rule.offer == (new == S.AVAILABLE)
    # retiring cancels the whole waiting list; nothing else touches it
    assert rule.waiting == (ReservationStatus.CANCELLED if new == S.RETIRED else None)
    # the held member's reservation changes only when the hold ends...
    if old != S.HELD or new == S.HELD:
        assert rule.hold is None
    elif new == S.ON_LOAN:
        assert rule.hold == ReservationStatus.FULFILLED
    elif new == S.RETIRED:
        assert rule.hold == ReservationStatus.CANCELLED
    elif cause == Cause.HOLD:
        assert rule.hold is None  # cancelled or expired by whoever ended it
    else:
        assert rule.hold == ReservationStatus.WAITING  # the member keeps their turn
    # ... and only a checkout puts an item on loan; only staff bring a retired one back
    # (here, or elsewhere as the platform reports)
    assert new != S.ON_LOAN or cause in (Cause.LEND, Cause.SYNC)
    assert old != S.RETIRED or cause in (Cause.STAFF, Cause.SYNC)
    # what the platform made is not logged again as the kiosk's own
    assert rule.tell == (cause != Cause.SYNC)


@given(old=st.text(max_size=12), new=st.text(max_size=12), cause=st.sampled_from(list(Cause)))
def test_any_text_is_a_status_or_a_translated_refusal(old, new, cause):
    try:
        item_transition("T-1", old, new, cause)
    except StatusRefused as exc:
        assert exc.render("ko") and exc.render("en")
    else:
        assert old in S.ALL and new in S.ALL


# -- every path applies it ------------------------------------------------------------
def stock(k, *codes, home_site=None):
    for code in codes:
        k.catalogue.add_item(code, f"물품 {code}", name_en=f"item {code}", home_site=home_site)


def join(k):
    view, card = k.members.add("주민", "standard")
    return view.number, card


def reservations(k, code="T-00001"):
    with k.reading() as s:
        return s.execute(select(Reservation.member_id, Reservation.status).join(
            Item, Reservation.item_id == Item.id).where(Item.code == code)
            .order_by(Reservation.created_at, Reservation.id)).all()


def item(k, code="T-00001"):
    with k.reading() as s:
        i = s.execute(select(Item).where(Item.code == code)).scalar_one()
        return i.status, i.held_for_member_id, i.hold_until


def events(k, type_):
    with k.reading() as s:
        return [(e.actor, json.loads(e.payload)) for e in s.execute(
            select(Event).where(Event.type == type_).order_by(Event.seq)).scalars()]


def log_agrees(k):
    with k.reading() as s:
        assert [m.render("en") for m in replay_problems(s)] == []
        # one reservation.cancelled event per cancelled reservation (DESIGN.md section 2)
        cancelled = s.execute(select(Reservation.id).where(
            Reservation.status == ReservationStatus.CANCELLED)).all()
    assert len(events(k, "reservation.cancelled")) == len(cancelled)


def _retire_from_catalogue(k, boss):
    k.catalogue.set_status("T-1", "retired", actor="김관리", note="고장")
    return "item.status_changed"


def _retire_at_the_desk(k, boss):
    Desk(k).retire_item("T-1", by=boss, note="고장")
    return "item.retired"


def _retire_after_inspection(k, boss):
    k.catalogue.set_status("T-1", "inspection", actor="김관리")
    Desk(k).resolve_inspection("T-1", "retired", by=boss, note="수리 불가")
    return "item.inspected"


@pytest.mark.parametrize("retire", [_retire_from_catalogue, _retire_at_the_desk, _retire_after_inspection])
def test_every_way_of_retiring_cancels_the_waiting_list_and_tells_each_member(kiosk, boss, retire):
    stock(kiosk, "T-1")
    a_number, a = join(kiosk)
    b_number, b = join(kiosk)
    c_number, c = join(kiosk)
    kiosk.circulation.checkout(a, ["T-1"])
    kiosk.circulation.reserve(b, "T-1")
    kiosk.circulation.reserve(c, "T-1")
    kiosk.circulation.return_item("T-1")  # held for b, c waiting
    assert item(kiosk)[0] == "held"
    event_type = retire(kiosk, boss)
    assert item(kiosk) == ("retired", None, None)
    assert [st for _m, st in reservations(kiosk)] == ["cancelled", "cancelled"]
    # the platform hears of each cancellation (and tells the member), then of the retirement
    told = events(kiosk, "reservation.cancelled")
    assert [(actor, p["member"]) for actor, p in told] == [("김관리", b_number), ("김관리", c_number)]
    with kiosk.reading() as s:
        last = s.execute(select(Event.type).order_by(Event.seq.desc()).limit(1)).scalar_one()
    assert last == event_type
    log_agrees(kiosk)
    # nobody can join the list of a retired item any more
    with pytest.raises(Refused):
        kiosk.circulation.reserve(a, "T-1")


def test_the_desk_counts_what_the_retirement_cancelled(kiosk, boss):
    stock(kiosk, "T-1")
    _, a = join(kiosk)
    _, b = join(kiosk)
    kiosk.circulation.checkout(a, ["T-1"])
    kiosk.circulation.reserve(b, "T-1")
    kiosk.circulation.return_item("T-1", parts_counted=0, damaged_note="손잡이 부러짐")
    result = Desk(kiosk).resolve_inspection("T-1", "retired", by=boss, note="수리 불가")
    assert result.cancelled == 1 and result.held_for is None
    [(_, inspected)] = events(kiosk, "item.inspected")
    assert inspected["reservations_cancelled"] == 1
    log_agrees(kiosk)  # ... and logged the cancellation itself, so the member hears of it


@pytest.mark.parametrize("target", ["repair", "inspection", "available"])
def test_a_held_item_taken_off_the_shelf_keeps_the_members_turn(kiosk, boss, target):
    stock(kiosk, "T-1")
    _, a = join(kiosk)
    b_number, b = join(kiosk)
    _, c = join(kiosk)
    kiosk.circulation.checkout(a, ["T-1"])
    kiosk.circulation.reserve(b, "T-1")
    kiosk.circulation.reserve(c, "T-1")
    kiosk.circulation.return_item("T-1")
    status, b_id, _until = item(kiosk)
    assert status == "held"
    kiosk.catalogue.set_status("T-1", target, actor="김관리", note="점검")
    if target != "available":
        # b is back in the queue, first; nothing is held while staff have it
        assert item(kiosk) == (target, None, None)
        assert [st for _m, st in reservations(kiosk)] == ["waiting", "waiting"]
        kiosk.catalogue.set_status("T-1", "available", actor="김관리")
    # back on the shelf: b's hold again, not c's
    assert item(kiosk)[:2] == ("held", b_id)
    assert [st for _m, st in reservations(kiosk)] == ["held", "waiting"]
    assert kiosk.circulation.checkout(b, ["T-1"]).outcomes[0].ok
    assert [st for _m, st in reservations(kiosk)] == ["fulfilled", "waiting"]
    log_agrees(kiosk)


def test_staff_cannot_change_an_item_on_loan(kiosk, boss):
    stock(kiosk, "T-1")
    _, a = join(kiosk)
    kiosk.circulation.checkout(a, ["T-1"])
    for change in (lambda: kiosk.catalogue.set_status("T-1", "repair", actor="김관리"),
                   lambda: Desk(kiosk).retire_item("T-1", by=boss)):
        with pytest.raises(StatusRefused) as err:
            change()
        assert err.value.render("ko") == "T-00001은 대여 중이에요. 먼저 반납해 주세요."
    assert item(kiosk)[0] == "on_loan"
    assert events(kiosk, "item.status_changed") == events(kiosk, "item.retired") == []


def test_lending_returning_and_holds_follow_the_rule(kiosk, clock):
    stock(kiosk, "T-1")
    _, a = join(kiosk)
    _, b = join(kiosk)
    _, c = join(kiosk)
    assert kiosk.circulation.checkout(a, ["T-1"]).outcomes[0].ok  # LEND
    kiosk.circulation.reserve(b, "T-1")
    kiosk.circulation.reserve(c, "T-1")
    assert kiosk.circulation.return_item("T-1").destination == "reservation_shelf"  # RETURN, offered
    kiosk.circulation.cancel_reservation(b, "T-1")  # HOLD ends: c's turn
    assert [st for _m, st in reservations(kiosk)] == ["cancelled", "held"]
    clock.now += dt.timedelta(days=30)
    assert kiosk.circulation.expire_holds() == 1  # HOLD ends: nobody left
    assert item(kiosk) == ("available", None, None)
    assert [st for _m, st in reservations(kiosk)] == ["cancelled", "expired"]
    log_agrees(kiosk)


def test_an_item_travelling_home_keeps_its_queue_and_is_offered_on_arrival(kiosk):
    stock(kiosk, "T-1")
    _, a = join(kiosk)
    _, b = join(kiosk)
    kiosk.circulation.checkout(a, ["T-1"])
    kiosk.circulation.reserve(b, "T-1")
    with kiosk.transaction() as s:  # returned at GN02's kiosk (same database here)
        kiosk.set_setting(s, "site", "GN02")
    label = item_label_payload("T-1", kiosk.base_url, "GN01")
    assert kiosk.circulation.return_item(label).destination == "transfer"  # TRANSFER
    assert item(kiosk)[0] == "in_transit"
    with kiosk.transaction() as s:
        kiosk.set_setting(s, "site", "GN01")
    back = kiosk.circulation.receive_transfer(label)  # RETURN: home, and b's turn
    assert back.destination == "reservation_shelf"
    assert [st for _m, st in reservations(kiosk)] == ["held"]


# -- the UI names statuses by the domain's enums ----------------------------------------
VOCABULARY = {v.value for enum in (ItemStatus, ReservationStatus) for v in enum} | {
    "shelf", "reservation_shelf", "transfer", "staff", "ok", "damaged", "missing_parts"}
FIELDS = {"status", "destination", "outcome", "condition"}


def _literals(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [v for e in node.elts for v in _literals(e)]
    return []


def test_the_ui_compares_no_status_with_a_string():
    found = []
    for path in sorted((ROOT / "ui").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Compare):
                continue
            sides = [node.left, *node.comparators]
            if not any(isinstance(x, ast.Attribute) and x.attr in FIELDS for x in sides):
                continue
            words = [w for x in sides for w in _literals(x) if w in VOCABULARY]
            if words:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {words}")
    assert found == []
