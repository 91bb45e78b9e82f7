"""Staff pages through the real window: import with bad rows, labels, reports, accounts, dashboard."""

from __future__ import annotations

import json
import sqlite3

import pytest
from PySide6.QtWidgets import QComboBox, QLineEdit

from kiosk.errors import KioskError
from kiosk.services.staff import Staff
from ui.scanbridge import camera_ok


class Ticks:
    """A monotonic clock in seconds that moves only when the test sets ``t``."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def _events(kiosk, type_):
    db = sqlite3.connect(kiosk.engine.url.database)
    rows = db.execute("SELECT actor, payload FROM events WHERE type = ? ORDER BY seq", (type_,)).fetchall()
    db.close()
    return [(a, json.loads(p)) for a, p in rows]


@pytest.fixture
def mode(window, ui, demo):
    """Staff mode open for the manager 김관리 (signed in through the door)."""
    Staff(demo).create_first_manager("김관리", "2580")
    return ui.enter_staff_mode()


def _type(window, name, text):
    field = window.findChild(QLineEdit, name)
    assert field is not None and field.isVisible(), name
    field.setText(text)


ROWS = """물품코드,물품명,분류,구성품 수,대체가격
T-00101,전동 대패,공구,3,"85,000"
T-00102,,공구,1,10000
T-00103,못 박기 세트,우주,1,5000
G-00101,정원 가위,원예,1,12000
K-00101,소꿉놀이,장난감,30,25000
"""


def test_import_shows_bad_rows_then_imports_the_good_ones(window, ui, mode, demo, tmp_path):
    path = tmp_path / "목록.csv"
    path.write_text(ROWS, encoding="cp949")  # as Korean Excel saves it
    ui.tap("nav_import")
    page = mode.current
    _type(window, "ImportPath", str(path))
    ui.tap("ImportOpen")
    # The columns were found from the Korean headers.
    assert window.findChild(QComboBox, "map_code").currentData() == 0
    assert window.findChild(QComboBox, "map_replacement_value").currentData() == 4
    assert page.table.rowCount() == 5 and page.table.item(0, 1).text() == "전동 대패"
    ui.tap("ImportRun")
    assert page.report.imported == 0 and page.report.bad_rows == [3, 4]
    assert page.errors.count == 2 and page.banner.kind == "refused"
    with pytest.raises(KioskError):
        demo.catalogue.get("T-00101")  # nothing went in
    ui.tap("ImportSkipBad")
    assert page.report.imported == 3
    assert page.bar.value() == page.bar.maximum() == 3
    assert demo.catalogue.get("T-00101").replacement_value == 85000
    assert {p["item"] for a, p in _events(demo, "item.added") if a == "김관리"} == {"T-00101", "G-00101", "K-00101"}


def test_importing_members_prints_their_cards(window, ui, mode, demo, tmp_path):
    path = tmp_path / "members.csv"
    path.write_text("이름,유형,연락처\n한가람,가족,010-1111-2222\n두리,일반,\n", encoding="utf-8-sig")
    ui.tap("nav_import")
    ui.tap("ImportKind_members")
    _type(window, "ImportPath", str(path))
    ui.tap("ImportOpen")
    ui.tap("ImportRun")
    assert mode.current.report.imported == 2
    ui.tap("ImportPrintCards")
    assert len(window.ctx.printer.printed) == 1


def test_labels_from_the_screen(window, ui, mode, demo):
    ui.tap("nav_labels")
    page = mode.current
    for code in ("T-00001", "K-00001"):
        window.bridge.inject(ui.label(code))
    ui.settle()
    _type(window, "LabelsCode", "t-3")
    ui.tap("LabelsAdd")
    _type(window, "LabelsCode", "nonsense!")
    ui.tap("LabelsAdd")
    assert page.banner.kind == "refused"
    assert page.codes == ["T-00001", "K-00001", "T-00003"]
    ui.tap("LabelsLayout_a4-65")
    ui.tap("LabelsSave")
    assert page.last_file is not None and page.last_file.read_bytes().startswith(b"%PDF")
    ui.tap("LabelsWhich_all")
    ui.tap("LabelsPrint")
    assert window.ctx.printer.printed[-1] == page.last_file


def test_a_report_from_the_screen(window, ui, mode, demo):
    ui.tap("nav_reports")
    page = mode.current
    ui.tap("ReportPeriod_last_30")
    ui.tap("ReportMake")
    r = page.report
    assert page.figures["loans"].text() == str(r.total_loans) and r.total_loans > 0
    ui.tap("ReportSave")
    pdf, csv_file = page.last_files
    assert pdf.read_bytes().startswith(b"%PDF") and csv_file.suffix == ".csv"
    assert [a for a, _p in _events(demo, "report.made")] == ["김관리"]


def test_a_manager_adds_a_volunteer_who_can_then_sign_in(window, ui, mode, demo):
    ui.tap("nav_accounts")
    _type(window, "StaffName", "박봉사")
    ui.tap("StaffRole_volunteer")
    _type(window, "StaffNewPin", "4826")
    _type(window, "StaffNewPinAgain", "4862")
    ui.tap("StaffSave")
    assert mode.current.banner.kind == "refused"
    _type(window, "StaffNewPinAgain", "4826")
    ui.tap("StaffSave")
    assert [(p.name, p.role) for p in Staff(demo).list()] == [("김관리", "manager"), ("박봉사", "volunteer")]
    assert Staff(demo).unlock("4826", name="박봉사").role == "volunteer"
    # Switched off, they cannot.
    i = [p.name for p in mode.current.people].index("박봉사")
    ui.tap(f"active_{i}")
    assert not Staff(demo).list(include_inactive=True)[1].active


def test_the_dashboard_counts_and_reveals_a_number_with_a_log(window, ui, mode, demo, cards):
    page = mode.current
    assert page.name == "dashboard"
    v = page.view
    assert page.figures["open"].text() == str(v.open_loans) and v.open_loans > 0
    assert page.figures["check"].text() == str(v.inspection + v.repair)
    assert page.overdue.count == len(v.overdue) > 0
    # Give an overdue member a phone number, then look it up.
    number = v.overdue[0].member_number
    with demo.transaction() as s:
        from kiosk.store.models import Member

        s.query(Member).filter(Member.number == number).update({"contact": "010-9876-5432"})
    ui.tap("nav_inspection")
    ui.tap("nav_dashboard")
    details = [lab.text() for lab in page.overdue.findChildren(type(page.heading), "RowDetail")]
    assert "010-****-5432" in details[0]
    ui.tap("reveal_0")
    assert "010-9876-5432" in page.banner.title.text()
    assert _events(demo, "member.contact_viewed") == [("김관리", {"member": number, "why": "overdue"})]


def test_settings_are_saved_and_applied(window, ui, mode, demo, tmp_path):
    from hardware.printing import PdfFilePrinter

    ui.tap("nav_settings")
    page = mode.current
    ui.tap("SettingsLanguage_en")
    for _ in range(3):
        ui.tap("SettingsIdle_plus")  # 60 -> 90 s
    old_name = page.ctx.site_name  # read (and kept) before the change
    _type(window, "SettingsSiteName", "  역삼 나눔센터 ")
    ui.tap("closed_0")  # Mondays too
    _type(window, "SettingsClosedDays", "2026-12-24, 2026-13-01")
    ui.tap("SettingsSave")
    assert page.banner.kind == "refused"  # a bad date: nothing saved
    assert demo.setting("ui_language", "ko") != "en"
    _type(window, "SettingsClosedDays", "2026-12-24")
    ui.tap("SettingsPrinter_pdf")
    _type(window, "SettingsPrinterArg", str(tmp_path / "printed"))
    ui.tap("SettingsSave")
    assert page.banner.kind == "ok"
    demo.forget_cached_settings()
    assert (demo.setting("ui_language"), demo.setting("ui_idle_quiet_s"), demo.setting("site_name")) == \
        ("en", 90, "역삼 나눔센터")
    cal = demo.calendar()
    assert cal.closed_weekdays == {0, 6} and [d.isoformat() for d in cal.extra_closed] == ["2026-12-24"]
    # Applied in the running kiosk, and staff pages (report headers, labels) use the new name.
    assert page.ctx.site_name == "역삼 나눔센터" != old_name
    assert window.idle.quiet_ms == 90_000 and window.session.default_language == "en"
    assert isinstance(window.ctx.printer, PdfFilePrinter) and window.ctx.printer.out_dir == tmp_path / "printed"
    ui.tap("SettingsTestPage")
    assert [p.parent for p in window.ctx.printer.printed] == [tmp_path / "printed"]
    ui.tap("SettingsBackup")
    assert page.last_backup.is_file()
    [(actor, payload)] = _events(demo, "settings.changed")
    assert actor == "김관리" and payload["changes"]["ui_idle_quiet_s"] == 90
    assert _events(demo, "calendar.changed")[-1][0] == "김관리"
    ui.tap("StaffLogout")
    assert window.session.lang == "en"  # the resident screen starts in the new language


def test_the_platform_address_is_checked_and_saved(window, ui, mode, demo):
    ui.tap("nav_settings")
    page = mode.current
    _type(window, "SettingsSyncUrl", "platform example")
    ui.tap("SettingsSave")
    assert page.banner.kind == "refused" and "platform example" in page.banner.title.text()
    demo.forget_cached_settings()
    assert not demo.setting("sync_url")
    _type(window, "SettingsSyncUrl", " https://platform.example/ ")
    ui.tap("SettingsSave")
    assert page.banner.kind == "ok"
    demo.forget_cached_settings()
    assert demo.setting("sync_url") == "https://platform.example/"
    [(actor, payload)] = _events(demo, "settings.changed")
    assert actor == "김관리" and payload["changes"]["sync_url"] == "https://platform.example/"


def test_a_backup_is_restored_from_the_screen_and_the_data_before_is_kept(window, ui, mode, demo):
    ui.tap("nav_settings")
    page = mode.current
    ui.tap("SettingsBackup")
    backup = page.last_backup
    assert backup.is_file()
    _type(window, "SettingsSiteName", "복원 전 이름")  # a change made after the backup
    ui.tap("SettingsSave")
    ui.tap("SettingsRestore")
    ui.tap("RestoreFile_0")
    assert window.findChild(type(ui.button("SettingsSave")), "ConfirmRestore_no").isVisible()
    ui.tap("ConfirmRestore_no")  # cancelled: nothing happens
    demo.forget_cached_settings()
    assert demo.setting("site_name") == "복원 전 이름" and page.restored_before is None
    ui.tap("SettingsRestore")
    ui.tap("RestoreFile_0")
    ui.tap("ConfirmRestore_yes")
    assert page.banner.kind == "ok", page.banner.title.text()
    demo.forget_cached_settings()
    assert demo.setting("site_name") != "복원 전 이름"  # back to the backup
    assert window.findChild(QLineEdit, "SettingsSiteName").text() == mode.ctx.site_name != "복원 전 이름"
    # The data from before the restore was saved first, change included.
    before = page.restored_before
    db = sqlite3.connect(before)
    try:
        [(value,)] = db.execute("SELECT value FROM settings WHERE key = 'site_name'").fetchall()
        assert json.loads(value) == "복원 전 이름"
    finally:
        db.close()
    [(actor, payload)] = _events(demo, "backup.restored")
    assert actor == "김관리" and payload["file"] == backup.name and payload["saved_before"] == before.name
    assert demo.maintenance.verify_log().ok  # the event chain goes on unbroken from the backup


def test_a_restore_refuses_a_file_that_is_not_a_backup(window, ui, mode, demo):
    ui.tap("nav_settings")
    page = mode.current
    docs = mode.ctx.documents_dir
    docs.mkdir(parents=True, exist_ok=True)
    (docs / "nanum-backup-broken.sqlite3").write_bytes(b"not a database at all" * 100)
    events_before = _count(demo, "events")
    ui.tap("SettingsRestore")
    ui.tap("RestoreFile_0")
    ui.tap("ConfirmRestore_yes")
    assert page.banner.kind == "refused" and "nanum-backup-broken" in page.banner.title.text()
    # Nothing changed: no restore, not even the copy made before one.
    assert _count(demo, "events") == events_before
    assert [p.name for p in docs.iterdir()] == ["nanum-backup-broken.sqlite3"]


def _count(kiosk, table):
    db = sqlite3.connect(kiosk.engine.url.database)
    try:
        return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        db.close()


def test_a_restore_puts_the_backups_camera_back_at_once(window, ui, mode, demo):
    bridge = window.bridge
    bridge.start()
    try:
        mode.ctx.desk.save_settings({"camera_device": "virtual"}, by=mode.ctx.staff)
        assert bridge.switch("virtual")
        ui.tap("nav_settings")
        page = mode.current
        ui.tap("SettingsBackup")
        # After the backup, another camera was chosen (one that is not attached).
        mode.ctx.desk.save_settings({"camera_device": "/dev/video97"}, by=mode.ctx.staff)
        bridge.switch("/dev/video97")
        assert bridge.spec == "/dev/video97"
        ui.tap("SettingsRestore")
        ui.tap("RestoreFile_0")
        ui.tap("ConfirmRestore_yes")
        assert page.banner.kind == "ok", page.banner.title.text()
        assert bridge.spec == "virtual" and bridge.service is not None
    finally:
        bridge.stop()


def test_choosing_a_camera_shows_its_picture_and_frame_rate(window, ui, mode, demo, qtbot):
    bridge = window.bridge
    bridge.start()
    try:
        assert bridge.switch("virtual")  # the camera the kiosk started with
        ui.tap("nav_settings")
        ui.tap("nav_camera")
        page = mode.current
        assert page.saved == "virtual" and ui.button("Camera_virtual").isChecked()
        qtbot.waitUntil(lambda: page.view.frame is not None, timeout=5000)
        # The rate is frames counted over the page's clock: the test samples by
        # hand on a clock it moves, however fast this machine delivers frames.
        page.timer.stop()
        page.clock = clock = Ticks()
        page._restart_measure()
        before = bridge.frames_captured()
        page._sample()
        first = (before, bridge.frames_captured())  # the page counted between these
        qtbot.waitUntil(lambda: bridge.frames_captured() >= first[1] + 5, timeout=5000)
        clock.t = 0.5
        page._sample()
        assert page.fps is None and page.rate.text() == "재는 중…"  # not a second's worth yet
        clock.t = 2.0
        before = bridge.frames_captured()
        page._sample()
        last = (before, bridge.frames_captured())
        assert (last[0] - first[1]) / 2.0 <= page.fps <= (last[1] - first[0]) / 2.0
        assert page.rate.text().startswith(f"초당 {page.fps:.1f}")
        # Trying a camera that is not there: it says so, and codes can still be typed.
        ui.tap("Camera_auto")
        assert bridge.spec == "auto"
        qtbot.waitUntil(lambda: not camera_ok(bridge.status), timeout=6000)
        clock.t = 3.0
        page._sample()
        clock.t = 4.0
        page._sample()
        assert page.fps == 0.0
        assert "연결" in page.rate.text()
        ui.tap("nav_dashboard")  # left without saving: back to the saved camera
        assert bridge.spec == "virtual" and bridge.service is not None
        ui.tap("nav_camera")
        ui.tap("Camera_auto")
        ui.tap("CameraSave")
        assert page.banner.kind == "ok"
        demo.forget_cached_settings()
        assert demo.setting("camera_device") == "auto"
        [(actor, payload)] = _events(demo, "settings.changed")
        assert actor == "김관리" and payload["changes"] == {"camera_device": "auto"}
        ui.tap("nav_dashboard")
        assert bridge.spec == "auto"  # kept
    finally:
        bridge.stop()
