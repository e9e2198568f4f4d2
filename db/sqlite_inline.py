"""SQLite run in the event loop's own thread, behind the interface SQLAlchemy's aiosqlite dialect drives.

aiosqlite hands every statement to a worker thread and wakes the loop with the result: one hop per execute,
fetch and close. When the loop is busy (a crowd of updates), each hop waits for a whole round of the loop, and a
transaction holds SQLite's one writer for all of its hops, so the crowd queued behind rounds of the loop rather
than behind SQLite (profile of 200 parents at once: about 58 hops an update). A statement on our small indexed
tables takes microseconds, so these connections run it at once, in the loop's thread: a short transaction
finishes within one step of the loop. Writers in this process take turns first (db.engine.SqliteWriterQueue),
so the only wait is for another process (a `deliver` worker, a CLI import). SQLite's own busy handler would sleep
in the loop's thread and stop every other task until the lock came free; these connections have no busy timeout
and wait with asyncio.sleep instead, retrying on the same steps SQLite's handler uses, for as long as its timeout
would have: other tasks (sending, answering) go on meanwhile.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
# sqlite3.c's sqliteDefaultBusyCallback: the pauses between tries while another connection holds the lock.
BUSY_PAUSES_S = (0.001, 0.002, 0.005, 0.01, 0.015, 0.02, 0.025, 0.025, 0.025, 0.05, 0.05, 0.1)


def _is_busy(error: sqlite3.OperationalError) -> bool:
    """SQLITE_BUSY (any extended code): another connection holds the lock; the statement did nothing."""
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF == sqlite3.SQLITE_BUSY


async def run_when_free(function: Callable[[], T], *, wait_s: float) -> T:
    """`function()` now; while SQLite answers busy, again after a pause, for up to `wait_s` (then the error)."""
    try:
        return function()
    except sqlite3.OperationalError as error:
        if not _is_busy(error) or wait_s <= 0:
            raise
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    tries = 0
    while True:
        pause_s = BUSY_PAUSES_S[min(tries, len(BUSY_PAUSES_S) - 1)]
        tries += 1
        await asyncio.sleep(max(0.0, min(pause_s, deadline - loop.time())))
        try:
            return function()
        except sqlite3.OperationalError as error:
            if not _is_busy(error) or loop.time() >= deadline:
                raise


class _InlineQueue:
    """Stands in for aiosqlite's queue to its thread: SQLAlchemy puts (future, function) on it; we run it now."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as error:  # noqa: BLE001 - handed to the awaiting caller, as aiosqlite's thread does
            future.set_exception(error)
        else:
            future.set_result(result)


class InlineCursor:
    """An aiosqlite-shaped cursor whose coroutines finish without suspending."""

    def __init__(self, cursor: sqlite3.Cursor, *, busy_wait_s: float) -> None:
        self._cursor = cursor
        self._busy_wait_s = busy_wait_s

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> InlineCursor:
        """Run one statement (waiting, without blocking the loop, while another process holds the lock)."""
        await run_when_free(lambda: self._cursor.execute(sql, parameters), wait_s=self._busy_wait_s)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any] | dict[str, Any]]) -> InlineCursor:
        """Run one statement for each set of parameters."""
        rows = parameters if isinstance(parameters, Sequence) else list(parameters)  # a retry must see them all again
        await run_when_free(lambda: self._cursor.executemany(sql, rows), wait_s=self._busy_wait_s)
        return self

    async def fetchone(self) -> Any:
        """The next row."""
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        """Up to `size` rows."""
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        """The remaining rows."""
        return self._cursor.fetchall()

    async def close(self) -> None:
        """Close the cursor."""
        self._cursor.close()

    @property
    def description(self) -> Any:
        """Column descriptions of the last query."""
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        """Rows changed by the last statement."""
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        """The last inserted row id."""
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        """Rows per fetchmany."""
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class InlineConnection:
    """An aiosqlite-shaped connection (the parts SQLAlchemy's aiosqlite dialect uses) that runs in the caller's thread."""

    def __init__(self, connection: sqlite3.Connection, *, busy_wait_s: float) -> None:
        self._conn = connection
        self._connection: sqlite3.Connection | None = connection
        self._tx = _InlineQueue()
        self._busy_wait_s = busy_wait_s

    @property
    def isolation_level(self) -> str | None:
        """The driver's transaction mode (None: SQLAlchemy issues BEGIN itself)."""
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        """A new cursor (SQLAlchemy enters it with `async with`)."""
        return InlineCursor(self._conn.cursor(), busy_wait_s=self._busy_wait_s)

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> InlineCursor:
        """Run one statement on a new cursor."""
        return await self.cursor().execute(sql, parameters)

    async def begin_immediate(self) -> None:
        """Start a transaction holding SQLite's write lock (waiting while another process holds it)."""
        await run_when_free(lambda: self._conn.execute("BEGIN IMMEDIATE"), wait_s=self._busy_wait_s)

    async def commit(self) -> None:
        """Commit."""
        await run_when_free(self._conn.commit, wait_s=self._busy_wait_s)

    async def rollback(self) -> None:
        """Roll back."""
        self._conn.rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        """Register a SQL function."""
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        """Close the connection (twice is harmless)."""
        if self._connection is not None:
            self._connection = None
            self._conn.close()

    def stop(self) -> None:
        """Close at once (SQLAlchemy's terminate)."""
        if self._connection is not None:
            self._connection = None
            self._conn.close()


def inline_connector(path: str, *, busy_wait_s: float) -> Callable[[], Any]:
    """SQLAlchemy's async_creator: open one SQLite connection that runs in the event loop's thread, and waits up
    to `busy_wait_s` for a lock another connection holds."""

    async def connect() -> InlineConnection:
        # timeout=0: no busy handler sleeping in the loop's thread; InlineCursor waits instead.
        return InlineConnection(sqlite3.connect(path, timeout=0, check_same_thread=False), busy_wait_s=busy_wait_s)

    return connect
