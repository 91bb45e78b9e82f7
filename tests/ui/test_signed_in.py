"""Who is signed in: the strip under the bar on every member screen, and what it says after the card."""

from __future__ import annotations

import pytest
from resident_catalogue import resident_catalogues  # noqa: F401

from ui.a11y_checks import shown_rect

pytestmark = pytest.mark.usefixtures("resident_catalogues")


def _number(demo, name: str) -> str:
    return next(c["number"] for c in demo.setting("demo_cards") if c["name"] == name)


def _strip_in_view(window) -> str:
    strip = window.chrome.strip
    assert strip.isVisible()
    for w in (strip.who, strip.sign_out):
        full = w.rect().translated(w.mapTo(window, w.rect().topLeft()))
        assert shown_rect(w, window) == full, f"{w.objectName()} is not wholly on screen"
    return strip.who.text()


def test_the_strip_names_the_member_with_a_masked_number_on_every_member_screen(window, ui, demo, cards):
    number = _number(demo, "윤지우")
    ui.sign_in(cards["윤지우"])
    for screen in ("borrow", "return", "loans", "home"):
        window.go(screen)
        ui.settle()
        who = _strip_in_view(window)
        assert who.startswith("윤지우 님 · 회원번호 M-***")
        assert f"M-***{number[-3:]}" in who
        assert number not in " ".join(ui.visible_texts())  # the whole number is never on screen
    ui.tap("SignOut")  # nothing done: straight back home, forgotten
    assert window.session.member is None and window.current.name == "home"
    assert not window.chrome.strip.isVisible()


def test_signing_out_after_borrowing_goes_to_the_receipt(window, ui, cards):
    ui.sign_in(cards["윤지우"])
    ui.scan(ui.label("T-00002"))
    ui.tap("SignOut")
    assert window.current.name == "receipt" and window.session.member is not None
    ui.tap("SignOut")  # on the receipt it finishes
    assert window.session.member is None


def test_a_held_reservation_is_announced_after_the_card_scan(qtbot, camera_window, cards):
    window, ui = camera_window
    window.session.set_voice(True)
    window.bridge.present(cards["조현우"])  # the card held up to the (virtual) camera at home
    qtbot.waitUntil(lambda: window.current.name == "borrow", timeout=8000)
    qtbot.waitUntil(lambda: window.chrome.strip.alerts.isVisible(), timeout=8000)
    ui.settle()
    _strip_in_view(window)
    alert = window.chrome.strip.alerts.text()
    assert alert.startswith("예약하신 캠핑의자가 도착했어요.")
    assert "예약 선반에서 가져가세요" in alert
    assert "지금 빌린 물품이 없어요." in window.chrome.strip.info.text()
    assert any("예약하신 캠핑의자가 도착했어요" in text for text in window.voice.speech.spoken)


def test_the_particle_fits_the_reserved_items_name(window, ui, demo, cards):
    # The power drill (전동드릴, ending in a consonant) comes back and waits for 윤지우.
    assert demo.circulation.reserve(cards["윤지우"], "T-00001") == "waiting"
    demo.circulation.return_item("T-00001")
    ui.sign_in(cards["윤지우"])
    ui.settle()
    assert window.chrome.strip.alerts.text().startswith("예약하신 전동드릴이 도착했어요.")
    for lang, start, middle in (("zh", "您预约的", "已到。"), ("vi", "Món ", " Quý khách đặt trước đã về.")):
        window.session.set_language(lang)
        ui.settle()
        text = window.chrome.strip.alerts.text()
        assert text.startswith(start) and middle in text


def test_an_overdue_member_learns_of_the_block_before_the_first_item(window, ui, cards):
    ui.sign_in(cards["정우진"])
    ui.settle()
    alerts = window.chrome.strip.alerts
    assert alerts.isVisible() and alerts.property("role") == "refused"
    assert alerts.text() == "반납일이 지난 물품이 1개 있어요. 먼저 반납하시면 다시 빌릴 수 있어요."
    assert window.screens["borrow"].entries == []  # told before any item was refused


def test_the_strip_is_in_reach_in_the_low_reach_layout(make_ui, window, ui, cards):
    # A 1280x800 panel is in reach from top to bottom: the sign-out stays beside the name.
    ui.sign_in(cards["윤지우"])
    window.session.set_display(low_reach=True)
    ui.settle()
    assert window.reach_top() == 0 and window.chrome.strip.sign_out.parentWidget() is window.chrome.strip
    # Where the strip is above the reach line, its sign-out goes down with the bar's buttons.
    window, ui = make_ui((1920, 1080))
    ui.sign_in(cards["윤지우"])
    window.session.set_display(low_reach=True)
    ui.settle()
    assert window.reach_top() > 0 and window.chrome.strip.sign_out.parentWidget() is window.chrome.bottom
    ui.tap("SignOut")
    assert window.session.member is None
