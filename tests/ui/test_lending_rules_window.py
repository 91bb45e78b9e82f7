"""The lending rules through the resident window and its virtual camera: a lapsed fee
(block and warn), an exemption, a deposit item refused at the kiosk and lent by staff, a
qualification missing then recorded then lent, maintenance by count and by date sending the
returned item to inspection with its task, and demand counted from refused scans."""

from __future__ import annotations

import pytest

from kiosk.codes import item_label_payload
from kiosk.services.staff import Staff
from ui.screens.borrow import NEXT_STEPS
from ui.screens.giveback import CONDITION, RESULT
from ui.text import tr

pytestmark = pytest.mark.usefixtures("demo")


def show(window, qtbot, payload: str, until) -> None:
    """Hold ``payload`` up to the virtual camera until ``until()`` holds."""
    window.bridge.present(payload)
    qtbot.waitUntil(until, timeout=8000)


def sign_in(window, ui, qtbot, card: str) -> None:
    window.go("borrow")
    assert window.current.name == "identify"
    show(window, qtbot, card, lambda: window.current.name == "borrow")
    ui.settle()


def borrow(window, ui, qtbot, code: str):
    """Show ``code``'s label to the camera on the borrow screen; returns its outcome."""
    screen = window.screens["borrow"]
    before = len(screen.entries)
    show(window, qtbot, item_label_payload(code, window.ctx.kiosk.base_url),
         lambda: len(screen.entries) > before)
    ui.settle()
    outcome, _view, row = screen.entries[-1]
    return outcome, row


def block_fees(demo, policy="block"):
    demo.rules.set_fee_plan("standard", 10_000)
    with demo.transaction() as s:
        demo.set_setting(s, "fee_policy", policy)


def test_a_lapsed_fee_blocks_and_says_what_to_do(camera_window, cards, demo, qtbot):
    window, ui = camera_window
    block_fees(demo, "block")
    sign_in(window, ui, qtbot, cards["윤지우"])
    outcome, row = borrow(window, ui, qtbot, "T-00002")
    assert (outcome.ok, outcome.reason) == (False, "fee_due")
    assert row.status.text() == outcome.error.render(window.session.lang)
    ui.tap("howto_T-00002")
    assert row.status.text() == tr(NEXT_STEPS["fee_due"])
    assert demo.catalogue.get("T-00002").status == "available"


def test_a_lapsed_fee_only_warns_where_the_site_warns(camera_window, cards, demo, qtbot):
    window, ui = camera_window
    block_fees(demo, "warn")
    sign_in(window, ui, qtbot, cards["윤지우"])
    banner = window.screens["borrow"].banner
    qtbot.waitUntil(lambda: banner.kind == "info", timeout=3000)
    outcome, _row = borrow(window, ui, qtbot, "T-00002")
    assert outcome.ok


def test_an_exempt_member_borrows_where_fees_block(camera_window, cards, demo, qtbot):
    window, ui = camera_window
    block_fees(demo, "block")
    demo.rules.set_exemption(cards["한도윤"], "기초생활수급자", staff="김관리")
    sign_in(window, ui, qtbot, cards["한도윤"])
    outcome, _row = borrow(window, ui, qtbot, "T-00002")
    assert outcome.ok


def test_a_deposit_item_is_refused_at_the_kiosk_and_lent_by_staff(camera_window, cards, demo, qtbot):
    window, ui = camera_window
    demo.rules.set_rule("T-00014", deposit=50_000)
    sign_in(window, ui, qtbot, cards["윤지우"])
    outcome, row = borrow(window, ui, qtbot, "T-00014")
    assert (outcome.ok, outcome.reason) == (False, "deposit")
    ui.tap("howto_T-00014")
    assert row.status.text() == tr(NEXT_STEPS["deposit"])
    number = demo.rules.fee_status(cards["윤지우"]).member

    window.go("home")
    Staff(demo).create_first_manager("김관리", "2580")
    mode = ui.enter_staff_mode()
    page = mode.go("rules")
    page.member.setText(number)
    page.item.setText("T-00014")
    page.amount.setValue(50_000)
    ui.tap("RulesDeposit")
    assert demo.catalogue.get("T-00014").status == "on_loan"
    assert [d.item_code for d in demo.rules.deposits(open_only=True)] == ["T-00014"]


def test_a_qualification_missing_then_recorded_then_lent(camera_window, cards, demo, qtbot):
    window, ui = camera_window
    demo.rules.set_rule("T-00004", qualification="안전교육 이수")
    demo.circulation.return_item("T-00004")  # the demo's overdue saw comes back first
    demo.catalogue.set_status("T-00004", "available", actor="김관리")
    sign_in(window, ui, qtbot, cards["권태양"])
    outcome, _row = borrow(window, ui, qtbot, "T-00004")
    assert outcome.reason == "qualification"
    assert "안전교육 이수" in outcome.error.render(window.session.lang)
    assert ui.button("howto_T-00004").isVisible()  # how to get it, offered as the next step

    demo.rules.record_qualification(cards["권태양"], "안전교육 이수", demo.today(), staff="김관리")
    # Scanned again (the camera does not repeat a label still held up: a wedge or typed code)
    ui.scan(ui.label("T-00004"))
    outcome, _view, _row = window.screens["borrow"].entries[-1]
    assert outcome.ok


def _return(window, ui, qtbot, code: str) -> str:
    window.go("return")
    screen = window.screens["return"]
    show(window, qtbot, item_label_payload(code, window.ctx.kiosk.base_url),
         lambda: screen.step == CONDITION)
    ui.tap("ConditionFine")
    assert screen.step == RESULT
    return screen.where.text()


@pytest.mark.parametrize("rule", [{"every_loans": 1}, {"every_days": 3}])
def test_an_item_due_for_maintenance_goes_to_inspection_with_its_task(camera_window, cards, demo,
                                                                      qtbot, rule):
    window, ui = camera_window
    demo.rules.set_rule("T-00013", task="눈금 확인", **rule)
    demo.circulation.checkout(cards["안소희"], ["T-00013"])
    demo.test_clock.advance(days=4)
    where = _return(window, ui, qtbot, "T-00013")
    assert where == "직원에게 전달해 주세요."
    assert demo.catalogue.get("T-00013").status == "inspection"
    assert [t.task for t in demo.rules.open_tasks("T-00013")] == ["눈금 확인"]
    # Staff see the task in the inspection queue and record it done.
    window.go("home")
    Staff(demo).create_first_manager("김관리", "2580")
    mode = ui.enter_staff_mode()
    mode.go("inspection")
    ui.settle()
    assert any("정비: 눈금 확인" in t or "Maintenance: 눈금 확인" in t for t in ui.visible_texts())
    page = mode.go("rules")
    page.item.setText("T-00013")
    page.text.setText("영점 조정")
    ui.tap("RulesMaintained")
    [done] = demo.rules.history("T-00013")
    assert (done.done_by, done.note) == ("김관리", "영점 조정")


def test_demand_is_counted_after_refused_scans(camera_window, cards, demo, qtbot):
    window, ui = camera_window
    sign_in(window, ui, qtbot, cards["윤지우"])
    outcome, _row = borrow(window, ui, qtbot, "T-00009")  # the demo's ladder is out
    assert outcome.reason == "on_loan"
    ui.tap("wait_T-00009")
    wanted = {d.code: d for d in demo.rules.demand()}
    assert (wanted["T-00009"].unavailable, wanted["T-00009"].waitlist) == (1, 1)
