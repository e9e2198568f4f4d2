"""Working days: weekdays that are not England and Wales bank holidays."""

from __future__ import annotations

from datetime import date

from services.calendar.working_days import add_working_days, is_working_day, working_days_between


def test_weekends_and_bank_holidays_are_not_working_days() -> None:
    assert is_working_day(date(2026, 11, 23))  # Monday
    assert not is_working_day(date(2026, 11, 28))  # Saturday
    assert not is_working_day(date(2026, 12, 25)) and not is_working_day(date(2026, 12, 28))  # Christmas, Boxing Day moved
    assert not is_working_day(date(2027, 3, 29))  # Easter Monday


def test_twenty_working_days_across_christmas() -> None:
    assert add_working_days(date(2026, 12, 18), 5) == date(2026, 12, 29)
    assert add_working_days(date(2026, 12, 1), 20) == date(2026, 12, 31)
    assert working_days_between(date(2026, 12, 1), date(2027, 1, 4)) == 21  # 1 January is a bank holiday
    assert working_days_between(date(2026, 12, 1), date(2026, 12, 1)) == 0
