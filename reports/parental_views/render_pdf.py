"""The parental-views section as PDF: WeasyPrint lays out the same HTML (needs the system's Pango)."""

from __future__ import annotations

from reports.parental_views.model import ParentalViewsReport
from reports.parental_views.render_html import render_parental_views_html


def render_parental_views_pdf(report: ParentalViewsReport) -> bytes:
    """PDF bytes of the HTML section (A4, tables and charts kept whole where they fit)."""
    from weasyprint import HTML  # imported here: loading Pango takes a moment and only PDFs need it

    return HTML(string=render_parental_views_html(report)).write_pdf(
        metadata={"title": report.title, "authors": ["Kent PACT", "Kent County Council"]}
    )
