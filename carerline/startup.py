"""Checks that stop start-up with one clear line instead of a traceback."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from sqlalchemy.engine import make_url

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


class SqliteServeLock:
    """An exclusive lock file next to the SQLite database: SQLite is for one `serve` process only."""

    def __init__(self, *, database_path: Path) -> None:
        self.database_path = database_path
        self.path = database_path.with_name(database_path.name + ".serve-lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, or raise ConfigurationError when another `serve` holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ConfigurationError(
                f"CARERLINE_DATABASE_URL: another `carerline serve` is already running on the SQLite file "
                f"{self.database_path}; "
                "SQLite is for one process, use PostgreSQL to run more than one replica"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        """Let the next `serve` start (the kernel also releases it if this process dies)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def sqlite_serve_lock(database_url: str) -> SqliteServeLock | None:
    """The lock for a SQLite file database; None for PostgreSQL and in-memory SQLite."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or not url.database or url.database == ":memory:":
        return None
    return SqliteServeLock(database_path=Path(url.database).resolve())
