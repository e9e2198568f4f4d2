"""Database.single_write: reads, then one write, then nothing; on PostgreSQL without BEGIN and COMMIT."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from db.engine import Database, SingleWriteBroken


@pytest.fixture
async def probe(database: Database) -> Database:
    async with database.transaction() as session:
        await session.exec(text("CREATE TABLE single_probe (name VARCHAR(40) NOT NULL)"))  # type: ignore[call-overload]
    return database


async def _insert(session: AsyncSession, name: str) -> None:
    await session.exec(text("INSERT INTO single_probe (name) VALUES (:name)").bindparams(name=name))  # type: ignore[call-overload]


async def _names(database: Database) -> list[str]:
    async with database.transaction() as session:
        rows = await session.exec(text("SELECT name FROM single_probe ORDER BY name"))  # type: ignore[call-overload]
        return [row[0] for row in rows.all()]


async def test_reads_then_one_write_is_kept(probe: Database) -> None:
    async with probe.single_write() as session:
        before = (await session.exec(text("SELECT count(*) FROM single_probe"))).one()[0]  # type: ignore[call-overload]
        await _insert(session, "after-a-read")

    assert before == 0
    assert await _names(probe) == ["after-a-read"]


async def test_a_statement_after_the_write_is_refused_before_it_runs(probe: Database) -> None:
    with pytest.raises(SingleWriteBroken, match="after its write"):
        async with probe.single_write() as session:
            await _insert(session, "first")
            await _insert(session, "second")

    names = await _names(probe)
    assert "second" not in names
    # PostgreSQL had committed the write as it ran (autocommit); SQLite's block was a transaction, rolled back.
    assert names == ([] if probe.is_sqlite else ["first"])


async def test_a_read_after_the_write_is_refused_too(probe: Database) -> None:
    with pytest.raises(SingleWriteBroken):
        async with probe.single_write() as session:
            await _insert(session, "first")
            await session.exec(text("SELECT name FROM single_probe"))  # type: ignore[call-overload]


async def test_on_postgresql_the_write_is_committed_as_it_runs(probe: Database) -> None:
    async with probe.single_write() as session:
        await _insert(session, "seen-at-once")
        if not probe.is_sqlite:  # SQLite's writer is held by this block: another transaction would wait for it
            assert await _names(probe) == ["seen-at-once"]

    assert await _names(probe) == ["seen-at-once"]


async def test_the_guard_ends_with_the_block(probe: Database) -> None:
    async with probe.single_write() as session:
        await _insert(session, "one")
    async with probe.transaction() as session:  # the same pooled connection, in an ordinary transaction
        await _insert(session, "two")
        await _insert(session, "three")

    assert await _names(probe) == ["one", "three", "two"]
