"""`carerline db ...`: schema migrations."""

from __future__ import annotations

import asyncio

import typer

app = typer.Typer(help="Create or change the database schema (Alembic migrations).", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Migrate to this revision (default: the newest).")) -> None:
    """Apply every migration up to REVISION (default: the newest)."""
    from core.settings import load_settings
    from db.migrate import current_revision, upgrade_database

    settings = load_settings()
    _check_reachable(settings.database_url)
    upgrade_database(database_url=settings.database_url, revision=revision)
    typer.echo(f"Database is at revision {current_revision(database_url=settings.database_url)}.")


@app.command()
def current() -> None:
    """Print the revision the database is at."""
    from core.settings import load_settings
    from db.migrate import current_revision

    settings = load_settings()
    _check_reachable(settings.database_url)
    typer.echo(current_revision(database_url=settings.database_url) or "no revision (empty database)")


def _check_reachable(database_url: str) -> None:
    from carerline.startup import probe_database_url

    asyncio.run(probe_database_url(database_url))
