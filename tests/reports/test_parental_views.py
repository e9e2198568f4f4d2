"""The parental-views section built from a fixture year with known numbers: HTML, DOCX, PDF and the CLI."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from docx import Document

from db.engine import Database
from reports.parental_views.figures import build_parental_views, describe_duration, nearest_rank_percentile
from reports.parental_views.model import ParentalViewsReport
from services.calendar.periods import AcademicYear
from reports.parental_views.render_docx import render_parental_views_docx
from reports.parental_views.render_html import render_parental_views_html
from reports.parental_views.render_pdf import render_parental_views_pdf
from tests.support.parental_views_year import IDENTIFYING, REPORT_NOW, build_fixture_year

YEAR = AcademicYear.parse("2025-26")


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """The test's fresh, migrated database."""
    db = Database(database_url)
    yield db
    await db.dispose()


async def _report(database: Database) -> ParentalViewsReport:
    await build_fixture_year(database)
    async with database.transaction() as session:
        return await build_parental_views(session, year=YEAR, now=REPORT_NOW)


def _rows(report: ParentalViewsReport, section: str, table: int = 0) -> dict[str, tuple[str, ...]]:
    return {row[0]: row[1:] for row in report.section(section).tables[table].rows}


def _assert_no_identity(text: str) -> None:
    for value in IDENTIFYING:
        assert value.lower() not in text.lower(), f"{value!r} leaked into the report"


def test_durations_and_percentiles_read_as_people_say_them() -> None:
    assert describe_duration(8) == "8 hours"
    assert describe_duration(100) == "4 days 4 hours"
    assert describe_duration(0.5) == "30 minutes"
    assert nearest_rank_percentile([2, 4, 6, 8, 10, 12, 100], 90) == 100
    assert nearest_rank_percentile(list(range(1, 11)), 90) == 9


async def test_the_figures_of_a_known_year_in_html_and_docx(database: Database) -> None:
    report = await _report(database)
    reach = _rows(report, "reach")
    assert reach["Carers linked to a child on Carerline"] == ("17",)
    assert reach["Messages sent to families"] == ("10",)
    assert reach["Changes notified"] == ("5",)
    assert reach["Change notices families confirmed they had seen"] == ("70% (7)",)
    assert reach["Notice before a change took effect: median"] == ("6 days 20 hours",)
    assert reach["Notice before a change took effect: shortest"] == ("6 days 20 hours",)
    terms = _rows(report, "participation")
    assert terms["Autumn 2025"] == ("12", "6", "7")
    assert terms["Spring 2026"] == ("fewer than 5", "fewer than 5", "fewer than 5")
    assert terms["Whole year"] == ("15", "6", "7")
    districts = _rows(report, "participation", 1)
    assert districts["Maidstone"] == ("12", "6", "7") and districts["Dover"][0] == "fewer than 5"
    satisfaction = _rows(report, "satisfaction")
    assert satisfaction["Autumn 2025"] == ("12", "75% (9)", "50% (5)", "+25 percentage points")
    assert satisfaction["Spring 2026"][1] == "fewer than 5"
    themes = {row[1]: row for row in report.section("themes").tables[0].rows}
    assert themes["Punctuality"] == ("1", "Punctuality", "8", "6", "+2")
    assert themes["Communication"][2:] == ("fewer than 5", "fewer than 5", "not published (small numbers)")
    assert report.section("quotes").quote_groups[0].theme == "Punctuality"
    assert "[phone]" in report.section("quotes").quote_groups[0].quotes[0]
    complaints = report.section("complaints")
    assert _rows(report, "complaints")["Stage 1 (received this year)"] == ("6",)
    assert _rows(report, "complaints", 1)["Transport service"] == ("5",)
    assert _rows(report, "complaints", 2)["Stage 1"] == ("6", "83% (5)")
    assert _rows(report, "complaints", 3)["Stage 1"] == ("5", "fewer than 5", "fewer than 5", "fewer than 5")
    assert complaints.tables[2].rows[1][2] == "fewer than 5"
    assert report.section("problems").tables[1].rows[0] == ("7", "7", "8 hours", "4 days 4 hours")

    html = render_parental_views_html(report)
    for figure in ("70% (7)", "75% (9)", "83% (5)", "4 days 4 hours", "+25 percentage points", "[postcode]"):
        assert figure in html
    assert html.count("<svg") == 3 and 'role="img"' in html and "aria-label=" in html
    _assert_no_identity(html)

    document = Document(io.BytesIO(render_parental_views_docx(report)))
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert {"70% (7)", "75% (9)", "83% (5)", "4 days 4 hours", "+25 percentage points"} <= cells
    assert len(document.inline_shapes) == 3
    assert all(shape._inline.docPr.get("descr") for shape in document.inline_shapes)
    docx_text = "\n".join([p.text for p in document.paragraphs] + sorted(cells))
    assert "Kent PACT's commentary" in docx_text
    _assert_no_identity(docx_text)


async def test_the_pdf_renders_and_its_first_pages_turn_into_png(database: Database, database_url: str) -> None:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(render_parental_views_pdf(await _report(database)))
    assert len(pdf) >= 2
    text = "\n".join(pdf[index].get_textpage().get_text_bounded() for index in range(len(pdf)))
    assert "75% (9)" in text and "Families reached and how" in text
    _assert_no_identity(text)
    for index in range(2):
        image = pdf[index].render(scale=1).to_pil()
        png = io.BytesIO()
        image.save(png, format="PNG")
        assert png.getvalue().startswith(b"\x89PNG") and image.width > 500
        assert image.convert("L").getextrema()[0] < 100  # something dark was drawn: the page is not blank


async def test_the_cli_writes_the_docx(database: Database, database_url: str, tmp_path: Path) -> None:
    await build_fixture_year(database)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARERLINE_")}
    env["CARERLINE_DATABASE_URL"] = database_url
    target = tmp_path / "views.docx"
    result = subprocess.run(
        [sys.executable, "-m", "carerline", "report", "parental-views", "--year", "2025-26", "--format", "docx", "--output", str(target)],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Wrote the parental-views section for 2025-26" in result.stdout
    cells = {cell.text for table in Document(str(target)).tables for row in table.rows for cell in row.cells}
    assert "75% (9)" in cells
    bad = subprocess.run([sys.executable, "-m", "carerline", "report", "parental-views", "--year", "2025"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert bad.returncode == 2 and "2025-26" in bad.stderr
