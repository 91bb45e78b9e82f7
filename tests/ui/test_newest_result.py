"""The newest borrow result is always in view, on top of the list, and says which item and why."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect
from resident_catalogue import resident_catalogues  # noqa: F401

from ui.a11y_checks import resident_checks, shown_rect

pytestmark = pytest.mark.usefixtures("resident_catalogues")

#: seven items on the shelf, then one someone else has (the demo's building blocks)
AVAILABLE = ("T-00002", "T-00003", "T-00007", "T-00010", "T-00013", "G-00001", "H-00005")
ON_LOAN = "K-00001"


def _whole_in_window(w, window) -> bool:
    return shown_rect(w, window) == QRect(w.mapTo(window, w.rect().topLeft()), w.size())


def test_after_eight_scans_in_large_text_the_refused_row_is_wholly_in_view(qtbot, camera_window, cards):
    window, ui = camera_window  # 1280x800, scanning through the virtual camera
    ui.tap("LargeText")
    ui.tap("VoiceGuide")  # the voice bar takes its room too
    window.bridge.present(cards["역삼동 주민자치회"])  # an organisation: ten items at a time
    qtbot.waitUntil(lambda: window.current.name == "borrow", timeout=8000)
    borrow = window.screens["borrow"]
    for n, code in enumerate((*AVAILABLE, ON_LOAN), 1):
        window.bridge.present(ui.label(code))
        qtbot.waitUntil(lambda n=n: len(borrow.entries) == n, timeout=8000)
        ui.settle()
    row = borrow.newest()
    assert row is not None and row.objectName() == f"row_{ON_LOAN}"
    assert borrow.rows.itemAt(0).widget() is row  # the newest on top
    assert _whole_in_window(row, window)
    assert borrow.banner.title.text() == "블록 장난감: 대여 불가"
    assert row.status.text().startswith("지금 다른 분이 대여 중인 물품이에요.")
    spoken = window.voice.speech.spoken[-1]
    assert spoken.startswith("블록 장난감: 대여 불가 지금 다른 분이 대여 중인 물품이에요.")
    found = resident_checks(window)
    assert not [f for f in found if f.check == "newest"]


def test_the_audit_reports_a_newest_row_scrolled_out_of_view(window, ui, cards):
    ui.sign_in(cards["역삼동 주민자치회"])
    for code in AVAILABLE:  # seven rows: more than a 1280x800 panel's list holds
        ui.scan(ui.label(code))
    borrow = window.screens["borrow"]
    bar = borrow.scroller.verticalScrollBar()
    borrow.scroller.setMinimumHeight(0)
    ui.settle()
    bar.setValue(bar.maximum())  # as if the list had been left scrolled to its end
    ui.settle()
    assert not _whole_in_window(borrow.newest(), window)
    found = resident_checks(window)
    assert [f.widget for f in found if f.check == "newest"] == [f"row_{AVAILABLE[-1]}"]


def test_a_refusal_in_vietnamese_large_text_leaves_done_in_view(make_ui, cards):
    """Three wrapped lines of refusal and three of instruction beside the camera: the camera's
    picture shrinks toward its least size instead of the screen scrolling Done out of view (the
    picture asked for 60 mm, and the screen was measured with it)."""
    from ui.a11y_checks import check_screen, image_array

    window, ui = make_ui(size=(1920, 1080))
    ui.sign_in(cards["윤지우"])
    window.session.set_language("vi")
    window.session.set_display(large_text=True, high_contrast=False)
    for code in ("T-00002", "T-00003", ON_LOAN):
        ui.scan(ui.label(code))
    ui.settle()
    borrow = window.screens["borrow"]
    assert borrow.banner.isVisible() and borrow.banner.title.text().startswith("Đồ chơi xếp hình")
    assert _whole_in_window(borrow.done, window) and _whole_in_window(borrow.newest(), window)
    assert window.body.verticalScrollBar().maximum() == 0  # nothing to scroll
    assert borrow.camera.height() >= borrow.camera.minimumSizeHint().height()
    findings, _ = check_screen(window, image_array(window.grab().toImage()), "vi", False)
    assert not [f for f in findings if f.check in ("primary", "next-step", "newest", "clipped")]
