"""Due dates on the centre's calendar."""

import datetime as dt

from kiosk.calendar import CentreCalendar

D = dt.date


def test_closed_weekday_pushes_to_next_open_day():
    cal = CentreCalendar(closed_weekdays=frozenset({6}))  # Sundays
    assert cal.due_date(D(2026, 3, 15 - 7), 7) == D(2026, 3, 16)  # Sun 15th -> Mon 16th


def test_korean_public_holidays_including_chuseok_and_substitutes():
    cal = CentreCalendar(closed_weekdays=frozenset({6}))
    # Chuseok 2026: 24-26 September (Thu-Sat), then Sunday closed -> Monday 28th
    assert cal.due_date(D(2026, 9, 17), 7) == D(2026, 9, 28)
    # Buddha's Birthday 2026-05-24 is a Sunday; its substitute holiday is Monday 25th
    assert cal.due_date(D(2026, 5, 18), 7) == D(2026, 5, 26)
    # Lunar New Year 2026: 16-18 February
    assert cal.due_date(D(2026, 2, 9), 7) == D(2026, 2, 19)


def test_extra_closed_days_and_open_days_unchanged():
    cal = CentreCalendar(closed_weekdays=frozenset({0}), extra_closed=frozenset({D(2026, 4, 8)}))
    assert cal.due_date(D(2026, 4, 1), 7) == D(2026, 4, 9)  # Wed 8th closed
    assert cal.due_date(D(2026, 4, 2), 7) == D(2026, 4, 9)  # Thu 9th open
    assert cal.due_date(D(2026, 4, 6), 7) == D(2026, 4, 14)  # Monday 13th closed weekday


def test_holidays_can_be_ignored_by_a_centre_open_on_them():
    cal = CentreCalendar(closed_weekdays=frozenset(), public_holidays=False)
    assert cal.due_date(D(2026, 9, 18), 7) == D(2026, 9, 25)


def test_korean_holidays_are_the_holidays_packages_without_loading_every_country():
    import subprocess
    import sys

    import holidays

    from kiosk.calendar import korean_holidays

    for year in range(2024, 2031):
        assert korean_holidays(year) == frozenset(holidays.KR(years=year).keys())
    code = ("import sys; from kiosk.calendar import korean_holidays; korean_holidays(2026); "
            "print(sum(m.startswith('holidays.countries.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(out.stdout) == 0
