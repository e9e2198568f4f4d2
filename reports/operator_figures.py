"""Operators' disruption reports in the figures: the SitRep's table and timings, and the parental-views table.

The SitRep (officers) shows exact counts; the parental-views section is published, so its counts
under 5 read "fewer than 5" like every other count in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from statistics import median

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.reports.operator_disruptions import (
    count_disruptions_beside_problems,
    count_disruptions_by_operator_and_kind,
    count_problems_without_operator_report,
    fetch_report_to_told_spans,
)
from db.dao.reports.parental_views import Period
from db.models.transport import DisruptionKind
from reports.parental_views.model import Table
from reports.parental_views.publishing import published_count
from services.operators.drafts import KIND_LABELS


@dataclass(frozen=True, slots=True)
class OperatorDisruptionCount:
    """How many reports one operator made of one kind in the period."""

    operator: str
    kind: str
    count: int


@dataclass(frozen=True, slots=True)
class OperatorFigures:
    """Disruptions by operator and kind in the period, and minutes from report to the last family told."""

    counts: tuple[OperatorDisruptionCount, ...]
    reports_timed: int
    median_minutes: float | None
    longest_minutes: float | None

    def lines(self) -> list[str]:
        """The figures as plain lines, for the SitRep's email and CSV."""
        lines = [f"Disruptions reported by {item.operator}: {item.kind}: {item.count}" for item in self.counts]
        if not self.counts:
            lines.append("Disruptions reported by operators: 0")
        lines.append(f"Minutes from an operator's report to families told: {self.timing()}")
        return lines

    def timing(self) -> str:
        """"median 3.5, longest 12.0 (8 reports)" or "no report reached families"."""
        if self.median_minutes is None or self.longest_minutes is None:
            return "no report reached families"
        return f"median {self.median_minutes:.1f}, longest {self.longest_minutes:.1f} ({self.reports_timed} reports)"


def operator_csv_rows(figures: OperatorFigures | None) -> list[tuple[str, object, str]]:
    """The SitRep CSV's operator rows: (figure, value, what it counts)."""
    if figures is None:
        return []
    rows: list[tuple[str, object, str]] = [
        (f"Disruptions reported by {item.operator}: {item.kind}", item.count,
         "Operators' reports this fortnight, not counting withdrawn ones or repeats joined to an earlier report.")
        for item in figures.counts
    ]
    timing = "From the operator's report to the last family's message sent (a cancellation waits for the officer)."
    rows.append(("Minutes from an operator's report to families told (median)", _minutes(figures.median_minutes), timing))
    rows.append(("Minutes from an operator's report to families told (longest)", _minutes(figures.longest_minutes), timing))
    return rows


def _minutes(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def kind_label(kind: str) -> str:
    """A report kind as people read it."""
    try:
        return KIND_LABELS[DisruptionKind(kind)]
    except ValueError:
        return kind.replace("_", " ").capitalize()


async def build_operator_figures(session: AsyncSession, *, since: datetime, until: datetime) -> OperatorFigures:
    """The SitRep's operator figures for a period."""
    counts = tuple(
        OperatorDisruptionCount(operator=operator, kind=kind_label(kind), count=count)
        for operator, kind, count in await count_disruptions_by_operator_and_kind(session, since=since, until=until)
    )
    minutes = [max(0.0, (sent - reported).total_seconds() / 60) for reported, sent in
               await fetch_report_to_told_spans(session, since=since, until=until)]
    return OperatorFigures(
        counts=counts, reports_timed=len(minutes),
        median_minutes=median(minutes) if minutes else None, longest_minutes=max(minutes) if minutes else None,
    )


async def disruptions_beside_problems_table(session: AsyncSession, *, period: Period) -> Table:
    """Operators' reports by kind beside the families' problem reports that matched them (published counts)."""
    rows = await count_disruptions_beside_problems(session, since=period.starts_at, until=period.ends_at)
    unmatched = await count_problems_without_operator_report(session, since=period.starts_at, until=period.ends_at)
    return Table(
        "Disruption the transport operators reported, beside the families' reports",
        ("Reported by the operator", "Operator reports", "Families' problem reports about the same route and day"),
        (
            *((kind_label(kind), published_count(reports), published_count(linked)) for kind, reports, linked in rows),
            ("Nothing (families reported, the operator had not)", "-", published_count(unmatched)),
        ),
    )
