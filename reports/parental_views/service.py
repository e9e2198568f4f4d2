"""Produce the parental-views section in a chosen format: the one entry point for the CLI, staff pages and API."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from db.engine import Database
from reports.parental_views.enums import ReportFormat
from reports.parental_views.figures import ProgressCallback, build_parental_views
from reports.parental_views.model import ParentalViewsReport
from services.calendar.periods import AcademicYear


@dataclass(frozen=True, slots=True)
class RenderedReport:
    """A finished file."""

    content: bytes
    report_format: ReportFormat
    file_name: str

    @property
    def content_type(self) -> str:
        """The HTTP Content-Type."""
        return self.report_format.content_type


def render_report(report: ParentalViewsReport, report_format: ReportFormat) -> bytes:
    """Lay out built figures in one format (CPU work: call it off the event loop)."""
    if report_format is ReportFormat.HTML:
        from reports.parental_views.render_html import render_parental_views_html

        return render_parental_views_html(report).encode("utf-8")
    if report_format is ReportFormat.PDF:
        from reports.parental_views.render_pdf import render_parental_views_pdf

        return render_parental_views_pdf(report)
    from reports.parental_views.render_docx import render_parental_views_docx

    return render_parental_views_docx(report)


async def produce_parental_views(
    database: Database, *, year: AcademicYear, report_format: ReportFormat, now: datetime,
    on_step: ProgressCallback | None = None,
) -> RenderedReport:
    """Build the figures in one transaction, then render in a worker thread so the event loop stays free."""
    async with database.transaction() as session:
        report = await build_parental_views(session, year=year, now=now, on_step=on_step)
    if on_step is not None:
        on_step(f"Rendering {report_format.value.upper()}")
    content = await asyncio.to_thread(render_report, report, report_format)
    return RenderedReport(content=content, report_format=report_format,
                          file_name=f"parental-views-{year.label}.{report_format.value}")
