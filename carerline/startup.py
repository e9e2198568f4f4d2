"""Checks that stop start-up with one clear line instead of a traceback."""

from __future__ import annotations

from core.settings import ConfigurationError
from db.engine import Database

UNREACHABLE_DATABASE = (
    "CARERLINE_DATABASE_URL: cannot connect to the database; check the host, port, name and password"
)


async def require_reachable_database(database: Database) -> None:
    """Raise ConfigurationError (and close the engine) when the database does not answer."""
    if not await database.is_reachable():
        await database.dispose()
        raise ConfigurationError(UNREACHABLE_DATABASE)


async def probe_database_url(database_url: str) -> None:
    """Open, check and close a database just to see that it answers."""
    database = Database(database_url)
    await require_reachable_database(database)
    await database.dispose()
