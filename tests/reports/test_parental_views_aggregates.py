"""The parental-views figures the database counts equal their row-by-row definition, on generated years."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from benchmarks.report_seed import FEEDBACK_COLUMNS, PROBLEM_COLUMNS, seed_report_year
from db.dao.demo_bulk import copy_rows
from db.engine import Database
from db.models import FeedbackItem, ProblemReport
from reports.parental_views.figures import build_parental_views
from reports.parental_views.publishing import published_count
from services.calendar.periods import AcademicYear
from tests.support.parental_views_rows import row_by_row_sections

YEAR = AcademicYear.parse("2025-26")
NOW = datetime(2026, 9, 15, 9, 0, tzinfo=UTC)
AUTUMN = datetime(2025, 11, 3, 23, 30, tzinfo=UTC)


async def _add_awkward_rows(database: Database) -> None:
    """Rows the generator does not make: a theme listed twice, an untagged quote, a blank district, equal spans."""
    feedback = [
        (1, 1, "bot", 5, "journey", "Alex says Sam's driver was late, ring 07700 900456.", "", ["punctuality", "punctuality", "safety"],
         0.1, True, "approved", AUTUMN),
        (None, None, "bot", 2, "journey", "Please call Jo on 07700 900789 about it.", None, [], -0.2, True, "approved", AUTUMN),
        (2, 2, "survey", None, "journey", None, "", ["other"], None, False, None, AUTUMN + timedelta(days=1)),
    ]
    problems = [(f"BPR-X-{n}", 3, 3, 1, "wrong_pickup", [], True, AUTUMN, AUTUMN + timedelta(hours=5)) for n in range(4)]
    async with database.transaction() as session:
        await copy_rows(session, model=FeedbackItem, columns=FEEDBACK_COLUMNS, rows=feedback)
        await copy_rows(session, model=ProblemReport, columns=PROBLEM_COLUMNS, rows=problems)


@pytest.mark.parametrize(("items", "seed"), [(40, 1), (3_000, 7)])
async def test_the_counted_report_equals_the_row_by_row_definition(database_url: str, items: int, seed: int) -> None:
    database = Database(database_url)
    try:
        await seed_report_year(database, year=YEAR, items=items, seed=seed)
        await _add_awkward_rows(database)
        async with database.transaction() as session:
            report = await build_parental_views(session, year=YEAR, now=NOW)
            expected = await row_by_row_sections(session, year=YEAR, now=NOW)
    finally:
        await database.dispose()
    assert report.section("reach").tables[0].rows == expected["reach_rows"]
    for key in ("participation", "satisfaction", "themes", "quotes"):
        assert report.section(key) == expected[key], key
    assert report.section("complaints").tables == expected["complaints_tables"]
    assert report.section("problems").tables[:2] == expected["problems_tables"]  # then operators' disruptions (another test)
    feedback, complaints, problems = expected["families"]  # type: ignore[misc]
    assert (f"{published_count(feedback)} families gave feedback, {published_count(complaints)} made complaints and "
            f"{published_count(problems)} reported") in report.summary[1]
    # The year reaches the branches worth checking: quotes under several themes, the untagged one under "Other".
    groups = {group.theme: group.quotes for group in report.section("quotes").quote_groups}
    assert len(groups) >= 2 and any("[phone]" in quote for quote in groups["Other"])
    assert "07700" not in str(groups)
