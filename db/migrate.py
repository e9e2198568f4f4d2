"""Alembic, driven from code: the only way the schema is made or changed."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at our migrations and the given database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


def upgrade_database(*, database_url: str, revision: str = "head") -> None:
    """Apply migrations up to `revision` (blocking; call from a thread inside an event loop)."""
    command.upgrade(alembic_config(database_url), revision)


async def upgrade_database_async(*, database_url: str, revision: str = "head") -> None:
    """Apply migrations without blocking the running event loop."""
    await asyncio.to_thread(upgrade_database, database_url=database_url, revision=revision)


def current_revision(*, database_url: str) -> str | None:
    """The revision(s) the database is at, comma-separated, or None when it has none."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine

    sync_url = sync_database_url(database_url)
    engine = create_engine(sync_url)
    try:
        with engine.connect() as connection:
            heads = MigrationContext.configure(connection).get_current_heads()
            return ",".join(sorted(heads)) or None
    finally:
        engine.dispose()


def sync_database_url(database_url: str) -> str:
    """The same database through a synchronous driver (APScheduler's job store needs one)."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    driver = {"sqlite+aiosqlite": "sqlite", "postgresql+asyncpg": "postgresql+psycopg"}.get(
        url.drivername, url.drivername
    )
    return url.set(drivername=driver).render_as_string(hide_password=False)
