"""Lending with an override in staff mode: refused at the kiosk, lent by a volunteer with a reason."""

from __future__ import annotations

import json
import sqlite3

import pytest
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QPushButton, QWidget

from kiosk.i18n import translate
from kiosk.services.staff import VOLUNTEER, Staff

VOLUNTEER_NAME, VOLUNTEER_PIN = "이봉사", "7391"


def _events(kiosk, type_):
    db = sqlite3.connect(kiosk.engine.url.database)
    rows = db.execute("SELECT actor, payload FROM events WHERE type = ? ORDER BY seq", (type_,)).fetchall()
    db.close()
    return [(a, json.loads(p)) for a, p in rows]


@pytest.fixture
def enter(window, ui, demo):
    """Sign in at the staff door like a person (name, PIN, "Staff mode"), then open the page."""
    from ui.staffmode import open_staff_mode

    staff = Staff(demo)
    boss = staff.create_first_manager("김관리", "2580")
    staff.add(VOLUNTEER_NAME, VOLUNTEER, VOLUNTEER_PIN, by=boss)
    window.staff_mode_hook = open_staff_mode

    def enter(name: str = VOLUNTEER_NAME, pin: str = VOLUNTEER_PIN):
        window.end_session()
        ui.tap("StaffDoor")
        [b] = [b for b in window.findChildren(QPushButton) if b.text() == name and b.isVisible()]
        ui.tap(b.objectName())
        for d in pin:
            ui.tap(f"staffkey_{d}")
        ui.tap("staffkey_ok")
        ui.tap("StaffMenu_staff_mode")
        ui.tap("nav_lending")
        page = window.staff_mode.current
        assert page.name == "lending"
        return page
    return enter


def _scan(window, ui, payload):
    window.bridge.inject(payload)  # the camera's path into staff mode
    ui.settle()  # the queued code arrives and starts its look-up
    ui.settle()  # the look-up's answer is shown


def _type(window, name, text):
    field = window.findChild(QLineEdit, name)
    assert field is not None and field.isVisible(), name
    field.setText(text)


def _refused_at_the_kiosk(window, ui, card, code, rule):
    ui.sign_in(card)
    ui.scan(ui.label(code))
    (outcome, _view, _row), = window.screens["borrow"].entries
    assert not outcome.ok and outcome.reason == rule


def _open_codes(demo, card):
    return {loan.item_code for loan in demo.circulation.loans(open_only=True, member_payload=card)}


@pytest.mark.parametrize("rule", ["limit", "member_expired"])
def test_a_volunteer_lends_what_the_kiosk_refused_with_a_reason(window, ui, enter, cards, demo, rule):
    if rule == "limit":
        name = "한도윤"
        for code in ("T-00012", "T-00013", "T-00015"):
            assert demo.circulation.checkout(cards[name], [code]).outcomes[0].ok
        why = "한 번에 최대 3개까지 빌릴 수 있어요."
    else:
        name = "오예린"
        why = translate("Your membership expired on {date}. Please see staff to renew it.", "ko",
                        date=demo.members.identify(cards[name]).expires_on.isoformat())
    _refused_at_the_kiosk(window, ui, cards[name], "T-00017", rule)
    member = demo.members.identify(cards[name])

    page = enter()
    if rule == "limit":
        _scan(window, ui, cards[name])  # the card, shown at the kiosk's camera
        ui.tap("LendReason_family")
        reason = "직원 판단: 가정 사정"
    else:
        _type(window, "LendMemberNumber", member.number)  # a forgotten card: the number
        ui.tap("LendFindMember")
        reason = "회원증 갱신 서류 확인함"
        _type(window, "LendReasonText", reason)
    # Who it is (number and name only) and why the kiosk says no, in the resident's words.
    assert page.who.text() == f"{member.number} {member.display_name}"
    assert why in page.why.text()
    _scan(window, ui, ui.label("T-00017"))
    assert [i.code for i in page.items] == ["T-00017"]
    ui.tap("LendGo")

    assert "T-00017" in _open_codes(demo, cards[name])
    assert demo.catalogue.get("T-00017").status == "on_loan"
    [(actor, granted)] = _events(demo, "override.granted")
    assert actor == VOLUNTEER_NAME
    assert granted["reason"] == reason and granted["rules"] == [rule]
    assert granted["item"] == "T-00017" and granted["member"] == member.number
    assert _events(demo, "loan.checked_out")[-1][0] == VOLUNTEER_NAME
    assert page.banner.kind == "ok"
    assert page.banner.detail.text() == "예외 승인이 내 이름으로 기록되었습니다."
    row = page.findChild(QFrame, "result_T-00017").findChild(QLabel, "RowDetail")
    assert row.property("role") == "ok" and row.text().startswith("대여했습니다. 반납일:")
    # The answers take the place of the reason until the next item; that lending needs its own reason.
    assert not page.reason_box.isVisible()
    _scan(window, ui, ui.label("T-00018"))
    assert page.reason_box.isVisible() and [i.code for i in page.items] == ["T-00018"]
    assert page.reason() == "" and not any(b.isChecked() for b in page.presets.values())


def test_no_reason_no_lending(window, ui, enter, cards, demo):
    page = enter()
    _scan(window, ui, ui.label("T-00017"))  # an item before the member
    assert page.banner.kind == "refused"
    assert page.banner.title.text() == "회원카드를 먼저 스캔해 주세요."
    assert page.items == []
    _scan(window, ui, cards["정우진"])  # overdue
    assert "연체된 물품이 1개 있어요. 먼저 반납해 주세요." in page.why.text()
    _scan(window, ui, ui.label("T-00017"))
    _type(window, "LendReasonText", "   ")  # blanks are no reason
    ui.tap("LendGo")
    assert page.banner.kind == "refused"
    assert page.banner.title.text() == "예외로 빌려주는 사유를 고르거나 적어 주세요."
    assert demo.catalogue.get("T-00017").status == "available"
    assert "T-00017" not in _open_codes(demo, cards["정우진"])
    assert _events(demo, "override.granted") == []
    assert [i.code for i in page.items] == ["T-00017"]  # nothing lost: add the reason and go on
    ui.tap("LendReason_returned")
    ui.tap("LendGo")
    assert demo.catalogue.get("T-00017").status == "on_loan"
    granted = _events(demo, "override.granted")
    assert [(a, p["reason"]) for a, p in granted] == [(VOLUNTEER_NAME, "연체 물품을 직접 반납받음")]


def test_an_item_on_loan_or_held_for_someone_else_stays_refused(window, ui, enter, cards, demo):
    page = enter()
    _scan(window, ui, cards["정우진"])  # overdue: a rule the override lifts
    for code in ("K-00001", "C-00003", "T-00017"):  # on loan to 강하은, held for 조현우, on the shelf
        _scan(window, ui, ui.label(code))
    ui.tap("LendReason_family")
    ui.tap("LendGo")

    outcomes = {o.item: o for o in page.outcomes}
    assert outcomes["T-00017"].ok
    assert outcomes["K-00001"].reason == "on_loan" and outcomes["C-00003"].reason == "held_for_other"
    assert "K-00001" in _open_codes(demo, cards["강하은"])
    assert demo.catalogue.get("C-00003").status == "held"
    assert _open_codes(demo, cards["정우진"]) == {"T-00004", "T-00017"}
    assert [p["item"] for _a, p in _events(demo, "override.granted")] == ["T-00017"]
    # Each item's answer on its row, in the resident's wording.
    on_loan = window.findChild(QFrame, "result_K-00001")
    assert on_loan is not None and on_loan.isVisible()
    detail = on_loan.findChild(QLabel, "RowDetail")
    assert detail.property("role") == "refused"
    assert detail.text() == translate("This item is on loan now. You can join the waiting list.", "ko")
    assert page.banner.kind == "refused"
    assert page.banner.title.text() == "2개 물품은 빌려줄 수 없습니다."


def test_a_suspended_membership_is_not_lifted(window, ui, enter, cards, demo):
    page = enter()
    _scan(window, ui, cards["서지호"])
    assert "정지된 회원 자격은 예외 승인으로 풀 수 없습니다" in page.why.text()
    _scan(window, ui, ui.label("T-00017"))
    ui.tap("LendReason_family")
    ui.tap("LendGo")
    [o] = page.outcomes
    assert not o.ok and o.reason == "member_suspended"
    assert demo.catalogue.get("T-00017").status == "available"
    assert _events(demo, "override.granted") == []
    assert page.banner.detail.text().startswith("정지된 회원 자격은 예외 승인으로 풀 수 없습니다.")


def test_the_page_is_in_korean_for_volunteers_right_after_checks(window, ui, enter):
    page = enter()
    mode = window.staff_mode
    names = list(mode.nav)
    assert names[names.index("inspection") + 1] == "lending"
    assert page.heading.text() == "예외 승인 대여"
    assert mode.nav["lending"].text() == "예외 대여"
    assert ui.button("LendGo").text() == "4. 빌려주기"
    assert ui.button("LendReason_renewal").text() == "회원 자격 갱신 중"
    assert window.findChild(QLineEdit, "LendReasonText").placeholderText() == "또는 사유를 짧게 적기"


def _cut_short(page) -> list[str]:
    """Texts on the page that do not fit where they are drawn."""
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtGui import QFontMetrics
    from PySide6.QtWidgets import QAbstractButton, QScrollArea

    out = []
    for w in page.findChildren(QWidget):
        if not w.isVisible():
            continue
        name = w.objectName() or type(w).__name__
        scrolled = any(isinstance(p, QScrollArea) for p in _ancestors(w, page))
        if not scrolled and not page.rect().contains(QRect(w.mapTo(page, QPoint(0, 0)), w.size())):
            out.append(f"{name}: outside the page")
        fm = QFontMetrics(w.font())
        if isinstance(w, QLabel) and w.text():
            if w.wordWrap() and w.heightForWidth(w.width()) > w.height() + 2:
                out.append(f"{name}: cut at the bottom: {w.text()[:30]!r}")
            elif not w.wordWrap() and w.sizeHint().width() > w.width() + 1:
                out.append(f"{name}: cut at the side: {w.text()[:30]!r}")
        elif isinstance(w, QAbstractButton) and fm.horizontalAdvance(w.text()) > w.contentsRect().width():
            out.append(f"{name}: text wider than the button: {w.text()!r}")
        elif isinstance(w, QLineEdit) and fm.horizontalAdvance(w.placeholderText()) > w.width() - 40:
            out.append(f"{name}: placeholder cut: {w.placeholderText()!r}")
    return out


def _ancestors(w, stop):
    p = w.parentWidget()
    while p is not None and p is not stop:
        yield p
        p = p.parentWidget()


def test_the_page_fits_the_screen(window, ui, enter, cards, demo, tmp_path):
    """At 1280x800 with a member, three items, a reason, then the answers: nothing cut."""
    assert (window.width(), window.height()) == (1280, 800)
    page = enter()
    _scan(window, ui, cards["정우진"])
    for code in ("K-00001", "T-00017", "T-00018"):
        _scan(window, ui, ui.label(code))
    ui.tap("LendReason_returned")
    for state in ("staff-lending", "staff-lending-done"):
        if state.endswith("done"):
            ui.tap("LendGo")
        window.grab().save(str(tmp_path / f"{state}.png"))
        assert page.minimumSizeHint().height() <= page.height()
        assert _cut_short(page) == [], state
