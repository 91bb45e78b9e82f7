"""Resident screens in Chinese and Vietnamese name items and parts in that language,
else in Korean (as on the shelf), never in English."""

from __future__ import annotations


def _shown(ui) -> str:
    return " ".join(ui.visible_texts())


def test_a_chinese_borrow_screen_shows_the_chinese_name(window, ui, cards, demo):
    demo.catalogue.add_item("T-90", "페인트 롤러", name_en="Paint roller")  # no Chinese name
    ui.sign_in(cards["윤지우"])
    window.session.set_language("zh")
    ui.settle()
    ui.scan(ui.label("T-00002"))
    shown = _shown(ui)
    assert "充电钻" in shown
    assert "Cordless drill" not in shown and "충전드릴" not in shown
    ui.scan(ui.label("T-00090"))
    shown = _shown(ui)
    assert "페인트 롤러" in shown and "Paint roller" not in shown


def test_a_vietnamese_return_screen_names_the_parts_in_vietnamese(window, ui):
    window.go("return")
    window.session.set_language("vi")
    ui.settle()
    ui.scan(ui.label("T-00001"))  # on loan in the demo: drill body, batteries, charger, bits
    screen = window.screens["return"]
    assert "Máy khoan điện" in screen.item_name.text()
    listed = screen.parts_list.text()
    assert "thân máy khoan" in listed and "mũi khoan" in listed
    assert "drill body" not in listed and "드릴 본체" not in listed
    ui.tap("SomeMissing")
    shown = _shown(ui)
    assert "thân máy khoan" in shown and "drill bits" not in shown
