"""`carerline report parental-views --year 2025-26 --format html|pdf|docx` and `carerline seed-demo --year`."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from reports.parental_views.enums import ReportFormat

if TYPE_CHECKING:
    from services.calendar.periods import AcademicYear
    from reports.parental_views.service import RenderedReport

app = typer.Typer(help="Reports: the PACT parental-views section of the annual report.", no_args_is_help=True)


def _year(text: str) -> AcademicYear:
    from services.calendar.periods import AcademicYear, InvalidAcademicYear

    try:
        return AcademicYear.parse(text)
    except InvalidAcademicYear as error:
        raise typer.BadParameter(str(error), param_hint="--year") from None


async def _produce(database_url: str, year: AcademicYear, report_format: ReportFormat) -> RenderedReport:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from db.engine import Database
    from db.types import utc_now
    from reports.parental_views.service import produce_parental_views

    database = Database(database_url)
    try:
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=False) as progress:
            task = progress.add_task(f"Parental views {year.label}: starting", total=None)

            def on_step(name: str) -> None:
                progress.update(task, description=f"Parental views {year.label}: {name}")

            rendered = await produce_parental_views(database, year=year, report_format=report_format, now=utc_now(), on_step=on_step)
            progress.update(task, description=f"Parental views {year.label}: done")
            return rendered
    finally:
        await database.dispose()


@app.command(name="parental-views")
def parental_views(
    year: str = typer.Option(..., "--year", help="Academic year, like 2025-26 (1 September to 31 August)."),
    report_format: ReportFormat = typer.Option(ReportFormat.HTML, "--format", help="html, pdf or docx."),
    output: Path | None = typer.Option(None, "--output", "-o", help="File to write (default: parental-views-YEAR.FORMAT)."),
) -> None:
    """The PACT parental-views section for one academic year, from Carerline's records (counts under 5 suppressed)."""
    from core.settings import load_settings
    from carerline.startup import probe_database_url

    academic_year = _year(year)
    settings = load_settings()
    asyncio.run(probe_database_url(settings.database_url))
    rendered = asyncio.run(_produce(settings.database_url, academic_year, report_format))
    target = output or Path(rendered.file_name)
    target.write_bytes(rendered.content)
    typer.echo(f"Wrote the parental-views section for {academic_year.label} to {target}")


def seed_demo_year(year: str, scale: float) -> None:
    """`carerline seed-demo --year`: a realistic year and the one before, with progress."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from carerline.demo_year import seed_demo_year as seed
    from core.settings import load_settings

    academic_year = _year(year)
    settings = load_settings()
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=False) as progress:
        task = progress.add_task(f"Demo year {academic_year.label}: starting", total=None)

        def on_step(name: str) -> None:
            progress.update(task, description=f"Demo year: {name}")

        summary = asyncio.run(seed(database_url=settings.database_url, year=academic_year, scale=scale, on_step=on_step))
        progress.update(task, description="Demo year: done")
    typer.echo(summary.describe())
