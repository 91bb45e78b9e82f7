"""The staff screens take the shared field limits early (same constants as the
services), and a value the service refuses is shown as its translated
message, with nothing stored."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLineEdit, QSpinBox

from kiosk.i18n import N_, Message
from kiosk.limits import (
    CONTACT_MAX,
    ITEM_CODE_MAX,
    ITEM_NAME_MAX,
    MEMBER_NAME_MAX,
    PART_NAME_MAX,
    REPLACEMENT_VALUE_MAX,
)
from kiosk.services.staff import Staff


@pytest.fixture
def mode(window, ui, demo):
    """Staff mode open for the manager 김관리 (signed in through the door)."""
    Staff(demo).create_first_manager("김관리", "2580")
    return ui.enter_staff_mode()


def _field(window, name) -> QLineEdit:
    field = window.findChild(QLineEdit, name)
    assert field is not None and field.isVisible(), name
    return field


def test_the_item_form_takes_the_shared_limits(window, ui, mode, demo):
    ui.tap("nav_catalogue")
    ui.tap("ItemAdd")
    assert _field(window, "ItemCode").maxLength() == ITEM_CODE_MAX
    assert _field(window, "ItemNameKo").maxLength() == ITEM_NAME_MAX
    assert _field(window, "ItemNameEn").maxLength() == ITEM_NAME_MAX
    assert window.findChild(QSpinBox, "ItemValue").maximum() == REPLACEMENT_VALUE_MAX
    ui.tap("ItemAddPart")
    assert _field(window, "part_name_0").maxLength() == PART_NAME_MAX
    _field(window, "ItemNameKo").setText("가" * (ITEM_NAME_MAX + 50))  # pasted
    assert len(_field(window, "ItemNameKo").text()) == ITEM_NAME_MAX


def test_a_name_with_hidden_marks_is_refused_with_the_services_message(window, ui, mode, demo):
    before = len(demo.catalogue.list())
    ui.tap("nav_catalogue")
    ui.tap("ItemAdd")
    _field(window, "ItemCode").setText("T-00777")
    _field(window, "ItemNameKo").setText("전동\u202e톱")  # pasted from a message
    ui.tap("ItemSave")
    banner = mode.current.banner
    expected = Message(N_("{field} contains control characters or hidden direction marks."),
                       {"field": Message(N_("The item's name"))}).render()
    assert banner.kind == "refused" and banner.title.text() == expected
    assert len(demo.catalogue.list()) == before


def test_the_member_form_takes_the_shared_limits(window, ui, mode, demo):
    ui.tap("nav_members")
    ui.tap("MemberNew")
    assert _field(window, "MemberName").maxLength() == MEMBER_NAME_MAX
    assert _field(window, "MemberContact").maxLength() == CONTACT_MAX
    before = len(demo.members.list())
    _field(window, "MemberName").setText("한\x00가람")
    ui.tap("MemberConsent")
    ui.tap("MemberRegister")
    assert mode.current.banner.kind == "refused"
    assert len(demo.members.list()) == before
