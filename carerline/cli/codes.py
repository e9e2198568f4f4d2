"""`carerline codes ...`: linking codes for the council's letters and emails."""

from __future__ import annotations

import asyncio
import csv
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from services.carers.code_batches import IssueReport

app = typer.Typer(help="Reference codes that link a parent's Telegram chat to their child.", no_args_is_help=True)


@app.command()
def issue(
    child: list[str] = typer.Option([], "--child", help="A child's council reference (repeat for several)."),
    from_csv: Path | None = typer.Option(None, "--from-csv", help="A CSV whose first column (or 'council_reference') lists children.", exists=True, dir_okay=False),
    all_without_code: bool = typer.Option(False, "--all-without-code", help="Every active child with no code that can still be used."),
    csv_out: Path | None = typer.Option(None, "--csv", help="Write a mail-merge CSV here (code, deep link, expiry) instead of printing."),
) -> None:
    """Issue new codes (valid for CARERLINE_LINK_CODE_TTL_DAYS); each is shown once, only its hash is stored."""
    from core.settings import load_settings
    from carerline.startup import probe_database_url
    from services.carers.codes import deep_link, write_mail_merge_csv

    settings = load_settings()
    bot_username = settings.require_bot_username()
    references = list(child) + (_references_in(from_csv) if from_csv else [])
    if not references and not all_without_code:
        raise typer.BadParameter("say which children: --child REF, --from-csv FILE or --all-without-code")
    asyncio.run(probe_database_url(settings.database_url))
    report = asyncio.run(
        _issue(settings.database_url, references=references, all_without_code=all_without_code, ttl_days=settings.link_code_ttl_days)
    )
    for reference in report.unknown_references:
        typer.echo(f"No child with council reference {reference!r}; no code issued.", err=True)
    if csv_out is not None:
        with csv_out.open("w", newline="", encoding="utf-8") as handle:
            write_mail_merge_csv(handle, report.issued, bot_username=bot_username)
        typer.echo(f"Issued {len(report.issued)} code(s); mail-merge file written to {csv_out}.")
    else:
        for item in report.issued:
            link = deep_link(code=item.payload, bot_username=bot_username)
            typer.echo(f"{item.council_reference}  {item.display}  {link}  (expires {item.expires_at.date().isoformat()})")
    if report.unknown_references:
        raise typer.Exit(1)


async def _issue(database_url: str, *, references: list[str], all_without_code: bool, ttl_days: int) -> IssueReport:
    from db.engine import Database
    from db.types import utc_now
    from services.carers.code_batches import (
        count_children_without_code,
        issue_codes_for_children_without_one,
        issue_codes_for_references,
    )

    database = Database(database_url)
    now = utc_now()
    try:
        if all_without_code:
            total = await count_children_without_code(database, now=now)
            with typer.progressbar(length=total, label="Issuing codes", file=sys.stderr) as progress:
                report = await issue_codes_for_children_without_one(database, ttl_days=ttl_days, now=now, on_progress=progress.update)
            if references:
                extra = await issue_codes_for_references(database, council_references=references, ttl_days=ttl_days, now=now)
                report.issued += extra.issued
                report.unknown_references += extra.unknown_references
            return report
        with typer.progressbar(length=len(references), label="Issuing codes", file=sys.stderr) as progress:
            return await issue_codes_for_references(database, council_references=references, ttl_days=ttl_days, now=now, on_progress=progress.update)
    finally:
        await database.dispose()


def _references_in(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = [row for row in csv.reader(handle) if row and row[0].strip()]
    if rows and rows[0][0].strip().lower() in {"council_reference", "reference", "ref"}:
        rows = rows[1:]
    return [row[0].strip() for row in rows]
