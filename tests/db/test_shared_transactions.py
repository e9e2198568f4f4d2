"""Turns' short writes share transactions; one unit's failure stays its own and the others lose nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import String, bindparam, column, insert, table, text
from sqlmodel.ext.asyncio.session import AsyncSession

from db.engine import Database
from db.shared_transactions import SharedTransactions
from db.single_write import execute_statement
from tests.support.waiting import wait_for_condition

Unit = Callable[[AsyncSession], Awaitable[str]]


@pytest.fixture
async def probe(database: Database) -> Database:
    async with database.transaction() as session:
        await session.exec(text("CREATE TABLE shared_probe (name VARCHAR(40) NOT NULL)"))  # type: ignore[call-overload]
    return database


async def _names(database: Database) -> list[str]:
    async with database.transaction() as session:
        rows = await session.exec(text("SELECT name FROM shared_probe ORDER BY name"))  # type: ignore[call-overload]
        return [row[0] for row in rows.all()]


def _writes(name: str, *, sessions: list[AsyncSession] | None = None, then_fails: bool = False) -> Unit:
    async def unit(session: AsyncSession) -> str:
        if sessions is not None:
            sessions.append(session)
        await session.exec(text("INSERT INTO shared_probe (name) VALUES (:name)").bindparams(name=name))  # type: ignore[call-overload]
        if then_fails:
            raise ValueError(f"{name} failed after writing")
        return name

    return unit


async def test_units_started_together_share_one_transaction_and_all_commit(probe: Database) -> None:
    shared = SharedTransactions(probe, share=True)
    sessions: list[AsyncSession] = []
    names = [f"turn-{index:02d}" for index in range(10)]

    results = await asyncio.gather(*(shared.run(_writes(name, sessions=sessions)) for name in names))

    assert results == names
    assert await _names(probe) == names
    assert len({id(session) for session in sessions}) == 1  # one transaction for the ten


_INSERT_NAME = insert(table("shared_probe", column("name", String))).values(name=bindparam("b_name"))


async def test_single_write_units_run_alone_their_statement_straight_on_the_driver(probe: Database) -> None:
    shared = SharedTransactions(probe, share=True)
    opened_their_session: list[bool] = []

    def single_write(name: str) -> Unit:
        async def unit(session: AsyncSession) -> str:
            await execute_statement(session, _INSERT_NAME, {"b_name": name})
            opened_their_session.append(session.in_transaction())
            return name

        return unit

    names = [f"alone-{index}" for index in range(5)]
    results = await asyncio.gather(*(shared.run(single_write(name), single_write=True) for name in names))

    assert results == names
    assert await _names(probe) == names
    assert opened_their_session == [False] * 5  # in a shared transaction they would run through its session


async def test_a_unit_that_fails_after_writing_keeps_nothing_and_the_others_keep_theirs(probe: Database) -> None:
    shared = SharedTransactions(probe, share=True)
    units = [_writes("a"), _writes("b", then_fails=True), _writes("c"), _writes("d")]

    outcomes = await asyncio.gather(*(shared.run(unit) for unit in units), return_exceptions=True)

    assert outcomes[0] == "a" and outcomes[2:] == ["c", "d"]
    assert isinstance(outcomes[1], ValueError) and "b failed" in str(outcomes[1])
    assert await _names(probe) == ["a", "c", "d"]


async def test_a_database_error_in_one_unit_fails_only_that_unit(probe: Database) -> None:
    shared = SharedTransactions(probe, share=True)

    async def breaks_the_transaction(session: AsyncSession) -> str:
        await session.exec(text("INSERT INTO shared_probe (name) VALUES (NULL)"))  # type: ignore[call-overload]
        return "never"

    outcomes = await asyncio.gather(
        shared.run(_writes("first")), shared.run(breaks_the_transaction), shared.run(_writes("last")),
        return_exceptions=True,
    )

    assert outcomes[0] == "first" and outcomes[2] == "last"
    assert isinstance(outcomes[1], Exception)
    assert await _names(probe) == ["first", "last"]


async def test_a_unit_cancelled_before_it_ran_writes_nothing_and_the_others_commit(probe: Database) -> None:
    shared = SharedTransactions(probe, share=True)
    release_leader = asyncio.Event()

    async def slow_leader(session: AsyncSession) -> str:
        await release_leader.wait()  # the others join and wait their turn behind it
        return await _writes("leader")(session)

    leader = asyncio.create_task(shared.run(slow_leader))
    cancelled = asyncio.create_task(shared.run(_writes("cancelled")))
    follower = asyncio.create_task(shared.run(_writes("follower")))
    await wait_for_condition(lambda: shared.units_in_open_transaction == 3, description="all three in one transaction")
    cancelled.cancel()
    release_leader.set()

    assert await leader == "leader" and await follower == "follower"
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert await _names(probe) == ["follower", "leader"]


async def test_units_arriving_after_a_commit_start_a_new_transaction(probe: Database) -> None:
    shared = SharedTransactions(probe, share=True)
    sessions: list[AsyncSession] = []

    assert await shared.run(_writes("one", sessions=sessions)) == "one"
    assert await shared.run(_writes("two", sessions=sessions)) == "two"

    assert len({id(session) for session in sessions}) == 2
    assert await _names(probe) == ["one", "two"]


async def test_by_default_units_share_transactions_on_sqlite_only(probe: Database) -> None:
    shared = SharedTransactions(probe)
    sessions: list[AsyncSession] = []

    await asyncio.gather(*(shared.run(_writes(f"turn-{index}", sessions=sessions)) for index in range(4)))

    assert len({id(session) for session in sessions}) == (1 if probe.is_sqlite else 4)
    assert len(await _names(probe)) == 4
