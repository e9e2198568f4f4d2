"""SQLite locked by another connection: our transaction waits without stopping the event loop, then goes on."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from db.engine import Database
from db.sqlite_inline import run_when_free

pytestmark = pytest.mark.parametrize("database_template", ["sqlite"], indirect=True)  # SQLite's file lock


@pytest.fixture
def other_writer(database_url: str) -> Iterator[sqlite3.Connection]:
    """Another connection to the same file, as a `deliver` process or a CLI import would hold."""
    connection = sqlite3.connect(Path(make_url(database_url).database or ""), timeout=0, isolation_level=None)
    yield connection
    connection.close()


async def test_a_transaction_waits_for_another_writer_while_the_loop_runs(
    database: Database, other_writer: sqlite3.Connection
) -> None:
    other_writer.execute("BEGIN IMMEDIATE")
    other_writer.execute("CREATE TABLE busy_probe (written INTEGER)")
    other_writer.execute("INSERT INTO busy_probe VALUES (1)")

    async def read_what_the_other_wrote() -> int:
        async with database.transaction() as session:
            return int((await session.exec(text("SELECT written FROM busy_probe"))).scalar_one())  # type: ignore[call-overload]

    other_task_ran = asyncio.Event()

    async def another_task() -> None:
        other_task_ran.set()

    waiting = asyncio.create_task(read_what_the_other_wrote())
    other = asyncio.create_task(another_task())  # runs only if the waiting transaction lets the loop go on
    try:
        await asyncio.wait_for(other_task_ran.wait(), timeout=30)
        assert not waiting.done(), "the transaction went ahead (or gave up) while another connection held the lock"
        other_writer.execute("COMMIT")
        assert await asyncio.wait_for(waiting, timeout=30) == 1
    finally:
        waiting.cancel()
        other.cancel()


async def test_a_lock_held_past_the_wait_gives_sqlites_own_error(
    database_url: str, other_writer: sqlite3.Connection
) -> None:
    mine = sqlite3.connect(Path(make_url(database_url).database or ""), timeout=0, isolation_level=None)
    try:
        other_writer.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            await run_when_free(lambda: mine.execute("BEGIN IMMEDIATE"), wait_s=0.2)
        other_writer.execute("ROLLBACK")
        await run_when_free(lambda: mine.execute("BEGIN IMMEDIATE"), wait_s=0.2)  # free again: at once
        mine.execute("ROLLBACK")
    finally:
        mine.close()
