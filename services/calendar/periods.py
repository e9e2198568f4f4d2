"""The academic year a report covers ("2025-26" = 1 September 2025 to 31 August 2026) and its three terms.

Terms for reporting are whole months, so every day of the year (holidays included) falls in exactly
one: autumn September to December, spring January to March, summer April to August.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from db.dao.reports.parental_views import Period

YEAR_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


class InvalidAcademicYear(ValueError):
    """Not an academic year written like 2025-26."""


@dataclass(frozen=True, slots=True)
class Term:
    """One reporting term of an academic year."""

    key: str  # "autumn", "spring", "summer"
    label: str  # "Autumn 2025"
    period: Period


@dataclass(frozen=True, slots=True)
class AcademicYear:
    """One academic year, 1 September to 31 August."""

    first_calendar_year: int

    @classmethod
    def parse(cls, text: str) -> "AcademicYear":
        """"2025-26" → the year starting 1 September 2025."""
        match = YEAR_PATTERN.match(text.strip())
        if match is None:
            raise InvalidAcademicYear("write the academic year like 2025-26")
        first, second = int(match.group(1)), int(match.group(2))
        if (first + 1) % 100 != second or not 2000 <= first <= 2098:
            raise InvalidAcademicYear("the second year must follow the first, like 2025-26")
        return cls(first)

    @classmethod
    def containing(cls, day: date) -> "AcademicYear":
        """The academic year a day falls in."""
        return cls(day.year if day.month >= 9 else day.year - 1)

    @property
    def label(self) -> str:
        """"2025-26"."""
        return f"{self.first_calendar_year}-{(self.first_calendar_year + 1) % 100:02d}"

    @property
    def first_day(self) -> date:
        """1 September."""
        return date(self.first_calendar_year, 9, 1)

    @property
    def last_day(self) -> date:
        """31 August of the next calendar year."""
        return date(self.first_calendar_year + 1, 8, 31)

    @property
    def period(self) -> Period:
        """The whole year as a UTC period."""
        return Period(_midnight(self.first_calendar_year, 9), _midnight(self.first_calendar_year + 1, 9))

    @property
    def previous(self) -> "AcademicYear":
        """The year before, for comparisons."""
        return AcademicYear(self.first_calendar_year - 1)

    @property
    def terms(self) -> tuple[Term, ...]:
        """Autumn, spring and summer."""
        first, second = self.first_calendar_year, self.first_calendar_year + 1
        return (
            Term("autumn", f"Autumn {first}", Period(_midnight(first, 9), _midnight(second, 1))),
            Term("spring", f"Spring {second}", Period(_midnight(second, 1), _midnight(second, 4))),
            Term("summer", f"Summer {second}", Period(_midnight(second, 4), _midnight(second, 9))),
        )

    def term_of(self, moment: datetime) -> Term | None:
        """The term a moment falls in, or None outside the year."""
        return next((term for term in self.terms if term.period.starts_at <= moment < term.period.ends_at), None)


def _midnight(year: int, month: int) -> datetime:
    return datetime(year, month, 1, tzinfo=UTC)
