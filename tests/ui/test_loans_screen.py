"""My loans: due dates, overdue, renew where the rules allow it."""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton

from kiosk.i18n import translate


def _rows(window):
    return window.screens["loans"].rows


def test_my_loans_lists_due_dates_and_renews(window, ui, cards, demo):
    ui.sign_in(cards["김민준"], "loans")
    rows = _rows(window)
    assert sorted(rows) == ["T-00001", "T-00008"]
    assert window.screens["loans"].summary.text() == "대여 중인 물품이 2개 있어요."
    before = {loan.item_code: loan.due_on for loan in
              demo.circulation.loans(open_only=True, member_payload=cards["김민준"])}
    assert rows["T-00008"].status.text() == "반납일 3월 13일 (금)"
    ui.tap("renew_T-00008")
    after = {loan.item_code: loan.due_on for loan in
             demo.circulation.loans(open_only=True, member_payload=cards["김민준"])}
    assert after["T-00008"] > before["T-00008"] and after["T-00001"] == before["T-00001"]
    row = _rows(window)["T-00008"]
    assert row.ok is True and "연장했어요" in row.status.text()
    assert window.findChild(QPushButton, "renew_T-00008") is None  # renewed once: the most allowed
    assert window.session.visit.renewed[0].item == "T-00008"
    ui.tap("LoansDone")  # something happened: a receipt is offered
    assert window.current.name == "receipt"


def test_renewal_refused_when_someone_is_waiting(window, ui, cards):
    ui.sign_in(cards["박지훈"], "loans")
    ui.tap("renew_T-00011")
    row = _rows(window)["T-00011"]
    assert row.ok is False
    assert row.status.text() == translate("Someone is waiting for this item, so it cannot be renewed.", "ko")
    assert window.sound.played[-1] == "refused"


def test_overdue_loans_say_so(window, ui, cards):
    ui.sign_in(cards["정우진"], "loans")
    row = _rows(window)["T-00004"]
    assert row.ok is False and "연체" in row.status.text()


def test_my_loans_needs_the_card_first(window, ui):
    ui.tap("MyLoans")
    assert window.current.name == "identify"
