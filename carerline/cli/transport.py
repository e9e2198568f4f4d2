"""`carerline import transport FILE`: the council's route-planning export into Carerline."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from core.settings import Settings
    from services.carers.codes import IssuedCode
    from services.transport.imports import ImportReport

app = typer.Typer(help="Import data files.", no_args_is_help=True)


class _Rejected(Exception):
    """Raised inside the transaction so that nothing is kept."""


@app.command()
def transport(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="The route-planning export (CSV)."),
    issue_codes: Path | None = typer.Option(
        None, "--issue-codes", dir_okay=False, help="Also issue linking codes for children without one; write them here."
    ),
) -> None:
    """Import schools, operators, routes, stops and children; all rows valid or nothing is saved."""
    from core.settings import load_settings
    from carerline.startup import probe_database_url
    from services.carers.codes import write_mail_merge_csv
    from services.transport.rows import MAX_ERRORS_SHOWN

    settings = load_settings()
    if issue_codes is not None:
        settings.require_bot_username()
    asyncio.run(probe_database_url(settings.database_url))
    typer.echo(f"Checking {file.name} ...")
    report, issued = asyncio.run(_import(settings, data=file.read_bytes(), issue_codes=issue_codes is not None))
    if not report.is_ok:
        for error in report.errors[:MAX_ERRORS_SHOWN]:
            typer.echo(str(error), err=True)
        if len(report.errors) > MAX_ERRORS_SHOWN:
            typer.echo(f"... and {len(report.errors) - MAX_ERRORS_SHOWN} more.", err=True)
        typer.echo(f"Nothing was imported: {len(report.errors)} bad row(s) in {file.name}.", err=True)
        raise typer.Exit(1)
    typer.echo(f"Imported {report.rows} row(s) from {file.name}:\n{report.counts.summary()}")
    if issue_codes is not None:
        with issue_codes.open("w", newline="", encoding="utf-8") as handle:
            write_mail_merge_csv(handle, issued, bot_username=settings.require_bot_username())
        typer.echo(f"Issued {len(issued)} linking code(s); mail-merge file written to {issue_codes}.")


async def _import(settings: Settings, *, data: bytes, issue_codes: bool) -> tuple[ImportReport, list[IssuedCode]]:
    from db.engine import Database
    from db.types import utc_now
    from services.transport.imports import ImportReport, import_transport_data, issue_codes_for_children_without_one

    database = Database(settings.database_url)
    now = utc_now()
    issued: list[IssuedCode] = []
    report = ImportReport()
    try:
        with typer.progressbar(length=2, label="Saving") as progress:
            async with database.transaction() as session:
                report = await import_transport_data(session, data=data, now=now)
                progress.update(1)
                if not report.is_ok:
                    raise _Rejected
                if issue_codes:
                    issued = await issue_codes_for_children_without_one(
                        session, child_ids=report.child_ids, ttl_days=settings.link_code_ttl_days, now=now
                    )
                progress.update(1)
    except _Rejected:
        pass
    finally:
        await database.dispose()
    return report, issued
