"""What sync and recovery do to an item's status goes through the one rule (kiosk.domain).

The platform's word on where an item is wins (``Cause.SYNC`` allows any change),
and the hold and the waiting list follow it as they do for a change made at the
kiosk; what the platform already did is reported in ``sync.pulled``, never
logged again as the kiosk's own.
"""

from __future__ import annotations

import ast
import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.services import syncstate
from kiosk.services.integrity import replay_problems
from kiosk.services.recovery import Replayer
from kiosk.store.models import Event, Item, Member, Reservation

ROOT = Path(__file__).resolve().parents[2]
CODE = "T-00001"


@pytest.fixture
def k(make_kiosk):
    kiosk, _clock = make_kiosk()
    kiosk.catalogue.add_item(CODE, "전동 드릴", parts=2)
    kiosk.catalogue.add_item("T-00002", "전동 드릴", parts=2)
    return kiosk


def join(k):
    view, card = k.members.add("주민", "standard")
    return view.number, card


def held_with_queue(k):
    """T-00001 held for b on the reservation shelf, c waiting: (b, c) numbers."""
    _, a = join(k)
    b, b_card = join(k)
    c, c_card = join(k)
    assert k.circulation.checkout(a, [CODE]).outcomes[0].ok
    k.circulation.reserve(b_card, CODE)
    k.circulation.reserve(c_card, CODE)
    assert k.circulation.return_item(CODE).held_for == b
    return b, c


def item(k, code=CODE):
    with k.reading() as s:
        i = s.execute(select(Item).where(Item.code == code)).scalar_one()
        held = s.get(Member, i.held_for_member_id).number if i.held_for_member_id else None
        return i.status, held, i.hold_until is not None


def queue(k, code=CODE):
    """(member, status) of the item's reservations, oldest first."""
    with k.reading() as s:
        return [tuple(r) for r in s.execute(
            select(Member.number, Reservation.status).join(Member, Reservation.member_id == Member.id)
            .join(Item, Reservation.item_id == Item.id).where(Item.code == code)
            .order_by(Reservation.created_at, Reservation.id)).all()]


def uids(k, code=CODE):
    with k.reading() as s:
        return [u for (u,) in s.execute(select(Reservation.uid).join(Item, Reservation.item_id == Item.id)
                                         .where(Item.code == code)
                                         .order_by(Reservation.created_at, Reservation.id)).all()]


def events(k, type_):
    with k.reading() as s:
        return [json.loads(p) for p in s.execute(
            select(Event.payload).where(Event.type == type_).order_by(Event.seq)).scalars()]


def log_agrees(k):
    with k.reading() as s:
        assert [m.render("en") for m in replay_problems(s)] == []


def pull(k, *rows):
    return syncstate.apply_page(k, list(rows), "v1.test.1.1")


def item_row(k, code=CODE, **body):
    view = k.catalogue.get(code)
    return {"kind": "item", "key": f"GN01/{code}", "deleted": False, "body": {
        "code": code, "name_ko": view.name_ko, "name_en": "", "category": view.category,
        "home_site": "GN01", "parts": [{"name": "본체", "count": 2}], "replacement_value": 0,
        "aliases": [], "retired": False, **body}}


# -- no path sets a status or clears a hold by hand -----------------------------------------
def _by_hand(path: Path) -> list[str]:
    """Lines of ``path`` that set an item's status or clear its hold without the rule."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Assign):
            continue
        targets = [t for tgt in node.targets for t in (tgt.elts if isinstance(tgt, ast.Tuple) else [tgt])]
        for t in targets:
            if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id in ("item", "old") \
                    and (t.attr in ("status", "hold_until")
                         or (t.attr == "held_for_member_id" and isinstance(node.value, ast.Constant | ast.Tuple))):
                found.append(f"{path.name}:{node.lineno}")
    return found


@pytest.mark.parametrize("module", ["kiosk/services/syncstate.py", "kiosk/services/recovery.py"])
def test_sync_and_recovery_change_an_items_status_only_through_the_rule(module):
    assert _by_hand(ROOT / module) == []


# -- pulled pages ------------------------------------------------------------------------
def test_a_retirement_from_the_platform_cancels_the_queue_and_reports_it_without_logging_it(k):
    held_with_queue(k)
    before = len(events(k, "reservation.cancelled"))
    report = pull(k, item_row(k, retired=True))
    assert item(k) == ("retired", None, False)
    assert [st for _m, st in queue(k)] == ["cancelled", "cancelled"]
    assert report.cancelled == uids(k)
    # the platform cancelled them and told the members: the kiosk reports, it does not log them again
    assert len(events(k, "reservation.cancelled")) == before
    assert events(k, "sync.pulled")[-1]["cancelled"] == uids(k)
    # back in lending on the platform: on the shelf again, for whoever reserves next
    pull(k, item_row(k, retired=False))
    assert item(k) == ("available", None, False)
    log_agrees(k)


def test_the_other_kiosks_loan_of_a_held_item_fulfils_the_hold(k):
    b, c = held_with_queue(k)
    loan = str(uuid.uuid4())
    pull(k, {"kind": "loan", "key": loan, "deleted": False, "body": {
        "uid": loan, "item": CODE, "item_site": "GN01", "member": b, "member_type": "standard",
        "site": "GN01", "kiosk_id": "GN01-other", "checked_out_at": "2026-03-10T01:30:00+00:00",
        "due": "2026-03-17", "renewals": 0, "returned_at": None, "return_site": None, "condition": None}})
    assert item(k) == ("on_loan", None, False)
    assert queue(k) == [(b, "fulfilled"), (c, "waiting")]  # b has it now; c keeps their turn
    # ... given back at that kiosk: on the shelf there, offered by that kiosk, not again here
    pull(k, {"kind": "loan", "key": loan, "deleted": False, "body": {
        "uid": loan, "item": CODE, "item_site": "GN01", "member": b, "member_type": "standard",
        "site": "GN01", "kiosk_id": "GN01-other", "checked_out_at": "2026-03-10T01:30:00+00:00",
        "due": "2026-03-17", "renewals": 0, "returned_at": "2026-03-11T01:00:00+00:00",
        "return_site": "GN01", "condition": "ok"}})
    assert item(k) == ("available", None, False)
    assert queue(k) == [(b, "fulfilled"), (c, "waiting")]


def test_a_held_item_handed_in_at_another_centre_travels_and_its_member_waits_again(k):
    b, c = held_with_queue(k)
    t = str(uuid.uuid4())
    pull(k, {"kind": "transfer", "key": t, "deleted": False, "body": {
        "uid": t, "item": CODE, "item_site": "GN01", "from_site": "MP01", "to_site": "GN01",
        "loan": None, "started_at": "2026-03-10T02:00:00+00:00", "received_at": None,
        "parts_expected": 2, "parts_counted": 2, "condition": "ok"}})
    assert item(k) == ("in_transit", None, False)
    assert queue(k) == [(b, "waiting"), (c, "waiting")]  # b first, as before the hold
    assert events(k, "reservation.requeued") == []  # the platform knows: nothing logged here
    # received home by the centre's other kiosk: on the shelf, held for b again
    pull(k, {"kind": "transfer", "key": t, "deleted": False, "body": {
        "uid": t, "item": CODE, "item_site": "GN01", "from_site": "MP01", "to_site": "GN01",
        "loan": None, "started_at": "2026-03-10T02:00:00+00:00",
        "received_at": "2026-03-11T02:00:00+00:00", "parts_expected": 2, "parts_counted": 2,
        "condition": "ok"}})
    assert item(k) == ("held", b, True)
    assert queue(k) == [(b, "held"), (c, "waiting")]
    log_agrees(k)


def test_a_hold_ended_on_the_platform_goes_to_the_next_member(k):
    b, c = held_with_queue(k)
    first, _second = uids(k)
    pull(k, {"kind": "reservation", "key": first, "deleted": False, "body": {
        "uid": first, "item": CODE, "item_site": "GN01", "member": b, "status": "cancelled",
        "created_at": "2026-03-10T01:00:00+00:00", "hold_until": None}})
    assert item(k) == ("held", c, True)
    assert queue(k) == [(b, "cancelled"), (c, "held")]


def test_a_held_reservation_moved_to_another_copy_leaves_the_first_to_the_next_member(k):
    b, c = held_with_queue(k)
    first, _second = uids(k)
    pull(k, {"kind": "reservation", "key": first, "deleted": False, "body": {
        "uid": first, "item": "T-00002", "item_site": "GN01", "member": b, "status": "waiting",
        "created_at": "2026-03-10T01:00:00+00:00", "hold_until": None}})
    assert item(k) == ("held", c, True)
    assert queue(k) == [(c, "held")]
    assert item(k, "T-00002") == ("held", b, True)  # the copy on the shelf is b's


# -- recovery: the kiosk's own events taken back after a restore -----------------------------
def test_a_recovered_retirement_cancels_the_waiting_list_as_it_did_then(k):
    b, c = held_with_queue(k)
    with k.transaction() as s:
        replayer = Replayer(s, k.site, k.circulation)
        replayer.apply({"seq": 99, "type": "item.retired", "at": "2026-03-10T03:00:00+00:00",
                        "payload": json.dumps({"item": CODE, "item_site": "GN01", "from": "held",
                                               "note": "고장", "reservations_cancelled": 2})})
        assert replayer.skipped == []
    assert item(k) == ("retired", None, False)
    assert queue(k) == [(b, "cancelled"), (c, "cancelled")]


def test_a_recovered_inspection_keeps_the_held_members_turn(k):
    b, c = held_with_queue(k)
    with k.transaction() as s:
        replayer = Replayer(s, k.site, k.circulation)
        replayer.apply({"seq": 99, "type": "item.status_changed", "at": "2026-03-10T03:00:00+00:00",
                        "payload": json.dumps({"item": CODE, "item_site": "GN01", "from": "held",
                                               "to": "inspection", "note": ""})})
        replayer.apply({"seq": 100, "type": "item.inspected", "at": "2026-03-10T04:00:00+00:00",
                        "payload": json.dumps({"item": CODE, "item_site": "GN01", "from": "inspection",
                                               "outcome": "shelf", "to": "held", "held_for": b})})
        assert replayer.skipped == []
    assert item(k) == ("held", b, True)
    assert queue(k) == [(b, "held"), (c, "waiting")]
