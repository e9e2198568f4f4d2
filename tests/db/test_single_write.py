"""Database.single_write: reads, then one write, then nothing; on PostgreSQL without BEGIN and COMMIT."""

from __future__ import annotations

import pytest
from sqlalchemy import String, bindparam, column, insert, select, table, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import select as sqlmodel_select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.engine import Database
from db.models import School
from db.single_write import SingleWriteBroken, execute_many, execute_statement


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


# Statements run straight on the driver (db/single_write.py: execute_statement) where the block allows it.

_PROBE = table("single_probe", column("name", String))
_INSERT_NAME = insert(_PROBE).values(name=bindparam("b_name"))
_NAMES_LIKE = select(_PROBE.c.name).where(_PROBE.c.name.like(bindparam("b_pattern"))).order_by(_PROBE.c.name)


async def test_a_statement_before_any_other_skips_the_session(probe: Database) -> None:
    async with probe.single_write() as session:
        inserted = await execute_statement(session, _INSERT_NAME, {"b_name": "direct"})
        opened_a_connection = session.in_transaction()

    assert inserted.rowcount == 1
    assert await _names(probe) == ["direct"]
    assert not opened_a_connection


async def test_every_block_gives_its_connection_back_however_it_ends(probe: Database) -> None:
    async with probe.single_write() as session:
        await execute_statement(session, _INSERT_NAME, {"b_name": "direct"})
    with pytest.raises(ValueError, match="after a read"):
        async with probe.single_write() as session:
            await session.exec(text("SELECT count(*) FROM single_probe"))  # type: ignore[call-overload]
            raise ValueError("a handler failed after a read")
    left_open = probe.engine.pool.checkedout()  # type: ignore[attr-defined]
    async with probe.single_write() as session:
        await _insert(session, "through-the-session")

    assert left_open == 0
    assert probe.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    assert await _names(probe) == ["direct", "through-the-session"]


async def test_blocks_one_after_another_each_get_their_one_write(probe: Database) -> None:
    for name in ("one", "two", "three"):
        async with probe.single_write() as session:
            await execute_statement(session, _INSERT_NAME, {"b_name": name})

    assert await _names(probe) == ["one", "three", "two"]


async def test_an_object_given_to_the_session_is_saved_when_the_block_ends(database: Database) -> None:
    async with database.single_write() as session:
        session.add(School(code="SW-1", name="Given to the session", district="Ashford"))  # no flush

    async with database.transaction() as session:
        saved = [row[0] for row in (await session.exec(select(School.name).where(School.code == "SW-1"))).all()]
    assert saved == ["Given to the session"]


async def test_a_block_reads_what_is_committed_not_what_an_earlier_block_loaded(database: Database) -> None:
    async with database.transaction() as session:
        session.add(School(code="SW-2", name="Before", district="Dover"))

    async def school_read_in_a_block() -> School:
        async with database.single_write() as session:
            return (await session.exec(sqlmodel_select(School).where(School.code == "SW-2"))).one()

    first = await school_read_in_a_block()  # still held here, as a caller may hold what it read
    async with database.transaction() as session:
        await session.exec(text("UPDATE schools SET name = 'After' WHERE code = 'SW-2'"))  # type: ignore[call-overload]
    second = await school_read_in_a_block()

    assert (first.name, second.name) == ("Before", "After")


async def test_the_guard_refuses_a_statement_after_a_direct_write(probe: Database) -> None:
    with pytest.raises(SingleWriteBroken, match="after its write"):
        async with probe.single_write() as session:
            await execute_statement(session, _INSERT_NAME, {"b_name": "first"})
            await _insert(session, "second")  # through the session this time

    assert "second" not in await _names(probe)


async def test_the_guard_refuses_a_direct_write_after_a_write(probe: Database) -> None:
    with pytest.raises(SingleWriteBroken, match="after its write"):
        async with probe.single_write() as session:
            await execute_statement(session, _INSERT_NAME, {"b_name": "first"})
            await execute_statement(session, _INSERT_NAME, {"b_name": "second"})

    assert "second" not in await _names(probe)


async def test_reads_and_their_rows_are_the_same_either_way(probe: Database) -> None:
    async with probe.transaction() as session:
        for name in ("ann", "anna", "bob"):
            await _insert(session, name)

    async with probe.single_write() as session:
        direct = await execute_statement(session, _NAMES_LIKE, {"b_pattern": "ann%"})
    async with probe.transaction() as session:
        through_session = await execute_statement(session, _NAMES_LIKE, {"b_pattern": "ann%"})

    assert direct == through_session
    assert direct.rows == [("ann",), ("anna",)]
    assert direct.first() == {"name": "ann"}


async def test_a_failing_statement_raises_what_sqlalchemy_would(probe: Database) -> None:
    with pytest.raises(IntegrityError):
        async with probe.single_write() as session:
            await execute_statement(session, _INSERT_NAME, {"b_name": None})  # NOT NULL

    assert await _names(probe) == []


@pytest.mark.parametrize("database_template", ["postgresql"], indirect=True)  # a server connection to lose
async def test_a_broken_connection_leaves_the_pool_and_the_next_block_works(probe: Database) -> None:
    async with probe.single_write() as session:  # one pooled connection, idle again after this
        await execute_statement(session, _NAMES_LIKE, {"b_pattern": "%"})
    admin = Database(probe.url, pool_size=1)
    try:
        async with admin.transaction() as session:
            closed = (await session.exec(text(  # type: ignore[call-overload]
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ))).all()
    finally:
        await admin.dispose()
    assert closed  # the server closed the probe's pooled connection

    with pytest.raises(DBAPIError) as raised:
        async with probe.single_write() as session:  # just used: not pinged before use
            await execute_statement(session, _NAMES_LIKE, {"b_pattern": "%"})
    assert raised.value.connection_invalidated

    async with probe.single_write() as session:
        await execute_statement(session, _INSERT_NAME, {"b_name": "after"})
    assert await _names(probe) == ["after"]


async def test_rows_for_many_go_in_the_order_given(probe: Database) -> None:
    async with probe.single_write() as session:
        await execute_many(session, _INSERT_NAME, [{"b_name": name} for name in ("c", "a", "b")])
        opened_a_connection = session.in_transaction()

    physical_order = "rowid" if probe.is_sqlite else "ctid"
    async with probe.transaction() as session:
        rows = await session.exec(text(f"SELECT name FROM single_probe ORDER BY {physical_order}"))  # type: ignore[call-overload]
        assert [row[0] for row in rows.all()] == ["c", "a", "b"]
    assert not opened_a_connection
