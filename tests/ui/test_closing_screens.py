"""Closing screens: one primary action each; the thanks screen says what was taken and when it is
due, or where a returned item went; its check mark is drawn whole."""

from __future__ import annotations

import numpy as np
import pytest
from resident_catalogue import resident_catalogues  # noqa: F401

from ui.a11y_checks import image_array, resident_checks

pytestmark = pytest.mark.usefixtures("resident_catalogues")


def _primaries(window) -> list[str]:
    found = resident_checks(window)
    return [f.detail for f in found if f.check == "primary"]


def _blue(window) -> list[str]:
    from PySide6.QtWidgets import QPushButton

    return [b.objectName() for b in window.current.findChildren(QPushButton)
            if b.isVisible() and b.property("role") == "primary"]


def test_after_borrowing_the_receipt_has_one_primary_and_thanks_lists_the_due_dates(window, ui, cards):
    ui.sign_in(cards["윤지우"])
    ui.scan(ui.label("T-00002"))
    ui.scan(ui.label("T-00003"))
    ui.tap("BorrowDone")
    assert window.current.name == "receipt"
    assert _blue(window) == ["ReceiptNone"] and not _primaries(window)
    assert ui.button("ReceiptNone").text() == "영수증 없이 끝내기"
    ui.tap("ReceiptQr")  # the QR code is shown: still one way on
    assert _blue(window) == ["ReceiptNone"] and not _primaries(window)
    assert ui.button("ReceiptNone").text() == "끝내기"
    ui.tap("ReceiptNone")
    assert window.current.name == "thanks"
    thanks = window.screens["thanks"]
    assert thanks.summary.isVisible()
    assert thanks.line_texts() == ["충전드릴 (T-00002) — 반납일: 3월 17일 (화)",
                                   "임팩트 드라이버 (T-00003) — 반납일: 3월 17일 (화)"]
    for line, code in zip(thanks.lines, ("T-00002", "T-00003"), strict=True):
        assert line.text.property("role") == "title"  # large
        # each with its picture: the item's photo, or the pictogram of its kind
        assert line.photo.isVisible() and line.photo.code == code and line.photo.shows in ("photo", "pictogram")
        assert not line.photo.pixmap().isNull()
    assert window.screens["thanks"].small.text() == "물품을 꼭 챙겨 가세요. 또 만나요."
    assert _blue(window) == ["ThanksHome"] and not _primaries(window)


def test_after_a_return_thanks_says_where_it_went_not_to_take_it(window, ui):
    window.go("return")
    ui.scan(ui.label("T-00004"))
    ui.tap("AllPartsHere")
    ui.tap("ConditionFine")
    ui.tap("ReturnDone")
    ui.tap("ReceiptNone")
    thanks = window.screens["thanks"]
    assert thanks.line_texts() == ["전동 원형톱 (T-00004) — 반납 완료: 반납 선반"]
    assert [line.photo.code for line in thanks.lines] == ["T-00004"]
    assert "챙겨" not in thanks.small.text()
    assert thanks.small.text() == "반납해 주셔서 고마워요. 또 만나요."


def test_without_a_printer_the_receipt_step_still_has_its_one_way_on(window, ui, cards):
    window.set_printer(None)
    ui.sign_in(cards["윤지우"])
    ui.scan(ui.label("T-00002"))
    ui.tap("BorrowDone")
    assert not ui.button("ReceiptPrint").isVisible()
    assert _blue(window) == ["ReceiptNone"] and not _primaries(window)
    ui.tap("ReceiptNone")
    assert window.current.name == "thanks"


def test_the_audit_reports_two_primary_actions(window, ui, cards):
    ui.sign_in(cards["윤지우"])
    ui.scan(ui.label("T-00002"))
    ui.tap("BorrowDone")
    ui.button("ReceiptPrint").setProperty("role", "primary")  # as the receipt screen used to be
    assert _primaries(window) == ["2 primary actions: ReceiptPrint, ReceiptNone"]


def test_the_thanks_check_mark_is_drawn_whole(window, ui, cards):
    ui.sign_in(cards["윤지우"])
    ui.scan(ui.label("T-00002"))
    ui.tap("BorrowDone")
    ui.tap("ReceiptNone")
    icon = window.screens["thanks"].icon
    pixels = image_array(icon.grab().toImage()).astype(int)
    background = pixels[0, 0]  # a corner: outside the ring
    edges = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    assert np.abs(edges - background).max() < 24, "the ring touches the widget's edge (cut off)"
