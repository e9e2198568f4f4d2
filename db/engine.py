"""The async engine, sessions and the one transaction helper."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util import await_
from sqlmodel import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from db.single_write import (
    SINGLE_WRITE_OPTION,
    SingleWriteGuard,
    guard_of,
    mark_for_direct_statements,
    mark_for_warming,
)
from db.sqlite_inline import inline_connector

logger = logging.getLogger(__name__)
Warming = Callable[[AsyncSession], Awaitable[None]]

SQLITE_BUSY_TIMEOUT_MS = 10_000
MAX_SPARE_SESSIONS = 64  # single-write sessions kept for reuse (about one per update being worked on)
PING_AFTER_IDLE_S = 2.0  # a PostgreSQL connection idle this long is checked before use
# How long a transaction may wait for its turn at SQLite's one writer in this process before it fails.
SQLITE_WRITER_WAIT_S = 60.0
_SQLITE_WRITER_HOLDER: ContextVar[asyncio.Task[Any] | None] = ContextVar("sqlite_writer_holder", default=None)


class _SingleWriteSession(Session):
    """The session of a single-write block: the guard goes with whatever connection it opens."""


@event.listens_for(_SingleWriteSession, "after_begin")
def _carry_guard(session: Session, _transaction: Any, connection: Any) -> None:
    guard = guard_of(session.info)
    if guard is not None:
        connection.execution_options(**{SINGLE_WRITE_OPTION: guard})


def _guard_single_writes(engine: AsyncEngine) -> None:
    """Refuse, before it runs, any statement after the write of a `single_write()` block.

    Only statements starting with SELECT count as reads; anything else (a WITH ... UPDATE as much as an INSERT)
    is the write. The connection carries the guard as an execution option for the block's length.
    """

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _before_statement(connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        guard = connection.get_execution_options().get(SINGLE_WRITE_OPTION)
        if guard is not None:
            guard.check(statement)


class SqliteWriterQueue:
    """SQLite's transactions (all BEGIN IMMEDIATE) take turns in this process, first come first served.

    Without it, concurrent writers meet SQLite's busy handler, which sleeps and retries (1, 2, 5, ... 100 ms)
    and gives "database is locked" after the busy timeout: a crowd of updates then waits on sleeps, not work.
    A transaction opened inside another one in the same task does not queue again (it would wait on itself).
    """

    def __init__(self) -> None:
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Hold the process's SQLite writer for the block."""
        if _SQLITE_WRITER_HOLDER.get() is asyncio.current_task():  # tasks it starts inherit the variable, and queue
            yield
            return
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        try:
            async with asyncio.timeout(SQLITE_WRITER_WAIT_S):
                await lock.acquire()
        except TimeoutError:
            raise TimeoutError(f"waited {SQLITE_WRITER_WAIT_S:.0f} s for SQLite's writer") from None
        token = _SQLITE_WRITER_HOLDER.set(asyncio.current_task())
        try:
            yield
        finally:
            _SQLITE_WRITER_HOLDER.reset(token)
            lock.release()


def _prepare_sqlite(engine: AsyncEngine) -> None:
    """WAL, foreign keys, and BEGIN IMMEDIATE so concurrent writers queue instead of failing."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (SQLAlchemy docs, aiosqlite).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=0")  # the connection waits for a busy lock itself (db/sqlite_inline.py)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Straight to the driver, awaited the way SQLAlchemy documents for driver methods in events: going
        # through exec_driver_sql (execution context, cursor, result) cost a fifth of a short transaction.
        await_(connection.connection.driver_connection.begin_immediate())


def create_engine(
    database_url: str, *, pool_size: int = 10, max_overflow: int | None = None, ping_after_idle_s: float = PING_AFTER_IDLE_S
) -> AsyncEngine:
    """Build the async engine for SQLite (aiosqlite) or PostgreSQL (asyncpg)."""
    url = make_url(database_url)
    if url.drivername.startswith("sqlite"):
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        # Statements run in the loop's thread (db/sqlite_inline.py): no thread hop per statement.
        connect = inline_connector(url.database or ":memory:", busy_wait_s=SQLITE_BUSY_TIMEOUT_MS / 1000)
        engine = create_async_engine(url, async_creator=connect)
        _prepare_sqlite(engine)
        _guard_single_writes(engine)
        return engine
    overflow = pool_size if max_overflow is None else max_overflow
    engine = create_async_engine(url, pool_size=pool_size, max_overflow=overflow)
    _ping_idle_connections(engine, after_idle_s=ping_after_idle_s)
    _guard_single_writes(engine)
    return engine


def _ping_idle_connections(engine: AsyncEngine, *, after_idle_s: float) -> None:
    """Check a pooled connection before use only when it has sat idle (SQLAlchemy's "pessimistic" disconnect
    handling with a custom checkout event, as its pooling docs describe).

    pool_pre_ping pings at every checkout, and asyncpg's ping is three round trips (BEGIN, a query, ROLLBACK):
    in a crowd about 7% of `serve`'s time went to pinging connections used a few milliseconds before. A connection
    idle for `after_idle_s` is pinged as before; a busy one that breaks (a database restart mid-crowd) fails
    its statement, SQLAlchemy then invalidates the whole pool, and the next transaction starts afresh.
    """

    @event.listens_for(engine.sync_engine, "connect")
    @event.listens_for(engine.sync_engine, "checkin")
    def _on_fresh_or_returned(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in_at"] = time.monotonic()  # a connection just opened needs no ping either

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_s = time.monotonic() - record.info.get("checked_in_at", float("-inf"))
        if idle_s < after_idle_s:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # noqa: BLE001 - any failure: the pool replaces the connection and tries again
            raise DisconnectionError(f"pooled connection failed its ping: {error}") from error


class Database:
    """Owns the engine; hands out sessions and transactions."""

    def __init__(
        self, database_url: str, *, pool_size: int = 10, max_overflow: int | None = None,
        ping_after_idle_s: float = PING_AFTER_IDLE_S,
    ) -> None:
        """`pool_size` PostgreSQL connections are kept open, `max_overflow` more (default: as many) opened when
        needed and closed after use; one idle `ping_after_idle_s` is checked before use."""
        self.url = database_url
        self.engine = create_engine(
            database_url, pool_size=pool_size, max_overflow=max_overflow, ping_after_idle_s=ping_after_idle_s
        )
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        # SQLite's blocks are transactions (BEGIN IMMEDIATE once the session needs its connection); PostgreSQL's
        # run in autocommit.
        self._single_write_sessions = async_sessionmaker(
            self.engine if self.is_sqlite else self.engine.execution_options(isolation_level="AUTOCOMMIT"),
            class_=AsyncSession, expire_on_commit=False, sync_session_class=_SingleWriteSession,
        )
        self._sqlite_writer = SqliteWriterQueue() if self.is_sqlite else None
        self._spare_sessions: list[AsyncSession] = []

    @property
    def is_sqlite(self) -> bool:
        """True for the embedded SQLite database."""
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits when the block ends, rolls back on any exception.

        Keep the block to database work: on SQLite it holds the one writer, so never await the network in it.
        """
        if self._sqlite_writer is None:
            async with self._sessions() as session, session.begin():
                yield session
            return
        async with self._sqlite_writer.turn(), self._sessions() as session, session.begin():
            yield session

    def single_write(self) -> SingleWriteBlock:
        """Work whose one write is its last step: any reads, then one statement that writes, then nothing.

        On PostgreSQL the block runs in autocommit: its write commits as it runs, without the BEGIN and COMMIT
        round trips of `transaction()` (two of the three a one-statement transaction makes). Reads before it
        see what is committed, as each statement of a READ COMMITTED transaction does, so the write must check
        what it relies on itself (a version in its WHERE clause). A statement after the write raises
        SingleWriteBroken before it runs, on both databases; Python code after it must not fail. On SQLite
        the block holds the process's writer, and what runs through its session is one transaction.

        The block's session opens a connection only when a statement needs one: the DAO's `execute_statement`
        (db/single_write.py) runs a statement before that straight on the driver, as its own transaction.
        """
        return SingleWriteBlock(self)

    def _single_write_session(self) -> AsyncSession:
        """A session for a single-write block: one a finished block left untouched, or a new one."""
        return self._spare_sessions.pop() if self._spare_sessions else self._single_write_sessions()

    def _spare(self, session: AsyncSession) -> None:
        if len(self._spare_sessions) < MAX_SPARE_SESSIONS:
            self._spare_sessions.append(session)

    async def open_connections(self, count: int, *, warm: Warming | None = None) -> None:
        """Open `count` pooled connections now (PostgreSQL) instead of when a crowd first needs them.

        A new asyncpg connection costs several milliseconds of start-up and type queries; the first crowd after
        a restart would otherwise pay for every one at once. `warm`, when given, runs on each of them in a
        transaction that is rolled back (db/dao/warm_up.py); if it fails, the connection warms up on first use.
        """
        if self.is_sqlite or count <= 0:
            return
        async with contextlib.AsyncExitStack() as stack:
            connections = await asyncio.gather(*(stack.enter_async_context(self.engine.connect()) for _ in range(count)))
            if warm is not None:
                await asyncio.gather(*(_warm_connection(connection, warm) for connection in connections))

    async def is_reachable(self) -> bool:
        """True when a trivial query succeeds."""
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any failure means "not ready"
            return False
        return True

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


class SingleWriteBlock:
    """`Database.single_write()`: its session, its guard, and on SQLite the process's writer for its length.

    A block whose statements all went straight to the driver leaves its session as it was made (no connection,
    no object): the session is kept for the next block instead of being closed. SQLAlchemy's close (a task,
    a shield, two greenlet switches) was a third of such a block's CPU, and making a session and entering a
    generator-based context a fifth of the rest (one count: PostgreSQL 241 µs a block, 165 without the close,
    135 with a kept session; SQLite 160, 88, 63).
    """

    def __init__(self, database: Database) -> None:
        self._database = database
        self._writer_turn: contextlib.AbstractAsyncContextManager[None] | None = None
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> AsyncSession:
        writer = self._database._sqlite_writer  # the block is part of Database
        if writer is not None:
            self._writer_turn = writer.turn()
            await self._writer_turn.__aenter__()
        try:
            session = self._session = self._database._single_write_session()
            mark_for_direct_statements(session, engine=self._database.engine, guard=SingleWriteGuard())
        except BaseException:
            await self._end_writer_turn(None, None, None)
            raise
        return session

    async def __aexit__(
        self, error_type: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        session = self._session
        assert session is not None
        # Begun: a statement went through the session or an object was given to it (it may hold loaded objects).
        has_begun = session.in_transaction()
        try:
            if error_type is None and has_begun:
                await session.commit()
        finally:
            try:
                if has_begun:
                    await session.__aexit__(None, None, None)  # SQLAlchemy's close, which a cancellation cannot cut short
                else:
                    self._database._spare(session)
            finally:
                await self._end_writer_turn(error_type, error, traceback)

    async def _end_writer_turn(
        self, error_type: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._writer_turn is not None:
            await self._writer_turn.__aexit__(error_type, error, traceback)


async def _warm_connection(connection: AsyncConnection, warm: Warming) -> None:
    transaction = await connection.begin()
    try:
        session = AsyncSession(bind=connection)
        mark_for_warming(session, connection=connection)
        await warm(session)
    except Exception:  # noqa: BLE001 - warming is an optimisation: start-up goes on without it
        logger.warning("warming a pooled database connection failed; it warms up on first use", exc_info=True)
    finally:
        await transaction.rollback()
