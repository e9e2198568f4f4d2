"""Short units of database work from concurrent turns share one transaction (a group commit for handlers).

In a crowd every turn's own write (consent, a step of a conversation, "I've seen this") was a transaction of
its own: a session, a connection, BEGIN and COMMIT around two or three statements; on PostgreSQL BEGIN and
COMMIT are round trips of their own. Here the first unit to arrive opens a transaction and runs at once;
units that arrive while it runs (or in the same turn of the event loop) run in it after it, one at a time,
each in its own task, and it commits once for all. Every caller gets its result only once it is committed.

If any unit fails (an old button's StaleStepError as much as a database error) or the commit fails, the
transaction is rolled back and every unit of it runs again alone, in a transaction of its own, so one
unit's failure stays its own and the others lose nothing. So a unit must only touch the database through
the session it is given (it may run twice) and must not open a transaction itself.

Shared by default on SQLite only. There every transaction waits for the one writer anyway, so sharing costs
no concurrency and saves a transaction per turn (benchmarks.replies, 200 parents: p95 0.18-0.22 s against
0.21-0.33 s, `serve`'s CPU about 10% less). On PostgreSQL transactions run side by side on their own
connections; sharing puts the units one after another on one connection, and measured no better (p95
0.29-0.37 s against 0.29-0.32 s), so each unit there keeps its own transaction, or none: a unit whose one
write is its last step runs in autocommit there (`single_write`).

A `single_write` unit does not share on SQLite either, since its statements go straight to the driver
(db/single_write.py) where a shared transaction runs them through its session: three alternating pairs of
`benchmarks.replies --backends sqlite --rounds 3` (7 December 2026) gave p95 medians of 256, 289 and 222 ms
shared against 204, 225 and 209 ms alone, `serve`'s CPU per parent 13.1, 16.1, 11.9 against 11.6, 13.2, 12.1 ms.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from db.engine import Database

T = TypeVar("T")
Unit = Callable[[AsyncSession], Awaitable[T]]
MAX_UNITS_PER_TRANSACTION = 32


class _Again:
    """The unit's shared transaction was rolled back: it runs again alone."""


_AGAIN = _Again()


class _RolledBack(Exception):
    """A unit failed: the shared transaction must not commit."""


class _Group:
    """One shared transaction: its session, the units still running in it, and whether it committed."""

    def __init__(self) -> None:
        self.session: AsyncSession | None = None
        self.turn = asyncio.Lock()  # one unit at a time on the session
        self.units = 1
        self.running = 0
        self.none_running = asyncio.Event()
        self.is_open = True
        self.has_failed = False
        self.committed: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    async def run(self, unit: Unit[Any]) -> Any:
        """The unit's result after the units before it, or _AGAIN when one failed (all are rolled back)."""
        async with self.turn:
            return await self.run_holding_turn(unit)

    async def run_holding_turn(self, unit: Unit[Any]) -> Any:
        if self.has_failed or self.session is None:
            return _AGAIN  # rolled back anyway (or never opened): do not spend the work
        try:
            return await unit(self.session)
        except Exception:  # noqa: BLE001 - raised again when the unit runs alone
            self.has_failed = True
            return _AGAIN
        except BaseException:
            self.has_failed = True  # cancelled half-way: its statements must not be committed
            raise

    def settle(self, *, committed: bool) -> None:
        self.is_open = False
        if not self.committed.done():
            self.committed.set_result(committed)


class SharedTransactions:
    """Runs units of work in shared transactions; `run` returns the unit's result once it is committed."""

    def __init__(
        self, database: Database, *, max_units: int = MAX_UNITS_PER_TRANSACTION, share: bool | None = None
    ) -> None:
        """`share`: None shares on SQLite only (see above); False gives every unit its own transaction."""
        self._database = database
        self._max_units = max_units
        self._shares = database.is_sqlite if share is None else share
        self._open: _Group | None = None

    @property
    def units_in_open_transaction(self) -> int:
        """How many units the transaction still taking others holds (0 when none is)."""
        group = self._open
        return group.units if group is not None and group.is_open else 0

    async def run(self, unit: Unit[T], *, single_write: bool = False) -> T:
        """Run `unit(session)` in a shared transaction (or alone, if that one was rolled back).

        `single_write`: the unit's one write is its last step (Database.single_write); it then always runs alone,
        without BEGIN and COMMIT on PostgreSQL and its statements straight on the driver where they can.
        """
        if single_write:
            async with self._database.single_write() as session:
                return await unit(session)
        group = self._open
        if not self._shares:
            outcome: Any = _AGAIN
        elif group is not None and group.is_open and group.units < self._max_units:
            outcome = await self._join(group, unit)
        else:
            outcome = await self._lead(unit)
        if outcome is _AGAIN:
            async with self._database.transaction() as session:
                return await unit(session)
        return outcome  # type: ignore[no-any-return]

    async def _lead(self, unit: Unit[Any]) -> Any:
        group = self._open = _Group()
        outcome: Any = _AGAIN
        await group.turn.acquire()  # units that join while the transaction opens wait for it, in order
        try:
            async with self._database.transaction() as session:
                group.session = session
                try:
                    outcome = await group.run_holding_turn(unit)
                finally:
                    group.turn.release()
                await asyncio.sleep(0)  # turns that are ready now join before the commit
                group.is_open = False
                while group.running:
                    group.none_running.clear()
                    await group.none_running.wait()
                if group.has_failed:
                    raise _RolledBack
            group.settle(committed=True)
        except Exception:  # noqa: BLE001 - _RolledBack, or the commit failed: every unit runs again alone
            return _AGAIN
        finally:
            if group.turn.locked() and group.session is None:
                group.turn.release()  # the transaction never opened
            group.settle(committed=False)  # cancelled or failed: the units that joined run alone
            if self._open is group:
                self._open = None
        return outcome

    @staticmethod
    async def _join(group: _Group, unit: Unit[Any]) -> Any:
        group.units += 1
        group.running += 1
        try:
            outcome = await group.run(unit)
        finally:
            group.running -= 1
            if not group.running:
                group.none_running.set()
        is_committed = await asyncio.shield(group.committed)
        return outcome if is_committed else _AGAIN
