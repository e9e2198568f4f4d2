"""`carerline applications ...`: HTST applications, their stages, and those past the four-week promise."""

from __future__ import annotations

import asyncio
import csv
import getpass
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer

from carerline.cli.aliases import old_option_names
from db.enums import ApplicationStage

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from core.settings import Settings
    from services.applications.stages import CouncilContact, OverdueApplication, StageChangeResult

app = typer.Typer(help="Home-to-school transport applications: stages, and the four-week promise.", no_args_is_help=True)
T = TypeVar("T")
OVERDUE_COLUMNS = ("reference", "council_reference", "child_name", "stage", "received_on", "working_days_open", "promised_by")


def _contact(settings: Settings) -> CouncilContact:
    from services.applications.stages import CouncilContact

    return CouncilContact(phone=settings.council_transport_phone, hours=settings.council_transport_hours)


@app.command(context_settings=old_option_names({"received": "received-on"}))
def record(
    reference: str = typer.Argument(..., help="The application's reference."),
    council_reference: str = typer.Argument(..., help="The child's council reference."),
    received_on: datetime = typer.Option(..., formats=["%Y-%m-%d"], help="Date the council received it."),
    officer: str | None = typer.Option(None, help="Who records it (default: your login name)."),
) -> None:
    """Record a new application (stage: received); linked carers are told."""
    from core.settings import load_settings
    from carerline.startup import probe_database_url
    from db.types import utc_now
    from services.applications.stages import record_application

    settings = load_settings()
    asyncio.run(probe_database_url(settings.database_url))

    async def run(session: AsyncSession) -> StageChangeResult:
        return await record_application(
            session, reference=reference, council_reference=council_reference, received_on=received_on.date(),
            recorded_by=officer or getpass.getuser(), now=utc_now(), contact=_contact(settings),
        )

    result = _run(settings, run)
    typer.echo(f"Application {reference}: {'recorded' if result.is_changed else 'already recorded'}; "
               f"{result.notices.queued} carer message(s) queued.")


@app.command(context_settings=old_option_names({"note": "note-for-family"}))
def stage(
    reference: str = typer.Argument(..., help="The application's reference."),
    new_stage: ApplicationStage = typer.Argument(..., metavar="STAGE", help="The stage it has reached."),
    note_for_family: str | None = typer.Option(None, help="A short note for the family."),
    officer: str | None = typer.Option(None, help="Who records it (default: your login name)."),
) -> None:
    """Move an application to a new stage; linked carers are told."""
    from core.settings import load_settings
    from carerline.startup import probe_database_url
    from db.types import utc_now
    from services.applications.stages import change_stage

    settings = load_settings()
    asyncio.run(probe_database_url(settings.database_url))

    async def run(session: AsyncSession) -> StageChangeResult:
        return await change_stage(
            session, reference=reference, stage=new_stage, recorded_by=officer or getpass.getuser(),
            now=utc_now(), contact=_contact(settings), note_for_family=note_for_family,
        )

    result = _run(settings, run)
    if not result.is_changed:
        typer.echo(f"Application {reference} is already at {new_stage.value}; nothing sent.")
        return
    typer.echo(f"Application {reference} is now {new_stage.value}; {result.notices.queued} carer message(s) queued.")


@app.command()
def overdue(csv_out: Path | None = typer.Option(None, "--csv", dir_okay=False, help="Write the list to this CSV file.")) -> None:
    """Applications past 20 working days without transport arranged."""
    from core.settings import load_settings
    from carerline.startup import probe_database_url
    from db.types import utc_now
    from messaging.quiet_hours import UK
    from services.applications.stages import fetch_overdue_applications

    settings = load_settings()
    asyncio.run(probe_database_url(settings.database_url))
    today = utc_now().astimezone(UK).date()
    rows: list[OverdueApplication] = _run(settings, lambda session: fetch_overdue_applications(session, today=today))
    handle = csv_out.open("w", newline="", encoding="utf-8") if csv_out else sys.stdout
    try:
        writer = csv.writer(handle)
        writer.writerow(OVERDUE_COLUMNS)
        writer.writerows([str(getattr(row, name)) for name in OVERDUE_COLUMNS] for row in rows)
    finally:
        if csv_out:
            handle.close()
            typer.echo(f"{len(rows)} application(s) past the four-week promise; written to {csv_out}.")


def _run(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    from db.engine import Database
    from services.applications.stages import ApplicationError

    async def go() -> T:
        database = Database(settings.database_url)
        try:
            async with database.transaction() as session:
                return await work(session)
        finally:
            await database.dispose()

    try:
        return asyncio.run(go())
    except ApplicationError as error:
        typer.echo(f"Not recorded: {error}", err=True)
        raise typer.Exit(1) from None
