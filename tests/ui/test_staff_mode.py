"""Staff mode through the real window: roles, the idle logout, inspection, catalogue, members."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess

import pytest
from PySide6.QtWidgets import QComboBox, QLineEdit

from kiosk.errors import KioskError
from kiosk.services.staff import VOLUNTEER, Staff


def _events(kiosk, type_):
    db = sqlite3.connect(kiosk.engine.url.database)
    rows = db.execute("SELECT actor, payload FROM events WHERE type = ? ORDER BY seq", (type_,)).fetchall()
    db.close()
    return [(a, json.loads(p)) for a, p in rows]


@pytest.fixture
def accounts(demo):
    staff = Staff(demo)
    boss = staff.create_first_manager("김관리", "2580")
    staff.add("이봉사", VOLUNTEER, "7391", by=boss)
    return staff


@pytest.fixture
def enter(window, ui, accounts):
    """Sign in at the staff door like a person: name, PIN, "Staff mode"."""
    from PySide6.QtWidgets import QPushButton

    from ui.staffmode import open_staff_mode

    window.staff_mode_hook = open_staff_mode

    def enter(name: str = "김관리", pin: str = "2580"):
        window.end_session()
        ui.tap("StaffDoor")
        ui.settle()
        [b] = [b for b in window.findChildren(QPushButton) if b.text() == name and b.isVisible()]
        ui.tap(b.objectName())
        for d in pin:
            ui.tap(f"staffkey_{d}")
        ui.tap("staffkey_ok")
        ui.tap("StaffMenu_staff_mode")
        mode = window.staff_mode
        ui.settle()
        return mode
    return enter


def _type(window, name, text):
    field = window.findChild(QLineEdit, name)
    assert field is not None and field.isVisible(), name
    field.setText(text)


def test_a_volunteer_sees_only_what_the_role_allows(window, ui, enter, demo):
    mode = enter("이봉사", "7391")
    # items coming home are received at the desk, like a check: volunteers do both
    # fees, deposits, qualifications and upkeep are desk work too
    assert set(mode.nav) == {"dashboard", "inspection", "lending", "rules", "transfers", "labels"}
    assert mode.go("catalogue") is None and mode.go("reports") is None
    assert mode.current.name == "dashboard"
    ui.tap("StaffLogout")
    mode = enter()
    assert set(mode.nav) == {"dashboard", "inspection", "lending", "rules", "transfers", "catalogue", "members",
                             "labels", "reports", "import", "accounts", "settings", "rule_settings", "camera"}


def test_two_minutes_untouched_log_the_staff_member_out(window, ui, enter, demo, qtbot):
    from ui.staffmode import STAFF_IDLE_MS

    mode = enter()
    assert STAFF_IDLE_MS == 120_000 and mode.idle.idle_ms == STAFF_IDLE_MS
    # A touch restarts the two minutes.
    mode.idle.timer.start(200)
    qtbot.mouseClick(window.findChild(type(mode.logout_button), "nav_reports"),
                     __import__("PySide6.QtCore").QtCore.Qt.MouseButton.LeftButton)
    assert mode.idle.timer.remainingTime() > 100_000
    mode.idle.timer.start(50)
    qtbot.waitUntil(lambda: mode.ended, timeout=2000)
    ui.settle()
    assert window.current.name == "home" and window.staff_member is None
    assert not window.findChild(type(mode), "StaffMode") or not mode.isVisible()
    assert [(a, p["reason"]) for a, p in _events(demo, "staff.logout")] == [("김관리", "idle")]


def test_scans_in_staff_mode_do_not_start_a_resident_visit(window, ui, enter, cards):
    mode = enter()
    mode.go("labels")
    window.bridge.inject(ui.label("T-00001"))
    window.bridge.inject(cards["윤지우"])
    ui.settle()
    assert window.session.member is None and window.current.name == "home"
    assert mode.current.codes == ["T-00001"]
    ui.tap("StaffLogout")
    window.bridge.inject(cards["윤지우"])  # back to residents: cards work again
    ui.settle()
    ui.settle()
    assert window.session.member is not None


def _return_short(demo, code, counted, card):
    assert demo.circulation.checkout(card, [code]).outcomes[0].ok
    assert demo.circulation.return_item(code, parts_counted=counted).destination == "staff"


def test_an_inspection_resolved_three_ways(window, ui, enter, demo, cards):
    # BG-00001 is already waiting (demo); two more come back short.
    assert demo.circulation.checkout(cards["윤지우"], ["G-00001"]).outcomes[0].ok
    demo.circulation.reserve(cards["이서연"], "G-00001")
    assert demo.circulation.return_item("G-00001", parts_counted=4).destination == "staff"  # of 5
    _return_short(demo, "C-00006", 4, cards["윤지우"])  # of 5
    mode = enter("이봉사", "7391")
    ui.tap("nav_inspection")
    page = mode.current
    codes = [c.item.code for c in page.cases]
    assert {"BG-00001", "G-00001", "C-00006"} <= set(codes)

    # 1. Back to the shelf: a glove turned up; the member waiting gets the set.
    window.bridge.inject(ui.label("G-00001"))
    ui.settle()
    assert page.case.item.code == "G-00001"
    assert [s.value() for s in page.steppers] == [1, 1, 1, 1]  # prefilled with what was counted
    gloves = page.steppers[3]
    gloves.plus.click()
    ui.tap("InspectShelf")
    assert demo.catalogue.get("G-00001").status == "held"
    assert "M-000002" in page.banner.detail.text()

    # 2. To repair needs a note.
    page.show_case(next(c for c in page.cases if c.item.code == "C-00006"))
    ui.tap("InspectRepair")
    assert page.banner.kind == "refused" and demo.catalogue.get("C-00006").status == "inspection"
    _type(window, "InspectionNote", "냄비 손잡이 빠짐")
    ui.tap("InspectRepair")
    assert demo.catalogue.get("C-00006").status == "repair"

    # 3. Retire, after a confirmation.
    page.show_case(next(c for c in page.cases if c.item.code == "BG-00001"))
    _type(window, "InspectionNote", "타일 분실이 많음")
    ui.tap("InspectRetire")
    ui.tap("ConfirmRetire_yes")
    assert demo.catalogue.get("BG-00001").status == "retired"

    done = _events(demo, "item.inspected")
    assert [(a, p["item"], p["outcome"]) for a, p in done] == [
        ("이봉사", "G-00001", "shelf"), ("이봉사", "C-00006", "repair"), ("이봉사", "BG-00001", "retired")]
    assert done[0][1]["parts_found"] == 1
    assert demo.maintenance.verify_log().ok


def test_an_item_is_created_with_its_parts(window, ui, enter, demo):
    mode = enter()
    ui.tap("nav_catalogue")
    ui.tap("ItemAdd")
    _type(window, "ItemCode", "t-77")
    _type(window, "ItemNameKo", "전동 톱")
    window.findChild(QComboBox, "ItemCategory").setCurrentIndex(0)
    ui.tap("ItemAddPart")
    _type(window, "part_name_0", "톱 본체")
    ui.tap("ItemAddPart")
    _type(window, "part_name_1", "톱날")
    ui.tap("part_count_1_plus")
    ui.tap("ItemSave")
    item = demo.catalogue.get("T-00077")
    assert item.name_ko == "전동 톱" and [(p.name_ko, p.count) for p in item.parts] == [("톱 본체", 1), ("톱날", 2)]
    assert [a for a, _p in _events(demo, "item.added")][-1] == "김관리"
    assert mode.current.item.code == "T-00077"
    # A duplicate code is refused with a message, nothing changes.
    ui.tap("ItemAdd")
    _type(window, "ItemCode", "T-00077")
    _type(window, "ItemNameKo", "다른 톱")
    ui.tap("ItemSave")
    assert mode.current.banner.kind == "refused"
    assert demo.catalogue.get("T-00077").name_ko == "전동 톱"


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")
def test_a_member_registered_in_staff_mode_signs_in_with_the_printed_card(window, ui, enter, demo, tmp_path):
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    mode = enter()
    ui.tap("nav_members")
    ui.tap("MemberNew")
    _type(window, "MemberName", "한가람")
    _type(window, "MemberContact", "010-2345-6789")
    ui.tap("MemberRegister")
    assert mode.current.banner.kind == "refused"  # consent first
    ui.tap("MemberConsent")
    ui.tap("MemberRegister")
    [pdf] = window.ctx.printer.printed
    subprocess.run(["pdftoppm", "-r", "300", "-png", str(pdf), str(tmp_path / "card")], check=True)
    [png] = sorted(tmp_path.glob("card*.png"))
    [hit] = zxingcpp.read_barcodes(Image.open(png))
    number = mode.current.member.number
    assert [a for a, p in _events(demo, "member.registered") if p["member"] == number] == ["김관리"]
    assert _events(demo, "member.consent_recorded")[-1][1]["member"] == number

    ui.tap("StaffLogout")
    window.go("borrow")
    assert window.current.name == "identify"
    ui.scan(hit.text)
    assert window.session.member.number == number
    assert window.current.name == "borrow"


def test_suspend_renew_and_a_new_card(window, ui, enter, demo, cards):
    mode = enter()
    ui.tap("nav_members")
    page = mode.current
    page.show_member(next(m for m in page.members if m.display_name == "윤지우"))
    ui.tap("MemberSuspend")
    assert page.member.status == "suspended"
    ui.tap("MemberSuspend")
    assert page.member.status == "active"
    before = page.member.expires_on
    ui.tap("MemberRenew")
    assert page.member.expires_on.year == before.year + 1
    ui.tap("MemberReissue")
    assert page.last_card and page.last_card != cards["윤지우"]
    assert demo.members.identify(page.last_card).display_name == "윤지우"
    with pytest.raises(KioskError):
        demo.members.identify(cards["윤지우"])  # the old card no longer works
