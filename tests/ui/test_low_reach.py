"""The low-reach layout: every control below 120 cm for the panel as mounted, one touch away."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QAbstractButton

from ui.a11y_checks import shown_rect
from ui.config import MAX_REACH_CM, UiConfig
from ui.widgets.overlay import open_overlays


def _controls(window, root=None):
    root = root or window
    return [b for b in root.findChildren(QAbstractButton) if b.isVisible() and not shown_rect(b, window).isEmpty()]


def _highest_cm(window, root=None) -> float:
    top = min(shown_rect(b, window).top() for b in _controls(window, root))
    return window.config.height_cm_at(top, window.height())


def test_reach_line_follows_the_mounting_height_and_the_panel_height():
    cfg = UiConfig(dpi=102.0, panel_mount_cm=100.0)
    # 1080 px at 102 dpi is 26.9 cm: the top 6.9 cm (277 px) are above 120 cm
    assert cfg.panel_cm(1080) == pytest.approx(26.9, abs=0.05)
    assert cfg.reach_line(1080) == 277
    assert UiConfig(panel_mount_cm=80.0).reach_line(1080) == 0  # all of it in reach
    tall = UiConfig(panel_mount_cm=70.0, panel_height_cm=100.0)
    assert tall.reach_line(1920) == round(0.5 * 1920)
    assert tall.height_cm_at(tall.reach_line(1920), 1920) == pytest.approx(MAX_REACH_CM, abs=0.1)


def test_panel_settings_are_read_from_the_kiosk_settings():
    settings = {"ui_panel_mount_cm": "85", "ui_panel_height_cm": 47.6, "ui_earphone_voice": False}
    cfg = UiConfig.from_settings(lambda key, default=None: settings.get(key, default))
    assert (cfg.panel_mount_cm, cfg.panel_height_cm, cfg.earphone_voice) == (85.0, 47.6, False)
    bad = UiConfig.from_settings(lambda key, default=None: "high" if key == "ui_panel_mount_cm" else default)
    assert bad.panel_mount_cm == 100.0


def test_one_touch_on_home_brings_every_control_within_reach(make_ui, cards):
    window, ui = make_ui((1920, 1080))
    assert window.reach_top() == 0
    assert _highest_cm(window) > MAX_REACH_CM  # the standard bar sits at the top, out of reach
    ui.tap("LowReach")
    assert window.session.low_reach and window.reach_top() == 277
    assert window.type_code.parentWidget() is window.chrome.bottom
    assert _highest_cm(window) <= MAX_REACH_CM
    ui.sign_in(cards["윤지우"])
    ui.scan(ui.label("K-00001"))  # a refusal with a waiting-list button in the list
    assert _highest_cm(window) <= MAX_REACH_CM
    ui.tap("TypeCode")  # a dialog, too, opens below the line
    keyboard = open_overlays(window)[0]
    assert _highest_cm(window, keyboard.panel) <= MAX_REACH_CM
    keyboard.finish("cancel")
    window.end_session()
    assert not window.session.low_reach and window.type_code.parentWidget() is not window.chrome.bottom


def test_low_reach_on_a_tall_portrait_panel_mounted_low(make_ui):
    window, ui = make_ui((1080, 1920), panel_mount_cm=75.0)
    ui.tap("LowReach")
    assert window.reach_top() > 0
    assert _highest_cm(window) <= MAX_REACH_CM
    assert window.chrome.caption.isVisible()  # the room above says what to do
    assert window.chrome.caption.text() == window.current.instruction()
    assert not window.screens["home"].hint.isVisible()  # not said twice
