"""Staff mode's transfers page: items to send home from here, this centre's items coming home."""

from __future__ import annotations

import pytest

from kiosk.codes import item_label_payload
from kiosk.services import syncstate
from kiosk.services.staff import Staff
from kiosk.services.transfers import open_transfers


@pytest.fixture
def mode(window, ui, demo):
    Staff(demo).create_first_manager("김관리", "2580")
    return ui.enter_staff_mode()


def _rows(page, name):
    from PySide6.QtWidgets import QLabel, QWidget

    box = page.findChild(QWidget, name)
    return [lab.text() for lab in box.findChildren(QLabel, "RowTitle")]


def test_both_lists_and_a_scan_that_brings_an_item_home(window, ui, mode, demo):
    # another centre's item handed in at this one, and one of ours returned at MP01
    demo.catalogue.add_item("T-00001", "원목 기차 세트", parts=24, home_site="MP01")
    assert demo.circulation.return_item(
        item_label_payload("T-00001", demo.base_url, site="MP01"), parts_counted=24).destination == "transfer"
    ours = demo.catalogue.list(status="on_loan")[0]
    syncstate.apply_page(demo, [{"kind": "transfer", "key": "5d1c3a2e-0000-4000-8000-000000000001",
                                 "deleted": False, "body": {
                                     "uid": "5d1c3a2e-0000-4000-8000-000000000001", "item": ours.code,
                                     "item_site": "GN01", "from_site": "MP01", "to_site": "GN01",
                                     "loan": None, "started_at": "2026-03-10T00:30:00+00:00",
                                     "received_at": None, "parts_expected": ours.parts_total,
                                     "parts_counted": ours.parts_total, "condition": "ok"}}],
                         "cursor-1", None)
    ui.tap("nav_transfers")
    page = mode.current
    assert page.name == "transfers"
    assert _rows(page, "TransfersToSend") == ["MP01/T-00001 원목 기차 세트"]
    assert _rows(page, "TransfersToExpect") == [f"{ours.code} {ours.name_ko}"]

    window.bridge.inject(item_label_payload(ours.code, demo.base_url, site="GN01"))  # the camera's path
    ui.settle()
    ui.settle()
    assert page.banner.kind == "ok" and ours.code in page.banner.title.text(), page.banner.title.text()
    assert _rows(page, "TransfersToExpect") == []
    assert open_transfers(demo).to_expect == []
    assert demo.catalogue.get(ours.code).status in ("available", "held")

    # scanning something that is not on its way here says so and changes nothing
    window.bridge.inject(item_label_payload(ours.code, demo.base_url, site="GN01"))  # the camera's path
    ui.settle()
    ui.settle()
    assert page.banner.kind == "refused"
    assert _rows(page, "TransfersToSend") == ["MP01/T-00001 원목 기차 세트"]
