"""SQLite run in the event loop's own thread, behind the interface SQLAlchemy's aiosqlite dialect drives.

aiosqlite hands every statement to a worker thread and wakes the loop with the result: one hop per execute,
fetch and close. When the loop is busy (a crowd of updates), each hop waits for a whole round of the loop, and a
transaction holds SQLite's one writer for all of its hops, so the crowd queued behind rounds of the loop rather
than behind SQLite (profile of 200 parents at once: about 58 hops an update). A statement on our small indexed
tables takes microseconds, so these connections run it at once, in the loop's thread: a short transaction
finishes within one step of the loop. Writers in this process take turns first (db.engine.SqliteWriterQueue),
so the only wait inside a statement is for another process, bounded by SQLite's busy timeout.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any


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

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> InlineCursor:
        """Run one statement."""
        self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any] | dict[str, Any]]) -> InlineCursor:
        """Run one statement for each set of parameters."""
        self._cursor.executemany(sql, parameters)
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

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._connection: sqlite3.Connection | None = connection
        self._tx = _InlineQueue()

    @property
    def isolation_level(self) -> str | None:
        """The driver's transaction mode (None: SQLAlchemy issues BEGIN itself)."""
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        """A new cursor (SQLAlchemy enters it with `async with`)."""
        return InlineCursor(self._conn.cursor())

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> InlineCursor:
        """Run one statement on a new cursor."""
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        """Commit."""
        self._conn.commit()

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


def inline_connector(path: str, *, timeout_s: float) -> Callable[[], Any]:
    """SQLAlchemy's async_creator: open one SQLite connection that runs in the event loop's thread."""

    async def connect() -> InlineConnection:
        return InlineConnection(sqlite3.connect(path, timeout=timeout_s, check_same_thread=False))

    return connect
