"""`carerline export ...` (pseudonymised by default, identifying for officers, with progress) and `carerline sitrep`."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from reports.exports.enums import ExportFormat, ExportKind

if TYPE_CHECKING:
    from db.engine import Database
    from reports.exports.service import ExportRequest
    from reports.sitrep import SitRep
    from services.staff.audit import Actor


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=timezone.utc) if value is not None else None


async def _actor_for(database: Database, staff_email: str | None) -> Actor:
    """The CLI acts as the system unless a staff account is named (needed for identifying exports)."""
    from db.dao.staff.accounts import fetch_user_by_email
    from db.models.staff import ActorKind
    from services.staff.audit import Actor
    from services.staff.accounts import normalise_email

    if staff_email is None:
        return Actor.system("carerline export (CLI)")
    async with database.transaction() as session:
        user = await fetch_user_by_email(session, email=normalise_email(staff_email))
    if user is None or not user.is_active:
        raise typer.BadParameter(f"no active staff account for {staff_email}", param_hint="--staff-email")
    return Actor(kind=ActorKind.USER, id=user.id, label=f"{user.email} (CLI)", role=str(user.role))


async def _export(database_url: str, request: ExportRequest, output: Path, staff_email: str | None) -> int:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from db.engine import Database
    from reports.exports.service import export_to_file

    database = Database(database_url)
    written = 0
    try:
        actor = await _actor_for(database, staff_email)
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=False) as progress:
            task = progress.add_task(f"Exporting {request.kind.value}: 0 rows", total=None)

            def on_page(rows: int) -> None:
                nonlocal written
                written += rows
                progress.update(task, description=f"Exporting {request.kind.value}: {written:,} rows")

            await export_to_file(database, actor=actor, request=request, path=output, on_page=on_page)
    finally:
        await database.dispose()
    return written


def export(
    kind: ExportKind = typer.Argument(..., help="What to export."),
    export_format: ExportFormat = typer.Option(ExportFormat.CSV, "--format", help="File format."),
    output: Path | None = typer.Option(None, "--output", "-o", help="File to write (default: a name in this folder)."),
    since: datetime | None = typer.Option(None, formats=["%Y-%m-%d"], help="From this date (inclusive, UTC)."),
    until: datetime | None = typer.Option(None, formats=["%Y-%m-%d"], help="Up to this date (exclusive, UTC)."),
    school: str | None = typer.Option(None, help="Only this school (school code)."),
    route: str | None = typer.Option(None, help="Only this route (route code)."),
    district: str | None = typer.Option(None, help="Only this district."),
    identifying: bool = typer.Option(False, "--identifying", help="Include names and chat ids (officers only; audited)."),
    staff_email: str | None = typer.Option(None, help="Staff account making the export (required with --identifying)."),
) -> None:
    """Export feedback, complaints, problems, change notices or deliveries (pseudonymised unless --identifying)."""
    from core.settings import load_settings
    from carerline.startup import probe_database_url
    from db.dao.reports.exports import ExportFilter
    from reports.exports.service import ExportRefused, ExportRequest

    settings = load_settings()
    asyncio.run(probe_database_url(settings.database_url))
    request = ExportRequest(
        kind=kind,
        export_format=export_format,
        where=ExportFilter(since=_utc(since), until=_utc(until), school_code=school, route_code=route, district=district),
        is_identifying=identifying,
        case_key_secret=settings.case_key_secret,
    )
    target = output or Path(request.file_name)
    try:
        rows = asyncio.run(_export(settings.database_url, request, target, staff_email))
    except ExportRefused as refused:
        typer.echo(f"carerline: {refused}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"Wrote {rows:,} rows to {target}")


class SitRepFormat(StrEnum):
    """How the SitRep is printed."""

    TEXT = "text"
    HTML = "html"
    CSV = "csv"


async def _sitrep(database_url: str, due_soon_working_days: int) -> SitRep:
    from db.engine import Database
    from db.types import utc_now
    from reports.sitrep import build_sitrep

    database = Database(database_url)
    try:
        async with database.transaction() as session:
            return await build_sitrep(session, now=utc_now(), due_soon_working_days=due_soon_working_days)
    finally:
        await database.dispose()


def sitrep(
    output_format: SitRepFormat = typer.Option(SitRepFormat.TEXT, "--format", help="text, html or csv."),
    output: Path | None = typer.Option(None, "--output", "-o", help="File to write (default: print it)."),
) -> None:
    """The SitRep now: open problems, unacknowledged notices, unreachable carers, late applications and complaints."""
    from core.settings import load_settings
    from carerline.startup import probe_database_url
    from reports.sitrep import render_sitrep_csv, render_sitrep_html

    settings = load_settings()
    asyncio.run(probe_database_url(settings.database_url))
    report = asyncio.run(_sitrep(settings.database_url, settings.casework_due_soon_working_days))
    if output_format is SitRepFormat.HTML:
        rendered = render_sitrep_html(report)
    elif output_format is SitRepFormat.CSV:
        rendered = render_sitrep_csv(report)
    else:
        rendered = "\n".join(f"{figure.label}: {figure.count}" for figure in report.figures) + "\n"
    if output is None:
        typer.echo(rendered, nl=False)
    else:
        output.write_text(rendered, encoding="utf-8")
        typer.echo(f"Wrote the SitRep to {output}")
