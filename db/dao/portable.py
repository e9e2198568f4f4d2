"""The few statements whose spelling differs between SQLite and PostgreSQL."""

from __future__ import annotations

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
