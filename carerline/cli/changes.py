"""`carerline changes ...`: record transport changes and see who still has to be telephoned."""

from __future__ import annotations

import asyncio
import getpass
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from carerline.cli.aliases import old_option_names
from db.enums import ChangeKind

if TYPE_CHECKING:
    from core.settings import Settings
    from services.changes.followups import CallListRow
    from services.changes.notices import ChangeRequest, RecordedChange

app = typer.Typer(help="Transport changes: tell every affected family, and know who has not seen it.", no_args_is_help=True)


def _officer(value: str | None) -> str:
    return value or getpass.getuser()


# The options carry the API's and the CSV's field names (route_code is --route-code); the old names still work.
OLD_RECORD_OPTIONS = {
    "effective": "effective-from", "until": "effective-until", "at": "effective-time", "route": "route-code",
    "operator": "operator-code", "stop": "stop-sequence", "from": "old-value", "to": "new-value",
    "urgent": "is-urgent", "phone": "contact-phone",
}


@app.command(context_settings=old_option_names(OLD_RECORD_OPTIONS))
def record(
    kind: ChangeKind = typer.Option(..., help="What changes."),
    effective_from: datetime = typer.Option(..., formats=["%Y-%m-%d"], help="First day it applies (YYYY-MM-DD)."),
    route_code: str | None = typer.Option(None, help="The route's code (or use --operator-code for all its routes)."),
    operator_code: str | None = typer.Option(None, help="An operator's code: the change applies to all its routes."),
    stop_sequence: int | None = typer.Option(None, help="Only children picked up at this stop number of the route."),
    old_value: str | None = typer.Option(None, help="What it was (e.g. 7:40am)."),
    new_value: str | None = typer.Option(None, help="What it will be (e.g. 7:55am)."),
    effective_until: datetime | None = typer.Option(None, formats=["%Y-%m-%d"], help="Last day (suspensions)."),
    effective_time: datetime | None = typer.Option(None, formats=["%H:%M"], help="UK time it takes effect (default 06:00)."),
    is_urgent: bool = typer.Option(False, "--is-urgent", help="Send now even in quiet hours."),
    must_send: bool = typer.Option(False, "--must-send", help="Tell families who muted changes or withdrew consent too."),
    reason: str = typer.Option("", help="Why, in plain words families will read."),
    contact_phone: str | None = typer.Option(None, help="Number families should call (default: the council's)."),
    reference: str | None = typer.Option(None, help="Your reference; recording it again changes nothing."),
    officer: str | None = typer.Option(None, help="Who records it (default: your login name)."),
) -> None:
    """Record one change and queue a personal notice for every linked carer."""
    from core.settings import load_settings
    from carerline.startup import probe_database_url
    from services.changes.notices import ChangeError, ChangeRequest

    settings = load_settings()
    request = ChangeRequest(
        kind=kind, effective_from=effective_from.date(), recorded_by=_officer(officer), route_code=route_code,
        operator_code=operator_code, stop_sequence=stop_sequence, old_value=old_value, new_value=new_value,
        effective_until=effective_until.date() if effective_until else None,
        effective_time=effective_time.time() if effective_time else None, is_urgent=is_urgent, must_send=must_send,
        reason=reason, contact_phone=contact_phone, reference=reference,
    )
    asyncio.run(probe_database_url(settings.database_url))
    try:
        recorded = asyncio.run(_record(settings, request))
    except ChangeError as error:
        typer.echo(f"Not recorded: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(_describe(recorded))


async def _record(settings: Settings, request: ChangeRequest) -> RecordedChange:
    from db.engine import Database
    from db.types import utc_now
    from services.changes.notices import record_change

    database = Database(settings.database_url)
    try:
        async with database.transaction() as session:
            return await record_change(
                session, request=request, now=utc_now(), council_phone=settings.council_transport_phone,
                council_hours=settings.council_transport_hours,
            )
    finally:
        await database.dispose()


def _describe(recorded: RecordedChange) -> str:
    change = recorded.change
    if not recorded.is_new:
        return f"Change {change.reference} was already recorded; nothing new was sent."
    notices = recorded.notices
    lines = [
        f"Recorded change {change.reference}: {recorded.affected_children} child(ren) affected, "
        f"{recorded.carers} carer(s) linked, {recorded.children_without_carer} child(ren) with no carer on Carerline.",
        f"Family contacts told by text, email or letter: {recorded.contacts - recorded.unreachable}; "
        f"nothing held for {recorded.unreachable} (on the call list).",
        f"Notices queued: {notices.queued} ({notices.held_for_quiet_hours} held until quiet hours end).",
    ]
    if notices.skipped_total:
        skipped = ", ".join(f"{count} {reason}" for reason, count in sorted(notices.skipped.items()))
        lines.append(f"Not sent: {skipped}. They are on the call list.")
    return "\n".join(lines)


@app.command(name="import")
def import_file(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="CSV of changes (see README)."),
    officer: str | None = typer.Option(None, help="Who records them (default: your login name)."),
) -> None:
    """Record every change in a CSV file; with any bad row nothing is recorded."""
    from core.settings import load_settings
    from carerline.startup import probe_database_url
    from services.changes.csv_intake import ChangeImportError, parse_changes_csv

    settings = load_settings()
    asyncio.run(probe_database_url(settings.database_url))
    data = file.read_bytes()
    requests, _ = parse_changes_csv(data, recorded_by=_officer(officer))
    try:
        recorded = asyncio.run(_import(settings, data=data, officer=_officer(officer), rows=len(requests)))
    except ChangeImportError as error:
        for problem in error.errors:
            typer.echo(str(problem), err=True)
        typer.echo(f"Nothing was recorded: {len(error.errors)} bad row(s) in {file.name}.", err=True)
        raise typer.Exit(1) from None
    new = [item for item in recorded if item.is_new]
    queued = sum(item.notices.queued for item in new)
    typer.echo(f"Recorded {len(new)} new change(s) ({len(recorded) - len(new)} already recorded); {queued} notice(s) queued.")


async def _import(settings: Settings, *, data: bytes, officer: str, rows: int) -> list[RecordedChange]:
    from db.engine import Database
    from db.types import utc_now
    from services.changes.csv_intake import import_changes

    database = Database(settings.database_url)
    try:
        with typer.progressbar(length=max(rows, 1), label="Recording") as progress:
            async with database.transaction() as session:
                return await import_changes(
                    session, data=data, recorded_by=officer, now=utc_now(),
                    council_phone=settings.council_transport_phone,
                    council_hours=settings.council_transport_hours, on_progress=progress.update,
                )
    finally:
        await database.dispose()


@app.command(name="call-list")
def call_list(
    csv_out: Path | None = typer.Option(None, "--csv", dir_okay=False, help="Write the list to this CSV file."),
) -> None:
    """Families to telephone: not acknowledged 24 hours before a change, or not reachable on Telegram."""
    from core.settings import load_settings
    from carerline.startup import probe_database_url
    from services.changes.followups import write_call_list_csv

    settings = load_settings()
    asyncio.run(probe_database_url(settings.database_url))
    rows = asyncio.run(_call_list(settings))
    if csv_out is not None:
        with csv_out.open("w", newline="", encoding="utf-8") as handle:
            write_call_list_csv(handle, rows)
        typer.echo(f"{len(rows)} family contact(s) to call; written to {csv_out}.")
        return
    write_call_list_csv(sys.stdout, rows)


async def _call_list(settings: Settings) -> list[CallListRow]:
    from db.engine import Database
    from db.types import utc_now
    from services.changes.followups import build_call_list

    database = Database(settings.database_url)
    try:
        async with database.transaction() as session:
            return await build_call_list(session, now=utc_now())
    finally:
        await database.dispose()



