"""Fixtures for the resident screens: a demo centre and the real kiosk window.

``demo``
    An initialised kiosk (site GN01, clock standing at Tuesday 2026-03-10
    10:00 in Seoul) filled with the demo centre of kiosk/demo.py.
``cards``
    The demo members' card payloads by display name.
``window``
    A :class:`ui.app.KioskWindow` on that kiosk, 1280x800, with a silent
    sound that records its cues, a speech engine that records what it would
    say (``window.voice.speech``) and a PDF-file printer. No camera is opened:
    scans enter through ``window.handle_scan`` (the path the scan bridge uses).
``ui``
    Helpers to tap, scan and wait for the background work.
``make_ui``
    Another window (other size, other options) and its helpers.

Every test here fails on a Qt warning.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ui_fixtures import UiDriver, cards, demo, make_ui, make_window, ui, window  # noqa: F401

#: the offscreen platform's notice on every show(); not a problem of ours
_PLATFORM_NOISE = "This plugin does not support"


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            item.add_marker(pytest.mark.qt_log_ignore(_PLATFORM_NOISE))
