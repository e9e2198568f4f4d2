"""The parental-views section as plain data: sections of paragraphs, tables, one chart and quotes.

Every string in it is already as published (counts suppressed, quotes redacted), so the HTML, PDF
and DOCX renderers only lay it out and cannot publish anything the figures did not allow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Table:
    """A table with a caption, one header row and text cells."""

    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class ChartData:
    """A bar chart: categories along one axis, one bar per series (only published values; None = not shown)."""

    key: str
    title: str
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[float | None, ...]], ...]
    value_label: str
    alt_text: str
    is_horizontal: bool = False


@dataclass(frozen=True, slots=True)
class QuoteGroup:
    """Quotes families agreed to share, approved by a coordinator and redacted, under one theme."""

    theme: str
    quotes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Section:
    """One heading of the report with what sits under it."""

    key: str
    title: str
    paragraphs: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    chart: ChartData | None = None
    quote_groups: tuple[QuoteGroup, ...] = ()


@dataclass(frozen=True, slots=True)
class ParentalViewsReport:
    """The whole section for one academic year."""

    academic_year: str
    title: str
    produced_at: datetime
    summary: tuple[str, ...]
    sections: tuple[Section, ...] = field(default_factory=tuple)

    def section(self, key: str) -> Section:
        """One section by key."""
        return next(section for section in self.sections if section.key == key)
