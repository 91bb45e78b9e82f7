"""The resident-screen tests: fixtures in ui_fixtures.py (``demo``, ``cards``, ``window``,
``ui``, ``make_ui``). Every test here fails on a Qt warning.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ui_fixtures import UiDriver, camera_window, cards, demo, make_ui, make_window, ui, window  # noqa: F401

#: the offscreen platform's notice on every show(); not a problem of ours
_PLATFORM_NOISE = "This plugin does not support"


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            item.add_marker(pytest.mark.qt_log_ignore(_PLATFORM_NOISE))
