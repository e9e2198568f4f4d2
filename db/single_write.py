"""What a `Database.single_write()` block may run, and its statements run straight on the driver.

A single-write block runs any reads, then one statement that writes, then nothing (db/engine.py). A statement
the block runs before its session has opened a connection needs no session at all: `execute_statement` takes
a pooled connection and runs the statement's compiled SQL on the driver itself (asyncpg; on SQLite the
inline connection of db/sqlite_inline.py), as its own transaction. On this machine a block with one Core
statement cost 0.50-0.57 ms of CPU through its session (the session, the checkout through it, SQLAlchemy's
execution path), the statement on the driver 0.11 ms, and a crowd's turns are mostly such blocks.
Everything else, and every statement once the session has a connection, goes through the session.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.engine import Dialect, Result
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import Executable
from sqlalchemy.util import greenlet_spawn
from sqlmodel.ext.asyncio.session import AsyncSession

SINGLE_WRITE_OPTION = "carerline_single_write"  # the connection's execution option that carries the guard
_DIRECT_KEY = "carerline_direct_statements"  # Session.info: how this block's statements may skip the session
T = TypeVar("T")


class SingleWriteBroken(RuntimeError):
    """A statement came after the write of a `Database.single_write()` block (a programming error)."""


class SingleWriteGuard:
    """What a single-write block has run so far: its write, once it has run one."""

    def __init__(self) -> None:
        self.write: str | None = None

    def check(self, statement: str) -> None:
        """Refuse `statement` if the block has written already; remember it if it is the write."""
        if self.write is not None:
            raise SingleWriteBroken(
                f"a single-write block ran {' '.join(statement.split())[:60]!r} after its write "
                f"{' '.join(self.write.split())[:60]!r}: use Database.transaction()"
            )
        if not statement.lstrip()[:6].upper() == "SELECT":
            self.write = statement


@dataclass(frozen=True)
class StatementResult:
    """The rows a statement returned (none unless it returns rows), their column names, and how many rows it
    changed or returned."""

    rows: list[Sequence[Any]]
    rowcount: int
    keys: tuple[str, ...] = ()

    def first(self) -> dict[str, Any] | None:
        """The first row by column name, if any."""
        return dict(zip(self.keys, self.rows[0], strict=True)) if self.rows else None

    def scalar_one_or_none(self) -> Any:
        """The first column of the only row, or None when there is no row."""
        if len(self.rows) > 1:
            raise ValueError(f"expected at most one row, got {len(self.rows)}")
        return self.rows[0][0] if self.rows else None


@dataclass(frozen=True)
class DirectStatements:
    """A single-write block's way round its session: the engine and the block's guard. `held`, for warming a
    connection at start-up: run on that connection, inside its transaction, instead of a pooled one."""

    engine: AsyncEngine
    guard: SingleWriteGuard | None
    held: AsyncConnection | None = None

    async def run(self, statement: Executable, values: dict[str, Any]) -> StatementResult | None:
        """Run the statement on a pooled connection's driver connection, in autocommit (None: it needs the
        session, for a value SQLAlchemy would work out in Python, a list expanded into the SQL or a column
        SQLAlchemy converts as it reads it)."""
        compiled = _compiled_for(statement, self.engine.dialect, keys=tuple(sorted(values)))
        if compiled is None:
            return None
        if self.guard is not None:
            self.guard.check(compiled.sql)
        arguments = compiled.arguments(values)
        sql, returns_rows = compiled.sql, compiled.returns_rows
        run = _run_on_sqlite if self.engine.dialect.name == "sqlite" else _run_on_asyncpg
        return await self._on_driver(
            sql, arguments, lambda driver: run(driver, sql, arguments, returns_rows=returns_rows)
        )

    async def run_many(self, statement: Executable, rows: list[dict[str, Any]]) -> bool:
        """Run a statement that returns nothing once per row (pipelined on asyncpg); False: it needs the
        session (as for `run`)."""
        compiled = _compiled_for(statement, self.engine.dialect, keys=tuple(sorted(rows[0])))
        if compiled is None or compiled.returns_rows or any(row.keys() != rows[0].keys() for row in rows):
            return False
        if self.guard is not None:
            self.guard.check(compiled.sql)
        arguments = [compiled.arguments(row) for row in rows]
        sql = compiled.sql
        many = _many_on_sqlite if self.engine.dialect.name == "sqlite" else _many_on_asyncpg
        await self._on_driver(sql, arguments, lambda driver: many(driver, sql, arguments))
        return True

    async def _on_driver(self, sql: str, arguments: list[Any], call: Callable[[Any], Awaitable[T]]) -> T:
        """`call(driver connection)` on a pooled connection, its errors as SQLAlchemy raises them."""
        if self.held is not None:
            return await call((await self.held.get_raw_connection()).driver_connection)
        pooled = await self.engine.raw_connection()
        try:
            return await call(pooled.driver_connection)
        except Exception as error:
            raise _as_sqlalchemy_error(
                error, pooled=pooled, dialect=self.engine.dialect, sql=sql, arguments=arguments
            ) from error
        finally:
            await greenlet_spawn(pooled.close)  # returning it may roll back through the driver, as SQLAlchemy does


async def _run_on_asyncpg(driver: Any, sql: str, arguments: list[Any], *, returns_rows: bool) -> StatementResult:
    if not returns_rows:
        return StatementResult(rows=[], rowcount=_count_in_status(await driver.execute(sql, *arguments)))
    records = await driver.fetch(sql, *arguments)
    rows: list[Sequence[Any]] = [tuple(record) for record in records]
    return StatementResult(rows=rows, rowcount=len(rows), keys=tuple(records[0].keys()) if records else ())


async def _run_on_sqlite(driver: Any, sql: str, arguments: list[Any], *, returns_rows: bool) -> StatementResult:
    """On db/sqlite_inline.py's connection, in autocommit: the statement is its own transaction."""
    cursor = await driver.execute(sql, arguments)
    try:
        if not returns_rows:
            return StatementResult(rows=[], rowcount=cursor.rowcount)
        rows: list[Sequence[Any]] = [tuple(row) for row in await cursor.fetchall()]
        keys = tuple(column[0] for column in cursor.description or ())
        return StatementResult(rows=rows, rowcount=len(rows), keys=keys)
    finally:
        await cursor.close()


async def _many_on_asyncpg(driver: Any, sql: str, arguments: list[list[Any]]) -> None:
    await driver.executemany(sql, arguments)  # pipelined: one round trip, one implicit transaction


async def _many_on_sqlite(driver: Any, sql: str, arguments: list[list[Any]]) -> None:
    """Every row in one transaction of their own, as SQLAlchemy's executemany in the block's would be."""
    await driver.begin_immediate()
    try:
        cursor = driver.cursor()
        await cursor.executemany(sql, arguments)
        await cursor.close()
        await driver.commit()
    except BaseException:
        await driver.rollback()
        raise


def mark_for_direct_statements(session: AsyncSession, *, engine: AsyncEngine, guard: SingleWriteGuard) -> None:
    """Let this single-write block's statements skip its session until it opens a connection."""
    session.info[_DIRECT_KEY] = DirectStatements(engine=engine, guard=guard)


def mark_for_warming(session: AsyncSession, *, connection: AsyncConnection) -> None:
    """Let this session, warming `connection` in a transaction, run the statements `execute_statement` would run
    straight on a driver on that connection's driver: asyncpg prepares and keeps them per connection."""
    session.info[_DIRECT_KEY] = DirectStatements(engine=connection.engine, guard=None, held=connection)


def guard_of(session_info: dict[str, Any]) -> SingleWriteGuard | None:
    """The guard of the single-write block whose session has this `info`, if it is one."""
    direct = session_info.get(_DIRECT_KEY)
    return direct.guard if direct is not None else None


async def execute_statement(session: AsyncSession, statement: Executable, values: dict[str, Any]) -> StatementResult:
    """Run a Core statement with bound `values`: straight on the driver when the session is a single-write
    block that has not opened a connection yet, else on the session's connection."""
    direct = _direct_for(session)
    if direct is not None:
        result = await direct.run(statement, values)
        if result is not None:
            return result
    connection = await session.connection()
    return _kept(await connection.execute(statement, values))


async def execute_many(session: AsyncSession, statement: Executable, rows: list[dict[str, Any]]) -> None:
    """Run a statement that returns nothing once for each row's values, in the order given (as
    `execute_statement` chooses where)."""
    if not rows:
        return
    direct = _direct_for(session)
    if direct is not None and await direct.run_many(statement, rows):
        return
    connection = await session.connection()
    await connection.execute(statement, rows)


def _direct_for(session: AsyncSession) -> DirectStatements | None:
    """How this session's next statement may skip it: a single-write block not yet on a connection, or warming."""
    direct: DirectStatements | None = session.info.get(_DIRECT_KEY)
    if direct is None or (direct.held is None and session.in_transaction()):
        return None
    return direct


def _kept(result: Result[Any]) -> StatementResult:
    if not result.returns_rows:
        return StatementResult(rows=[], rowcount=result.rowcount)
    rows = [tuple(row) for row in result.all()]
    return StatementResult(rows=rows, rowcount=len(rows), keys=tuple(result.keys()))


@dataclass(frozen=True)
class _Compiled:
    """A statement's SQL for asyncpg, its bind names in the order of $1, $2 ..., and how each value is sent."""

    sql: str
    returns_rows: bool
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    fixed: dict[str, Any] = field(default_factory=dict)  # values the statement carries itself

    def arguments(self, values: dict[str, Any]) -> list[Any]:
        arguments = []
        for name, processor in zip(self.names, self.processors, strict=True):
            value = values[name] if name in values else self.fixed[name]
            arguments.append(value if processor is None else processor(value))
        return arguments


_COMPILED: dict[tuple[int, str, tuple[str, ...]], tuple[Executable, _Compiled | None]] = {}
_MAX_COMPILED = 512  # statements here are module constants; a statement built per call would only fill this


def _compiled_for(statement: Executable, dialect: Dialect, *, keys: tuple[str, ...]) -> _Compiled | None:
    """Compiled once per statement object and set of value names (statements here are built once, at import);
    None when SQLAlchemy would have to add to the SQL or the values as it runs it."""
    key = (id(statement), dialect.name, keys)
    cached = _COMPILED.get(key)
    if cached is not None and cached[0] is statement:
        return cached[1]
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    names = tuple(compiled.positiontup or ())
    needs_session = (
        compiled.positiontup is None or bool(compiled.literal_execute_params) or bool(compiled.post_compile_params)
        or bool(compiled.insert_prefetch) or bool(compiled.update_prefetch)
        or any(name not in keys and compiled.binds[name].required for name in names)
        or any(_converts_as_read(column_type, dialect) for *_, column_type in compiled._result_columns)  # noqa: SLF001
    )
    result = None
    if not needs_session:
        processors = compiled._bind_processors  # noqa: SLF001 - SQLAlchemy's own per-parameter type conversions
        is_write_only = (compiled.isinsert or compiled.isupdate or compiled.isdelete) and not compiled.returning
        result = _Compiled(
            sql=compiled.string,
            returns_rows=not is_write_only,
            names=names,
            processors=tuple(processors.get(name) for name in names),
            fixed={name: compiled.binds[name].value for name in names if name not in keys},
        )
    if len(_COMPILED) >= _MAX_COMPILED:
        _COMPILED.clear()
    _COMPILED[key] = (statement, result)
    return result


def _converts_as_read(column_type: Any, dialect: Dialect) -> bool:
    """True when SQLAlchemy converts this column's values as it reads them (SQLite's dates, JSON): then the
    statement goes through the session, which does."""
    return column_type._cached_result_processor(dialect, None) is not None  # noqa: SLF001


def _count_in_status(status: str) -> int:
    """The row count at the end of a command tag: "UPDATE 1", "INSERT 0 1", "DELETE 3"."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


def _as_sqlalchemy_error(
    error: Exception, *, pooled: Any, dialect: Dialect, sql: str, arguments: list[Any]
) -> Exception:
    """The error SQLAlchemy would have raised for it; a broken connection leaves the pool."""
    adapted = pooled.dbapi_connection
    dbapi_error_class = dialect.loaded_dbapi.Error
    try:
        adapted._handle_exception(error)  # noqa: SLF001 - the asyncpg adapter's translation into DB-API errors
    except Exception as dbapi_error:  # noqa: BLE001 - it always raises; what is not a DB-API error passes as is
        if not isinstance(dbapi_error, dbapi_error_class):
            return dbapi_error
        is_disconnect = dialect.is_disconnect(dbapi_error, adapted, None)
        if is_disconnect:
            pooled.invalidate(dbapi_error)
        return DBAPIError.instance(
            sql, arguments, dbapi_error, dbapi_error_class, connection_invalidated=is_disconnect, dialect=dialect
        )
    return error
