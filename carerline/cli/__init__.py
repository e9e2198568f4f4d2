"""The `carerline` command: thin wrappers that parse options, call a service, print."""

from __future__ import annotations

import asyncio
import sys

import typer

from carerline.cli import codes as codes_commands
from carerline.cli import applications as applications_commands
from carerline.cli import changes as changes_commands
from carerline.cli import db as db_commands
from carerline.cli import parental_views as parental_views_commands
from carerline.cli import transport as transport_commands
from carerline.cli.delivery import deliver
from carerline.cli.reports import export as export_command
from carerline.cli.reports import sitrep as sitrep_command
from carerline.cli.sandbox import sandbox
from carerline.cli.staff import tokens_app, users_app
from core.errors import ConfigurationError
from core.logging_setup import configure_logging

app = typer.Typer(
    name="carerline",
    help=(
        "Carerline: Kent's messaging service for SEND home-to-school transport.\n\n"
        "Parents and carers use the Telegram bot; Kent PACT and council officers use the staff pages. "
        "Settings come from CARERLINE_* environment variables or a .env file (see README)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(db_commands.app, name="db")
app.add_typer(codes_commands.app, name="codes")
app.command(name="sandbox")(sandbox)
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(transport_commands.app, name="import")
app.add_typer(changes_commands.app, name="changes")
app.add_typer(applications_commands.app, name="applications")
app.command(name="deliver")(deliver)
app.command(name="export")(export_command)
app.command(name="sitrep")(sitrep_command)
app.add_typer(parental_views_commands.app, name="report")


@app.command()
def serve() -> None:
    """Run the bot, the staff web side and the scheduler (webhook mode when CARERLINE_PUBLIC_URL is set)."""
    from carerline.cli.delivery import run_fast
    from carerline.service import CarerlineService, exit_without_teardown, run_until_signalled
    from core.settings import load_settings

    settings = load_settings()
    configure_logging(level=settings.log_level)
    run_fast(run_until_signalled(service=CarerlineService(settings=settings)))
    exit_without_teardown()


@app.command(name="seed-demo")
def seed_demo(
    year: str | None = typer.Option(None, "--year", help="Instead, generate a realistic academic year (like 2025-26) and the one before, for the parental-views report."),
    scale: float = typer.Option(1.0, "--scale", min=0.001, max=10.0, help="With --year: size of the year (1.0 = about 3,000 carers)."),
) -> None:
    """Fill the database with demo schools, routes, children and linking codes (and with --year, a whole year)."""
    from carerline.demo import seed_demo_data
    from core.settings import load_settings

    if year is not None:
        parental_views_commands.seed_demo_year(year, scale)
        return
    settings = load_settings()
    configure_logging(level=settings.log_level)
    demo = asyncio.run(seed_demo_data(database_url=settings.database_url))
    typer.echo(demo.describe(bot_username=settings.bot_username))


def main() -> None:
    """Entry point: configuration problems print one line and exit 2, without a traceback."""
    try:
        app()
    except ConfigurationError as error:
        typer.echo(f"carerline: {error}", err=True)
        sys.exit(2)
