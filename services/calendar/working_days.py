"""Working days: Monday to Friday, not an England and Wales bank holiday (for the council's timetables)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    # England and Wales share their bank holidays; the `holidays` data ships with the library (offline).
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(day: date) -> bool:
    """True on a weekday that is not a bank holiday in England and Wales."""
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (start itself does not count)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end is not after start)."""
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count


def signed_working_days(start: date, end: date) -> int:
    """Working days in (start, end], negative when end is before start (days left, or days overdue)."""
    if end < start:
        return -working_days_between(end, start)
    return working_days_between(start, end)
