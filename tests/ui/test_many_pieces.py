"""Returning a toy of many pieces without one tap per piece: typed counts, and "I could not count them"."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from kiosk.i18n import translate
from kiosk.services.circulation import UNCOUNTED_NOTE
from kiosk.services.desk import Desk
from ui.screens.giveback import CONDITION, COUNT, PARTS, RESULT
from ui.text import N_, tr

TOY = "K-00001"  # demo block toy: one line of 120 pieces, on loan


def _ret(window):
    return window.screens["return"]


def _returned_loan(demo, code):
    return [loan for loan in demo.circulation.loans() if loan.item_code == code][0]


def test_three_pieces_missing_of_120_is_three_number_keys(window, ui, demo):
    window.go("return")
    ui.scan(ui.label(TOY))
    assert _ret(window).step == PARTS
    ui.tap("SomeMissing")
    assert _ret(window).step == COUNT
    for key in "117":
        ui.tap(f"countkey_{key}")
    value = window.findChild(QLabel, "part_0_value")
    assert value.text() == "117 / 120"
    ui.tap("countkey_1")  # 1171 is more than the box holds: refused, the count stays
    assert value.text() == "117 / 120"
    assert window.sound.played[-1] == "refused"
    ui.tap("CountConfirm")
    ui.tap("ConditionFine")
    screen = _ret(window)
    assert screen.step == RESULT and screen.outcome.destination == "staff"
    assert screen.outcome.parts_counted == 117
    assert demo.catalogue.get(TOY).status == "inspection"


def test_number_keys_type_into_the_part_touched(window, ui):
    window.go("return")
    ui.scan(ui.label("T-00001"))  # drill: body 1, batteries 2, charger 1, bits 10
    ui.tap("SomeMissing")
    ui.tap("part_3_pick")
    ui.tap("countkey_8")  # a fresh line: the first key replaces the count
    ui.tap("part_1_pick")
    ui.tap("countkey_erase")
    ui.tap("countkey_1")
    assert [c.count for c in _ret(window).counters] == [1, 1, 1, 8]


def test_could_not_count_goes_to_staff_with_a_neutral_note_and_nothing_missing(window, ui, demo):
    window.go("return")
    ui.scan(ui.label(TOY))
    ui.tap("CouldNotCount")
    assert _ret(window).step == CONDITION
    ui.tap("ConditionFine")
    screen = _ret(window)
    assert screen.step == RESULT
    assert screen.outcome.destination == "staff" and screen.outcome.condition == "ok"
    detail = screen.where_detail.text()
    assert tr(N_("Staff will count the parts later. Nothing more is needed from you.")) in detail
    assert tr(N_("{count} part(s) missing: staff will contact you if needed."), count=120) not in detail
    assert demo.catalogue.get(TOY).status == "inspection"
    loan = _returned_loan(demo, TOY)
    assert loan.returned_at is not None
    [case] = [c for c in Desk(demo).inspection_queue() if c.item.code == TOY]
    # Staff see why it is there; nothing is recorded missing, so no fee follows.
    assert case.note == translate(UNCOUNTED_NOTE, "ko")
    assert case.parts_counted is None and case.condition == "ok"


def test_giving_up_half_way_through_counting_is_the_same_answer(window, ui, demo):
    window.go("return")
    ui.scan(ui.label(TOY))
    ui.tap("SomeMissing")
    ui.tap("countkey_5")
    ui.tap("CountGaveUp")
    ui.tap("ConditionDamaged")
    ui.tap("damage_broken")
    [case] = [c for c in Desk(demo).inspection_queue() if c.item.code == TOY]
    assert case.parts_counted is None and case.condition == "damaged"
    assert case.note is not None and case.note.endswith(translate(UNCOUNTED_NOTE, "ko"))


def test_the_count_page_keeps_one_primary_action_in_large_text(make_ui):
    from ui.a11y_checks import resident_checks

    window, ui = make_ui()
    ui.tap("LargeText")
    window.go("return")
    ui.scan(ui.label(TOY))
    ui.tap("SomeMissing")
    assert [f for f in resident_checks(window) if f.check == "primary"] == []
