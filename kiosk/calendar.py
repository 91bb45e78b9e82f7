"""The centre's calendar: when is it open, and which day is a loan due.

Closed weekdays, Korean public holidays (with substitute holidays, from the
``holidays`` package) and extra closed dates push a due date to the next open
day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from holidays import HolidayBase

SEOUL = ZoneInfo("Asia/Seoul")


@lru_cache(maxsize=32)
def korean_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(_south_korea()(years=year).keys())


@lru_cache(maxsize=1)
def _south_korea() -> type[HolidayBase]:
    """The ``holidays`` package's South Korea calendar, loaded on its own.

    ``holidays.KR`` goes through the package of all countries, which imports
    about 300 modules and holds some 15 MB for the rest of the kiosk's run,
    the first time a due date is computed (a resident's first scan). Only
    the Korean module and the calendars it imports are loaded here.
    """
    import importlib
    import importlib.util
    import sys

    import holidays

    name = "holidays.countries.south_korea"
    if name in sys.modules:
        loaded: type[HolidayBase] = sys.modules[name].SouthKorea
        return loaded
    path = Path(holidays.__file__).parent / "countries" / "south_korea.py"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None or not path.is_file():
        # A packaging we do not know: the ordinary way, through the package of all countries.
        ordinary: type[HolidayBase] = importlib.import_module(name).SouthKorea
        return ordinary
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    alone: type[HolidayBase] = module.SouthKorea
    return alone


@dataclass(frozen=True)
class CentreCalendar:
    #: weekday numbers the centre is closed (Monday = 0 ... Sunday = 6)
    closed_weekdays: frozenset[int] = frozenset({6})
    extra_closed: frozenset[dt.date] = field(default_factory=frozenset)
    public_holidays: bool = True

    def is_open(self, day: dt.date) -> bool:
        if day.weekday() in self.closed_weekdays or day in self.extra_closed:
            return False
        return not (self.public_holidays and day in korean_holidays(day.year))

    def next_open_day(self, day: dt.date) -> dt.date:
        """``day`` itself when open, else the first open day after it."""
        if len(self.closed_weekdays) >= 7:
            raise ValueError("a centre closed every weekday has no open day")
        for _ in range(400):
            if self.is_open(day):
                return day
            day += dt.timedelta(days=1)
        raise ValueError("no open day within a year")

    def due_date(self, start: dt.date, days: int) -> dt.date:
        return self.next_open_day(start + dt.timedelta(days=days))


def local_date(when: dt.datetime) -> dt.date:
    """The date in Seoul of an aware UTC time."""
    return when.astimezone(SEOUL).date()
