"""The few statements whose spelling differs between SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import BigInteger, any_, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from db.engine import Database


def dialect_insert(bound: AsyncSession | AsyncConnection) -> Any:
    """The INSERT construct with ON CONFLICT for the database behind a session or connection."""
    return postgresql.insert if is_postgresql(bound) else sqlite.insert


def is_postgresql(bound: AsyncSession | AsyncConnection) -> bool:
    """True when the session or connection talks to PostgreSQL."""
    engine = bound.bind if isinstance(bound, AsyncSession) else bound
    return engine is not None and engine.dialect.name == "postgresql"


def writes_in_one_statement(database: Database) -> bool:
    """True where several writes can be one statement, in data-modifying WITHs: PostgreSQL, not SQLite. Work
    whose writes are one such statement, last, is a Database.single_write block there."""
    return not database.is_sqlite


def built_among_chats(build: Callable[[Any], Any], column: Any) -> Callable[[AsyncSession | AsyncConnection], Any]:
    """A statement built once for each database kind by `build(condition)`, where the condition is `column` among
    the chat ids given as parameter "b_chat_ids".

    SQLite's condition is an expanding IN, so its text has one placeholder per id. PostgreSQL's is `= ANY` of one
    array parameter: the same text for any number of ids, so each connection prepares the statement once. With
    IN, a crowd's groups of 1, 2 ... 16 chats were 16 statements, and two thirds of their runs began with a
    prepare of their own (a round trip, and PostgreSQL parsing and planning again).
    """
    on_sqlite = build(column.in_(bindparam("b_chat_ids", expanding=True)))
    on_postgresql = build(column == any_(bindparam("b_chat_ids", type_=postgresql.ARRAY(BigInteger))))
    return lambda bound: on_postgresql if is_postgresql(bound) else on_sqlite


def built_per_dialect(build: Callable[[Any], Any]) -> Callable[[AsyncSession | AsyncConnection], Any]:
    """A statement built once for each database kind from its INSERT construct, then reused with parameters.

    SQLAlchemy caches compiled SQL, but building a statement and working out its cache key happen on every call
    (for a short upsert about half of its cost); a statement built once skips both. Use bindparam() for values.
    """
    built: dict[Any, Any] = {}

    def statement_for(bound: AsyncSession | AsyncConnection) -> Any:
        insert_construct = dialect_insert(bound)
        statement = built.get(insert_construct)
        if statement is None:
            statement = built[insert_construct] = build(insert_construct)
        return statement

    return statement_for


async def insert_ignoring_conflicts(
    session: AsyncSession,
    model: type[SQLModel],
    *,
    values: dict[str, Any],
    conflict_columns: list[str],
) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING; True when a row was inserted."""
    statement = dialect_insert(session)(model).values(**values).on_conflict_do_nothing(index_elements=conflict_columns)
    result = await session.exec(statement)
    return bool(result.rowcount)
