"""Start-up warming: each pooled PostgreSQL connection has a turn's statements prepared, and nothing is written."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import pytest
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.carers.accounts import count_linked_children
from db.dao.delivery.seen_in_chat import acknowledge_in_chat
from db.dao.warm_up import warm_turn_statements
from db.engine import Database
from db.types import utc_now

CONNECTIONS = 3
_PREPARED = text("SELECT statement FROM pg_prepared_statements")
TABLES_A_TURN_WRITES = ("message_log", "chat_throttles", "conversation_states", "carers", "consent_events")


async def _prepared_on_each_connection(database: Database) -> list[list[str]]:
    """The statements each of CONNECTIONS pooled connections holds prepared (all checked out at once)."""
    async with contextlib.AsyncExitStack() as stack:
        connections = await asyncio.gather(
            *(stack.enter_async_context(database.engine.connect()) for _ in range(CONNECTIONS))
        )
        found = [await connection.execute(_PREPARED) for connection in connections]
        return [[" ".join(statement.split()) for statement in result.scalars()] for result in found]


async def _rows_written(database: Database) -> dict[str, int]:
    async with database.transaction() as session:
        return {
            table: int((await session.exec(text(f"SELECT count(*) FROM {table}"))).one()[0])  # type: ignore[call-overload]
            for table in TABLES_A_TURN_WRITES
        }


async def test_each_connection_is_opened_with_a_turns_statements_prepared_and_nothing_written(database: Database) -> None:
    if database.is_sqlite:
        await database.open_connections(CONNECTIONS, warm=warm_turn_statements)  # nothing to open or prepare
        assert set((await _rows_written(database)).values()) == {0}
        return
    await database.engine.dispose()
    await database.open_connections(CONNECTIONS, warm=warm_turn_statements)

    prepared = await _prepared_on_each_connection(database)

    # The reads of an arrival, its record, the step writes, consent, "I've seen this", the menu, the reply log.
    assert len(prepared) == CONNECTIONS and min(len(statements) for statements in prepared) >= 10, prepared
    assert set((await _rows_written(database)).values()) == {0}


async def test_a_turn_after_warming_prepares_nothing_new(database: Database) -> None:
    """Statements a turn runs straight on asyncpg (db/single_write.py) are in asyncpg's own per-connection cache,
    not SQLAlchemy's: warming puts them there too."""
    if database.is_sqlite:
        return  # nothing is prepared ahead on SQLite
    await database.engine.dispose()
    await database.open_connections(1, warm=warm_turn_statements)
    before = await _prepared_on_the_one_connection(database)

    async with database.single_write() as session:  # a read and a write that match nothing, both on the driver
        await count_linked_children(session, carer_id=-1)
        await acknowledge_in_chat(session, outbox_id=-1, chat_id=-2, telegram_message_id=None, now=utc_now())

    assert await _prepared_on_the_one_connection(database) == before
    assert set((await _rows_written(database)).values()) == {0}


async def _prepared_on_the_one_connection(database: Database) -> list[str]:
    """Each statement as often as it is prepared (SQLAlchemy's cache and asyncpg's may each hold the same text)."""
    async with database.engine.connect() as connection:
        statements = (await connection.execute(_PREPARED)).scalars()
        return sorted(" ".join(statement.split()) for statement in statements if "carer" in statement or "outbox" in statement)


async def test_a_warming_that_fails_leaves_the_connections_open_and_nothing_written(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    async def half_then_fails(session: AsyncSession) -> None:
        await session.exec(text("INSERT INTO chat_throttles (chat_id, window_started_at, updates_in_window, has_warned) "  # type: ignore[call-overload]
                                "VALUES (-1, CURRENT_TIMESTAMP, 1, false)"))
        raise ConnectionError("the server went away")

    with caplog.at_level(logging.WARNING, logger="db.engine"):
        await database.open_connections(CONNECTIONS, warm=half_then_fails)

    assert set((await _rows_written(database)).values()) == {0}
    assert ("warms up on first use" in caplog.text) == (not database.is_sqlite)
