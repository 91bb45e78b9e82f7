"""Fixtures shared by every test package: real kiosks on temporary folders."""

from __future__ import annotations

import datetime as dt
import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


class ManualClock:
    """A clock the test moves by hand (aware UTC)."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def make_kiosk(tmp_path):
    """Factory: an initialised kiosk (site GN01) in its own folder, with a manual clock."""
    from kiosk.services import open_kiosk

    opened = []

    def make(now: dt.datetime = dt.datetime(2026, 3, 10, 1, 0, tzinfo=dt.UTC),
             site: str = "GN01", name: str = "dir"):
        clock = ManualClock(now)
        k = open_kiosk(tmp_path / name, clock=clock)
        k.initialise(site, "강남 나눔센터", kiosk_id=f"{site}-test")
        opened.append(k)
        return k, clock

    yield make
    for k in opened:
        k.close()


@pytest.fixture
def nanum(tmp_path, capsys):
    """``nanum`` in this process on a data folder of its own: ``nanum(*args, lang="en")``
    returns (exit code, stdout, stderr); ``nanum.data`` and ``nanum.db`` are its paths."""
    from kiosk.cli import main

    data = tmp_path / "data"

    def run(*args, lang="en"):
        code = main(["--data-dir", str(data), "--lang", lang, *args])
        out, err = capsys.readouterr()
        return code, out, err

    run.data = data
    run.db = data / "nanum.sqlite3"
    return run
