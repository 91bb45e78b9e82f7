"""Staff mode's members page: a child's guardian consent, a member's export, erasure pressed twice."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLineEdit

from kiosk.errors import KioskError
from kiosk.services.lifecycle import Lifecycle
from kiosk.services.staff import Staff


def _events(kiosk, type_):
    db = sqlite3.connect(kiosk.engine.url.database)
    rows = db.execute("SELECT actor, payload FROM events WHERE type = ? ORDER BY seq", (type_,)).fetchall()
    db.close()
    return [(a, json.loads(p)) for a, p in rows]


@pytest.fixture
def enter(window, ui, demo):
    """Sign in at the staff door as the centre's manager and open staff mode."""
    from PySide6.QtWidgets import QPushButton

    from ui.staffmode import open_staff_mode

    Staff(demo).create_first_manager("김관리", "2580")
    window.staff_mode_hook = open_staff_mode

    def enter():
        window.end_session()
        ui.tap("StaffDoor")
        ui.settle()
        [b] = [b for b in window.findChildren(QPushButton) if b.text() == "김관리" and b.isVisible()]
        ui.tap(b.objectName())
        for d in "2580":
            ui.tap(f"staffkey_{d}")
        ui.tap("staffkey_ok")
        ui.tap("StaffMenu_staff_mode")
        ui.settle()
        return window.staff_mode
    return enter


def _type(window, name, text):
    field = window.findChild(QLineEdit, name)
    assert field is not None and field.isVisible(), name
    field.setText(text)


def test_a_child_is_registered_with_a_guardian_then_exported_and_erased(window, ui, enter, demo):
    mode = enter()
    ui.tap("nav_members")
    ui.tap("MemberNew")
    _type(window, "MemberName", "한아이")
    ui.tap("MemberConsent")
    ui.tap("MemberChild")
    registered = len(_events(demo, "member.registered"))
    ui.tap("MemberRegister")  # no guardian named: refused, nobody registered
    assert mode.current.banner.kind == "refused"
    assert len(_events(demo, "member.registered")) == registered
    _type(window, "GuardianName", "한부모")
    ui.tap("MemberRegister")
    page = mode.current
    number = page.member.number
    consent = Lifecycle(demo).consent(number)
    assert consent is not None and consent.child and consent.guardian_name == "한부모"
    assert consent.guardian_relation == "parent"
    assert _events(demo, "member.consent_recorded")[-1] == ("김관리", {"member": number, "version": consent.version,
                                                                    "child": True, "staff": "김관리"})
    card = page.last_card

    ui.tap("MemberExport")
    [(actor, payload)] = _events(demo, "member.exported")
    assert actor == "김관리" and payload["member"] == number
    [saved] = sorted(Path(page.ctx.documents_dir).glob(f"member-{number}-*.json"))
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert data["consent"]["guardian"]["name"] == "한부모" and saved.stat().st_mode & 0o777 == 0o600

    ui.tap("MemberErase")  # once: only asks
    assert demo.members.identify(card).number == number and not _events(demo, "member.erased")
    ui.tap("MemberErase")
    assert [p["member"] for _a, p in _events(demo, "member.erased")] == [number]
    assert mode.current.banner.kind != "refused"
    with pytest.raises(KioskError):
        demo.members.identify(card)
