"""The few statements whose spelling differs between SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession


def dialect_insert(bound: AsyncSession | AsyncConnection) -> Any:
    """The INSERT construct with ON CONFLICT for the database behind a session or connection."""
    engine = bound.bind if isinstance(bound, AsyncSession) else bound
    is_postgresql = engine is not None and engine.dialect.name == "postgresql"
    return postgresql.insert if is_postgresql else sqlite.insert


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
