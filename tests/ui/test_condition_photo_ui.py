"""A return at the kiosk keeps a photo of the item from the virtual camera's frame where
its label was read, and staff see it in the inspection queue beside the catalogue's."""

from __future__ import annotations

import pytest

from kiosk.codes import item_label_payload
from kiosk.photos import CONDITION
from kiosk.services.condition import ConditionPhotos
from kiosk.services.staff import Staff
from ui.screens.giveback import CONDITION as CONDITION_STEP
from ui.screens.giveback import RESULT

pytestmark = pytest.mark.usefixtures("demo")


def take_away(window, qtbot) -> None:
    """The resident takes the label out of view (so the camera does not read it again)."""
    camera = window.bridge.source
    camera.clear()
    qtbot.waitUntil(lambda: camera.shown is None, timeout=8000)


def test_a_return_stores_a_photo_that_staff_see(camera_window, demo, qtbot):
    window, ui = camera_window
    assert demo.catalogue.get("T-00009").status == "on_loan"  # the demo's ladder is out
    window.go("return")
    screen = window.screens["return"]
    window.bridge.present(item_label_payload("T-00009", demo.base_url))
    qtbot.waitUntil(lambda: screen.step == CONDITION_STEP, timeout=8000)
    take_away(window, qtbot)
    ui.tap("ConditionDamaged")
    ui.tap("damage_broken")
    assert screen.step == RESULT and screen.outcome.destination == "staff"
    photos = ConditionPhotos(demo)
    qtbot.waitUntil(lambda: bool(photos.of_item("T-00009")), timeout=30000)
    [kept] = photos.of_item("T-00009")
    loan = next(ln for ln in demo.circulation.loans() if ln.item_code == "T-00009" and ln.returned_at)
    assert kept.loan_uid == loan.uid
    assert kept.display.parent.name == CONDITION.name
    # Staff open the check of the item and see the photo of its return.
    window.go("home")
    Staff(demo).create_first_manager("김관리", "2580")
    mode = ui.enter_staff_mode()
    page = mode.go("inspection")
    ui.settle()
    [case] = [c for c in page.cases if c.item.code == "T-00009"]
    page.show_case(case)
    qtbot.waitUntil(lambda: page.photos.isVisible(), timeout=10000)
    assert page.return_photo.photo == str(kept.display) and page.return_photo.shows == "photo"
    assert page.return_caption.text().startswith(("반납할 때", "At the return"))


def test_staff_compare_the_photo_at_checkout_with_the_one_at_the_return(camera_window, cards, demo, qtbot):
    window, ui = camera_window
    window.go("borrow")
    window.bridge.present(cards["윤지우"])
    qtbot.waitUntil(lambda: window.current.name == "borrow", timeout=8000)
    ui.settle()
    borrow = window.screens["borrow"]
    window.bridge.present(item_label_payload("G-00002", demo.base_url))
    qtbot.waitUntil(lambda: bool(borrow.entries), timeout=8000)
    assert borrow.entries[-1][0].ok, borrow.entries[-1][0]
    take_away(window, qtbot)
    photos = ConditionPhotos(demo)
    qtbot.waitUntil(lambda: bool(photos.of_item("G-00002")), timeout=30000)
    [out] = photos.of_item("G-00002")
    assert out.moment == "checkout"
    window.go("home")
    ui.settle()
    window.go("return")
    screen = window.screens["return"]
    window.bridge.present(item_label_payload("G-00002", demo.base_url))
    qtbot.waitUntil(lambda: screen.step != 0, timeout=8000)
    take_away(window, qtbot)
    if screen.step != CONDITION_STEP:  # a many-part item asks about its parts first
        ui.tap("AllPartsHere")
    ui.tap("ConditionDamaged")
    ui.tap("damage_broken")
    qtbot.waitUntil(lambda: photos.pair("G-00002")[0] is not None, timeout=30000)
    back, paired = photos.pair("G-00002")
    assert paired == out and back.loan_uid == out.loan_uid
    window.go("home")
    Staff(demo).create_first_manager("김관리", "2580")
    page = ui.enter_staff_mode().go("inspection")
    ui.settle()
    [case] = [c for c in page.cases if c.item.code == "G-00002"]
    page.show_case(case)
    qtbot.waitUntil(lambda: page.photos.isVisible(), timeout=10000)
    assert page.return_photo.photo == str(back.display)
    assert page.shelf_photo.photo == str(out.display)
    assert page.shelf_caption.text().startswith(("대여할 때", "At the checkout"))
