"""Borrowing through the real screens: card, three items, refusals, receipt, thank-you."""

from __future__ import annotations

import pytest

from kiosk.codes import item_label_payload
from kiosk.errors import Refused
from ui.tasks import runner


def _borrow_screen(window):
    return window.screens["borrow"]


def test_card_at_home_then_three_items_then_receipt_and_thanks(window, ui, cards, demo):
    ui.scan(cards["윤지우"])  # a card shown at home starts borrowing
    assert window.current.name == "borrow"
    assert window.session.member.display_name == "윤지우"
    for code in ("T-00002", "T-00003", "G-00002"):
        assert ui.scan(ui.label(code))
    screen = _borrow_screen(window)
    assert [(o.item, o.ok) for o, _v, _r in screen.entries] == [
        ("T-00002", True), ("T-00003", True), ("G-00002", True)]
    assert window.sound.played == ["ok", "ok", "ok", "ok"]
    # Each row: the item's name, its photo tile and the due date (a week on the centre's calendar).
    row = screen.entries[0][2]
    assert row.name.text() == "충전드릴"
    assert "3월 17일" in row.status.text() and row.ok is True
    assert screen.banner.kind == "ok" and screen.banner.isVisible()
    loans = demo.circulation.loans(open_only=True, member_payload=cards["윤지우"])
    assert sorted(loan.item_code for loan in loans) == ["G-00002", "T-00002", "T-00003"]

    # The same label seen again is not lent twice, nor listed twice.
    ui.scan(ui.label("T-00002"))
    assert len(screen.entries) == 3

    ui.tap("BorrowDone")
    assert window.current.name == "receipt"
    summary = window.findChild(type(row.name), "ReceiptSummary").text()
    assert "충전드릴 (T-00002)" in summary
    ui.tap("ReceiptPrint")
    assert len(window.ctx.printer.printed) == 1
    assert window.current.name == "thanks"
    ui.tap("ThanksHome")
    assert window.current.name == "home"
    assert window.session.member is None and screen.entries == []


def test_scanning_does_not_wait_for_the_database(window, ui, cards):
    ui.sign_in(cards["윤지우"])
    window.handle_scan(ui.label("T-00002"))
    # handle_scan returned with the checkout still queued on the worker.
    assert runner().busy
    assert _borrow_screen(window).entries == []
    ui.settle()
    assert len(_borrow_screen(window).entries) == 1


def _setup_rule(demo, cards, rule):
    """(member name, item code) that break ``rule``; changes the demo centre when needed."""
    if rule == "on_loan":
        return "윤지우", "K-00001"
    if rule == "held_for_other":
        return "윤지우", "C-00003"
    if rule == "not_available":
        return "윤지우", "T-00006"  # in repair
    if rule == "retired":
        demo.catalogue.set_status("T-00014", "retired", actor="test")
        return "윤지우", "T-00014"
    if rule == "other_site":
        demo.catalogue.add_item("T-00900", "원형톱", name_en="Saw", home_site="SC02", actor="test")
        return "윤지우", "T-00900"
    if rule == "already_yours":
        return "김민준", "T-00001"
    if rule == "limit":
        for code in ("T-00012", "T-00013", "T-00015"):
            assert demo.circulation.checkout(cards["한도윤"], [code]).outcomes[0].ok
        return "한도윤", "T-00017"
    if rule == "overdue":
        return "정우진", "T-00017"
    if rule == "member_expired":
        return "오예린", "T-00017"
    if rule == "member_suspended":
        return "서지호", "T-00017"
    raise AssertionError(rule)


RULES = ("on_loan", "held_for_other", "not_available", "retired", "other_site", "already_yours",
         "limit", "overdue", "member_expired", "member_suspended")


@pytest.mark.parametrize("rule", RULES)
def test_each_lending_rule_refuses_inline_with_its_reason(window, ui, cards, demo, rule):
    name, code = _setup_rule(demo, cards, rule)
    site = "SC02" if rule == "other_site" else None  # another centre's item: its label names it
    ref = ui.label(code, site)
    before = demo.catalogue.get(ref).status
    ui.sign_in(cards[name])
    window.sound.played.clear()
    ui.scan(ref)
    screen = _borrow_screen(window)
    (outcome, _view, row), = screen.entries
    assert not outcome.ok and outcome.reason == rule
    assert row.ok is False and row.status.text() == outcome.error.render("ko")
    assert screen.banner.kind == "refused"
    assert screen.banner.title.text() == f"{_view.name('ko') if _view else code}: 대여 불가"
    assert window.sound.played == ["refused"]
    assert demo.catalogue.get(ref).status == before
    # What to do next is offered where there is something to do.
    wait = window.findChild(type(ui.button("BorrowDone")), f"wait_{code}")
    assert (wait is not None and wait.isVisible()) == (rule == "on_loan")


def test_a_foreign_code_is_refused_clearly_and_changes_nothing(window, ui, cards, demo):
    ui.sign_in(cards["윤지우"])
    events = demo.maintenance.verify_log().count
    ui.scan("https://example.com/coupon/1234")
    screen = _borrow_screen(window)
    assert screen.entries == []
    assert screen.banner.kind == "refused"
    assert screen.banner.title.text() == "나눔센터의 코드가 아니에요."
    assert window.sound.played[-1] == "refused"
    assert demo.maintenance.verify_log().count == events


def test_a_member_card_on_the_borrow_screen_is_not_an_item(window, ui, cards):
    ui.sign_in(cards["윤지우"])
    ui.scan(cards["김민준"])
    screen = _borrow_screen(window)
    assert screen.entries == [] and screen.banner.kind == "refused"
    assert window.session.member.display_name == "윤지우"


def test_join_the_waiting_list_from_a_refusal(window, ui, cards, demo):
    ui.sign_in(cards["윤지우"])
    ui.scan(ui.label("K-00001"))
    ui.tap("wait_K-00001")
    row = _borrow_screen(window).entries[0][2]
    assert "대기 명단" in row.status.text()
    with pytest.raises(Refused):  # the reservation is there: a second one is refused
        demo.circulation.reserve(cards["윤지우"], "K-00001")


def test_reserved_item_is_lent_to_its_member_only(window, ui, cards, demo):
    ui.sign_in(cards["윤지우"])
    ui.scan(ui.label("C-00003"))
    assert _borrow_screen(window).entries[0][0].reason == "held_for_other"
    window.end_session()
    ui.sign_in(cards["조현우"])
    ui.scan(item_label_payload("C-00003", demo.base_url))
    (outcome, _v, row), = _borrow_screen(window).entries
    assert outcome.ok and row.ok
    assert demo.catalogue.get("C-00003").status == "on_loan"


def test_pin_fallback_identifies_and_refuses_a_wrong_pin(window, ui):
    window.go("borrow")
    ui.tap("UsePin")
    for key in ("key_1", "key_ok", "key_9", "key_9", "key_9", "key_9", "key_ok"):
        ui.tap(key)
    identify = window.screens["identify"]
    assert window.session.member is None and identify.banner.kind == "refused"
    assert identify.pin.text() == ""  # a wrong PIN is cleared, the number kept
    for key in ("key_1", "key_2", "key_3", "key_4", "key_ok"):
        ui.tap(key)
    assert window.session.member.display_name == "김민준"
    assert window.current.name == "borrow"


def test_a_message_on_screen_follows_a_language_switch(window, ui, cards, demo):
    from kiosk.i18n import translate

    window.go("borrow")
    ui.tap("UsePin")
    for key in ("key_1", "key_ok", "key_9", "key_9", "key_9", "key_9", "key_ok"):
        ui.tap(key)
    banner = window.screens["identify"].banner
    korean = banner.title.text()
    assert banner.kind == "refused" and korean
    for lang in ("en", "vi"):
        window.session.set_language(lang)
        ui.settle()
        assert banner.title.text() != korean and banner.title.text() == \
            translate("The number or PIN is not right.", lang), lang
    ui.sign_in(cards["윤지우"])
    ui.scan(ui.label("T-00002"))
    borrowed = window.screens["borrow"].banner
    drill = demo.catalogue.get("T-00002")
    for lang in ("en", "zh", "ko"):  # the item's name too
        window.session.set_language(lang)
        ui.settle()
        assert borrowed.title.text() == translate("{name}: borrowed", lang).format(name=drill.name(lang)), lang


def test_typed_code_goes_the_way_of_a_scan(window, ui, cards):
    ui.sign_in(cards["윤지우"])
    ui.tap("TypeCode")
    for key in "T-2":
        ui.tap(f"type_{key}")
    ui.tap("CodeKeyboard_ok")
    (outcome, _v, _r), = _borrow_screen(window).entries
    assert outcome.item == "T-00002" and outcome.ok


def test_a_result_that_arrives_after_the_session_ended_is_dropped(window, ui, cards):
    ui.sign_in(cards["윤지우"])
    window.handle_scan(ui.label("T-00002"))
    window.end_session()  # e.g. the idle reset, while the checkout is on the worker
    ui.settle()
    assert _borrow_screen(window).entries == []
    assert "충전드릴" not in " ".join(ui.visible_texts())
