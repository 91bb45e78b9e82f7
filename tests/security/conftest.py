"""The probe suite: hostile files, wire events, scans and loads against the real
kiosk, the real resident window and the real platform on PostgreSQL.

Fixtures come from the sync and UI suites (platform_fixtures.py, ui_fixtures.py):
``pg``, ``platform``, ``demo``, ``cards``, ``window``, ``ui``, ``make_ui``.
"""

from __future__ import annotations

import sys
from pathlib import Path

_TESTS = Path(__file__).resolve().parent.parent
for _sub in ("sync", "ui"):
    if str(_TESTS / _sub) not in sys.path:
        sys.path.insert(0, str(_TESTS / _sub))

from platform_fixtures import pg, platform  # noqa: E402,F401
from ui_fixtures import UiDriver, cards, demo, make_ui, make_window, ui, window  # noqa: E402,F401
