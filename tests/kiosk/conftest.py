"""Fixtures for tests of the kiosk core, built on ``make_kiosk`` (tests/conftest.py).

``kiosk``
    An initialised :class:`~kiosk.services.core.Kiosk` in ``tmp_path`` for
    site ``GN01`` "강남 나눔센터", standing at Tuesday 2026-03-10, 10:00 in
    Seoul (01:00 UTC). It is closed when the test ends.
``clock``
    That kiosk's clock (``kiosk.clock``): it stands still until a test moves
    it with ``clock.advance(days=8)`` or sets ``clock.now`` to an aware
    datetime. Setting it in an autouse fixture is fine: the kiosk reads the
    clock at every call.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def _kiosk_and_clock(make_kiosk):
    return make_kiosk()


@pytest.fixture
def kiosk(_kiosk_and_clock):
    return _kiosk_and_clock[0]


@pytest.fixture
def clock(_kiosk_and_clock):
    return _kiosk_and_clock[1]
