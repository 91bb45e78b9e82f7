"""Idle reset: a warning with a countdown, "more time", then nothing of the member is left."""

from __future__ import annotations

import pytest

from ui.config import UiConfig
from ui.widgets.overlay import open_overlays


@pytest.fixture
def quick(make_ui):
    """A window whose quiet time and countdown are short enough for a test."""
    return make_ui(idle_quiet_ms=300, idle_warning_ms=700)


def _member_gone(window, ui, name):
    assert window.session.member is None and window.session.member_ref is None
    assert window.current.name == "home"
    assert window.session.lang == "ko" and not window.session.large_text
    texts = " ".join(ui.visible_texts())
    assert name not in texts
    assert window.screens["borrow"].entries == [] and window.screens["loans"].loans == []


def test_idle_warning_counts_down_then_the_session_ends(qtbot, quick, cards):
    window, ui = quick
    ui.sign_in(cards["윤지우"])
    ui.scan(ui.label("T-00002"))
    window.session.set_language("en")
    window.session.set_display(large_text=True)
    qtbot.waitUntil(lambda: window.idle.warning is not None, timeout=3000)
    warning = window.idle.warning
    assert warning.is_open and "seconds" in warning.message.text()
    assert window.sound.played[-1] == "warning"
    qtbot.waitUntil(lambda: window.session.member is None, timeout=3000)
    _member_gone(window, ui, "윤지우")
    assert open_overlays(window) == []


def test_more_time_keeps_the_session(qtbot, quick, cards):
    window, ui = quick
    ui.sign_in(cards["윤지우"])
    qtbot.waitUntil(lambda: window.idle.warning is not None, timeout=3000)
    ui.tap("IdleWarning_more")
    assert window.idle.warning is None
    assert window.session.member is not None and window.current.name == "borrow"


def test_idle_reset_also_closes_an_open_dialog(qtbot, quick, cards):
    window, ui = quick
    ui.sign_in(cards["윤지우"])
    ui.tap("TypeCode")  # a dialog is open and nobody answers it
    keyboard = open_overlays(window)[0]
    assert keyboard.objectName() == "CodeKeyboard"
    qtbot.waitUntil(lambda: window.session.member is None, timeout=4000)
    assert not keyboard.is_open
    _member_gone(window, ui, "윤지우")


def test_touching_the_screen_restarts_the_quiet_time(qtbot, quick, cards):
    window, ui = quick
    ui.sign_in(cards["윤지우"])
    for _ in range(4):
        qtbot.wait(150)
        window.handle_scan(ui.label("T-00002"))  # each scan is activity
    assert window.idle.warning is None


def test_an_untouched_home_screen_never_warns(qtbot, quick):
    window, _ui = quick
    qtbot.wait(700)
    assert window.idle.warning is None


def test_the_warning_is_at_least_twenty_seconds():
    settings = {"ui_idle_warning_s": 5, "ui_idle_quiet_s": 45}
    config = UiConfig.from_settings(lambda key, default=None: settings.get(key, default))
    assert config.idle_warning_ms == 20_000 and config.idle_quiet_ms == 45_000
    assert UiConfig.from_settings(lambda key, default=None: default).idle_quiet_ms == 60_000


def test_more_time_can_be_asked_for_again_and_again(qtbot, quick, cards):
    window, ui = quick
    ui.sign_in(cards["윤지우"])
    for n in range(1, 12):
        qtbot.waitUntil(lambda: window.idle.warning is not None, timeout=3000)
        assert window.idle.warning.more.isEnabled()
        ui.tap("IdleWarning_more")
        assert window.idle.extensions == n and window.session.member is not None
    assert window.current.name == "borrow"


def test_the_configured_warning_is_never_shorter_than_twenty_seconds(make_ui, cards):
    window, _ui = make_ui(idle_warning_ms=UiConfig.from_settings(
        lambda key, default=None: 3 if key == "ui_idle_warning_s" else default).idle_warning_ms)
    assert window.idle.warning_ms >= 20_000
