"""Staff screens for ``nanum screenshots``: the states, reached through the real widgets.

``staff_states(driver)`` continues the resident states of :mod:`ui.screenshots`
(same driver: ``tap``, ``scan``, ``settle``, ``label``, ``window``). It
creates the first manager through the door when the centre has none (with a
set-up code issued as ``nanum init`` does), so it also shows the first-run page. The locked keypad comes last: the
screenshots' clock stands still, so the lock would never end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLineEdit

DEMO_MANAGER = ("김관리", "2580")

if TYPE_CHECKING:
    from ui.screenshots import Driver


def _type(d, name: str, text: str) -> None:
    field = d.window.findChild(QLineEdit, name)
    field.setText(text)
    d.settle()


def _pin(d, digits: str) -> None:
    for ch in digits:
        d.tap(f"staffkey_{ch}")
    d.tap("staffkey_ok")


def staff_states(d: Driver) -> Iterable[tuple[str, Callable[[], object]]]:
    """(state name, what to do to reach it from the previous state)."""
    from kiosk.services.staff import Staff

    w = d.window
    name, pin = DEMO_MANAGER
    first_run = Staff(w.ctx.kiosk).needs_first_manager()

    def door():
        w.end_session()
        d.settle()
        d.tap("StaffDoor")
    if first_run:
        code = Staff(w.ctx.kiosk).issue_setup_code()
        yield "staff-set-up-code", door
        yield "staff-first-run", lambda: (_pin(d, code), _type(d, "FirstManagerName", name),
                                          _type(d, "FirstManagerPin", pin),
                                          _type(d, "FirstManagerPinAgain", pin))
        yield "staff-menu", lambda: d.tap("CreateFirstManager")
        yield "staff-door-names", lambda: (d.tap("StaffMenu_back"), door())
    else:
        yield "staff-door-names", door
    yield "staff-door-pin", lambda: (d.tap("staff_0"), d.tap("staffkey_2"), d.tap("staffkey_5"))

    def into_staff_mode():
        d.tap("staffkey_8")
        d.tap("staffkey_0")
        d.tap("staffkey_ok")
        d.tap("StaffMenu_staff_mode")
    yield "staff-dashboard", into_staff_mode
    yield "staff-inspection", lambda: (d.tap("nav_inspection"), d.tap("case_0"))
    yield "staff-transfers", lambda: d.tap("nav_transfers")

    def lending():
        d.tap("nav_lending")
        cards = w.ctx.kiosk.setting("demo_cards") or ()
        overdue = [c["card"] for c in cards if c.get("situation") == "overdue"]
        if overdue:  # a demo member the kiosk refuses, an item, a reason
            w.staff_mode._scanned(w.bridge.classify(overdue[0]))
            d.settle()
            w.staff_mode._scanned(w.bridge.classify(d.label("T-00017")))
            d.settle()
            d.tap("LendReason_returned")
    yield "staff-lending", lending
    yield "staff-catalogue", lambda: (d.tap("nav_catalogue"), d.tap("edit_T-00001"))
    yield "staff-members-register", lambda: (d.tap("nav_members"), d.tap("MemberNew"),
                                             _type(d, "MemberName", "한가람"),
                                             _type(d, "MemberContact", "010-2345-6789"))

    def labels():
        d.tap("nav_labels")
        for code in ("T-00001", "T-00002", "K-00001"):
            w.staff_mode._scanned(w.bridge.classify(d.label(code)))
        d.settle()
    yield "staff-labels", labels
    yield "staff-reports", lambda: (d.tap("nav_reports"), d.tap("ReportPeriod_last_30"), d.tap("ReportMake"))
    yield "staff-import", lambda: d.tap("nav_import")

    def import_errors():
        import tempfile
        from pathlib import Path

        path = Path(tempfile.mkdtemp(prefix="nanum-shots-")) / "물품목록.csv"
        path.write_text("물품코드,물품명,분류,구성품 수,대체가격\nT-00101,전동 대패,공구,3,85000\n"
                        "T-00102,,공구,1,10000\nT-00103,못 박기 세트,우주,1,5000\n"
                        "G-00101,정원 가위,원예,1,12000\n", encoding="utf-8")
        _type(d, "ImportPath", str(path))
        d.tap("ImportOpen")
        d.tap("ImportRun")
    yield "staff-import-bad-rows", import_errors
    yield "staff-accounts", lambda: d.tap("nav_accounts")
    yield "staff-settings", lambda: d.tap("nav_settings")
    yield "staff-restore", lambda: (d.tap("SettingsBackup"), d.tap("SettingsRestore"))

    def camera():
        from hardware import synth
        from ui.scanbridge import bgr_to_qimage

        d.tap("RestoreFile_no")  # the question the previous state left open
        d.tap("nav_camera")
        frame, _quad = synth.compose(synth.background(640, 480, seed=3), d.label("T-00001"),
                                     synth.Placement(330, 235, 4.0, 8.0, 6.0, -9.0))
        w.bridge.frame.emit(bgr_to_qimage(frame))  # what the page would show from a camera
        d.settle()
    yield "staff-camera", camera

    def locked():
        d.tap("StaffLogout")
        door()
        d.tap("staff_0")
        for _ in range(5):
            _pin(d, "9999")
    yield "staff-door-locked", locked
