"""PostgreSQL's pooled connections: one that died while idle is replaced before use; a busy one fails once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from db.engine import Database

pytestmark = pytest.mark.parametrize("database_template", ["postgresql"], indirect=True)  # the pool is PostgreSQL's


@pytest.fixture
async def pool_of(database_url: str) -> AsyncIterator[Callable[[float], Database]]:
    """A small pool on the test's database that pings connections idle for the given seconds."""
    made: list[Database] = []

    def make(ping_after_idle_s: float) -> Database:
        made.append(Database(database_url, pool_size=2, max_overflow=0, ping_after_idle_s=ping_after_idle_s))
        return made[-1]

    yield make
    for database in made:
        await database.dispose()


async def _select_one(database: Database) -> int:
    async with database.transaction() as session:
        return int((await session.exec(text("SELECT 1"))).scalar_one())  # type: ignore[call-overload]


async def _end_every_connection_to(database_url: str) -> int:
    """What a database restart does to the pool: every server process of this database ends."""
    url = make_url(database_url)
    admin = await asyncpg.connect(host=url.host, port=url.port, user=url.username, database="postgres")
    try:
        ended = await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", url.database
        )
    finally:
        await admin.close()
    return len(ended)


async def test_a_connection_that_died_while_idle_is_replaced_before_use(
    pool_of: Callable[[float], Database], database_url: str
) -> None:
    database = pool_of(0.0)  # every connection counts as idle: it is pinged at checkout
    assert await _select_one(database) == 1
    assert await _end_every_connection_to(database_url) >= 1

    assert await _select_one(database) == 1  # the ping failed, the pool opened a new connection, no error


async def test_a_busy_connection_that_died_fails_one_transaction_then_the_pool_starts_afresh(
    pool_of: Callable[[float], Database], database_url: str
) -> None:
    database = pool_of(3600.0)  # used moments ago: not pinged
    assert await _select_one(database) == 1
    assert await _end_every_connection_to(database_url) >= 1

    with pytest.raises(DBAPIError):
        await _select_one(database)
    assert await _select_one(database) == 1
