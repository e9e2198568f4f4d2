"""`carerline seed-demo --year`: a generated year (small scale) the parental-views section can be built from."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime


from carerline.demo_year import seed_demo_year
from db.engine import Database
from reports.parental_views.figures import build_parental_views
from services.calendar.periods import AcademicYear

YEAR = AcademicYear.parse("2025-26")


async def test_a_small_demo_year_fills_every_section_once(database_url: str) -> None:
    summary = await seed_demo_year(database_url=database_url, year=YEAR, scale=0.02)
    assert summary.carers == 60 and summary.feedback > 40 and summary.complaints >= 10 and summary.problems >= 10
    again = await seed_demo_year(database_url=database_url, year=YEAR, scale=0.02)
    assert again.already_there
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            report = await build_parental_views(session, year=YEAR, now=datetime(2026, 10, 1, tzinfo=UTC))
    finally:
        await database.dispose()
    reach = {row[0]: row[1] for row in report.section("reach").tables[0].rows}
    assert reach["Carers linked to a child on Carerline"] == "60"
    assert "%" in reach["Change notices families confirmed they had seen"]
    satisfaction = {row[0]: row for row in report.section("satisfaction").tables[0].rows}
    assert "percentage points" in satisfaction["Whole year"][4]
    assert report.section("themes").tables[0].rows and report.section("you_said").tables
    assert report.section("quotes").quote_groups
    assert int(report.section("complaints").tables[0].rows[0][1]) >= 5


def test_the_command_takes_year_and_scale(database_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARERLINE_")}
    env["CARERLINE_DATABASE_URL"] = database_url
    result = subprocess.run([sys.executable, "-m", "carerline", "seed-demo", "--year", "2025-26", "--scale", "0.01"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Demo year 2025-26 and the year before: 30 carers" in result.stdout
