"""Returning through the real screens: parts count, condition, where the item goes."""

from __future__ import annotations

import os

from PySide6.QtWidgets import QLabel

from ui.screens.giveback import CONDITION, COUNT, PARTS, RESULT, SCAN


def _ret(window):
    return window.screens["return"]


def test_toy_with_missing_pieces_goes_to_staff_for_inspection(window, ui, demo):
    window.go("return")  # no card needed to bring something back
    assert window.current.name == "return" and _ret(window).step == SCAN
    ui.scan(ui.label("K-00001"))
    screen = _ret(window)
    assert screen.step == PARTS
    assert screen.parts_question.text() == "이 물품의 구성품은 120개예요. 모두 있나요?"
    assert screen.parts_list.text() == "구성품: 120개"
    assert screen.item_photo.isVisible() and screen.item_name.text().startswith("블록 장난감")
    ui.tap("SomeMissing")
    assert screen.step == COUNT
    for _ in range(3):
        ui.tap("part_0_minus")
    assert window.findChild(QLabel, "part_0_value").text() == "117 / 120"
    assert ui.button("part_0_plus").isEnabled()  # + is back once one is taken off
    ui.tap("CountConfirm")
    assert screen.step == CONDITION
    ui.tap("ConditionFine")
    assert screen.step == RESULT
    assert screen.where.text() == "직원에게 전달해 주세요."
    assert "구성품 3개가 빠졌어요" in screen.where_detail.text()
    item = demo.catalogue.get("K-00001")
    assert item.status == "inspection"
    returned = [loan for loan in demo.circulation.loans() if loan.item_code == "K-00001"]
    assert returned[0].returned_at is not None
    assert window.session.visit.returned[0].parts_counted == 117


def test_counts_cannot_go_below_zero_or_above_the_list(window, ui):
    window.go("return")
    ui.scan(ui.label("T-00001"))  # drill: body 1, batteries 2, charger 1, bits 10
    ui.tap("SomeMissing")
    counters = _ret(window).counters
    assert [c.count for c in counters] == [1, 2, 1, 10]
    assert not ui.button("part_0_plus").isEnabled()
    ui.tap("part_0_minus")
    assert counters[0].count == 0 and not ui.button("part_0_minus").isEnabled()


def test_damaged_item_goes_to_staff_with_the_short_choice_recorded(window, ui, demo):
    window.go("return")
    ui.scan(ui.label("T-00009"))  # a one-piece ladder: straight to the condition question
    assert _ret(window).step == CONDITION
    ui.tap("ConditionDamaged")
    ui.tap("damage_not_working")
    assert _ret(window).outcome.condition == "damaged"
    assert _ret(window).outcome.destination == "staff"
    assert demo.catalogue.get("T-00009").status == "inspection"


def test_item_someone_waits_for_goes_to_the_reservation_shelf(window, ui, demo):
    window.go("return")
    ui.scan(ui.label("T-00011"))
    ui.tap("AllPartsHere")
    ui.tap("ConditionFine")
    screen = _ret(window)
    assert screen.outcome.destination == "reservation_shelf"
    assert screen.where.text() == "예약 선반에 놓아 주세요."
    assert demo.catalogue.get("T-00011").status == "held"


def test_complete_return_goes_to_the_return_shelf_then_receipt(window, ui, demo):
    window.go("return")
    ui.scan(ui.label("T-00004"))
    ui.tap("AllPartsHere")
    ui.tap("ConditionFine")
    assert _ret(window).where.text() == "반납 선반에 놓아 주세요."
    assert "일 늦게 반납되었어요" in _ret(window).where_detail.text()  # it was overdue
    ui.tap("ReturnDone")
    assert window.current.name == "receipt"
    ui.tap("ReceiptQr")
    from ui.widgets.common import QrView

    qr = window.findChild(QrView, "ReceiptQrCode")
    assert qr.isVisible() and qr.image is not None and not qr.image.isNull()


def test_an_item_not_on_loan_is_refused_and_nothing_changes(window, ui, demo):
    window.go("return")
    ui.scan(ui.label("T-00013"))
    screen = _ret(window)
    assert screen.step == SCAN and screen.banner.kind == "refused"
    assert "대여 중이 아니에요" in screen.banner.title.text()
    assert window.sound.played[-1] == "refused"
    assert demo.catalogue.get("T-00013").status == "available"


def test_an_item_shown_at_home_starts_a_return(window, ui):
    ui.scan(ui.label("K-00001"))
    assert window.current.name == "return" and _ret(window).step == PARTS


def test_another_centres_item_goes_on_the_shelf_for_other_centres(window, ui, demo):
    """A resident hands in MP01's item at this GN01 kiosk: taken back, and sent home."""
    from kiosk.services.transfers import open_transfers

    demo.catalogue.add_item("T-00001", "원목 기차 세트", parts=1, home_site="MP01")
    window.go("return")
    ui.scan(ui.label("T-00001", site="MP01"))
    screen = _ret(window)
    assert screen.item_name.text().startswith("원목 기차 세트")
    while screen.step != RESULT:  # one piece, all there, in good condition
        ui.tap({PARTS: "AllPartsHere", CONDITION: "ConditionFine"}[screen.step])
    assert screen.where.text() == "'다른 센터 물품' 선반에 놓아 주세요."
    assert "다른 센터" in screen.where_detail.text()
    [sent] = open_transfers(demo).to_send
    assert (sent.item.home_site, sent.item.code, sent.to_site) == ("MP01", "T-00001", "MP01")
    if os.environ.get("NANUM_SHOTS"):
        window.grab().save(os.path.join(os.environ["NANUM_SHOTS"], "return-transfer-ko.png"))
