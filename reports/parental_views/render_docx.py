"""The parental-views section as a Word document officers can paste into a committee paper (python-docx)."""

from __future__ import annotations

import io

from docx import Document
from docx.shared import Cm

from reports.parental_views.charts import chart_png
from reports.parental_views.model import ParentalViewsReport, Section, Table
from services.casework.duty_alerts import local_time

CHART_WIDTH = Cm(16)


def _add_table(document: Document, table: Table) -> None:
    document.add_paragraph(table.caption, style="Caption")
    grid = document.add_table(rows=1, cols=len(table.headers))
    grid.style = "Table Grid"
    for cell, header in zip(grid.rows[0].cells, table.headers, strict=True):
        cell.text = header
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in table.rows:
        cells = grid.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = value


def _add_section(document: Document, section: Section) -> None:
    document.add_heading(section.title, level=2)
    for paragraph in section.paragraphs:
        document.add_paragraph(paragraph)
    for table in section.tables:
        _add_table(document, table)
    if section.chart is not None:
        document.add_picture(io.BytesIO(chart_png(section.chart)), width=CHART_WIDTH)
        picture = document.inline_shapes[-1]
        # The alt text Word shows and reads out ("descr" on the drawing's docPr).
        picture._inline.docPr.set("descr", section.chart.alt_text)
        picture._inline.docPr.set("title", section.chart.title)
        document.add_paragraph(f"{section.chart.title}. The same figures are in the table above.", style="Caption")
    for group in section.quote_groups:
        document.add_heading(group.theme, level=3)
        for quote in group.quotes:
            document.add_paragraph(f"“{quote}”", style="Quote")


def render_parental_views_docx(report: ParentalViewsReport) -> bytes:
    """DOCX bytes: headings, a table per figure group, PNG charts with alt text, quotes."""
    document = Document()
    document.core_properties.title = report.title
    document.core_properties.author = "Kent PACT and Kent County Council (Carerline)"
    document.add_heading(report.title, level=1)
    document.add_paragraph(f"A section contributed by Kent PACT with Kent County Council. Produced by Carerline at {local_time(report.produced_at)}.")
    for paragraph in report.summary:
        document.add_paragraph(paragraph)
    for section in report.sections:
        _add_section(document, section)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
