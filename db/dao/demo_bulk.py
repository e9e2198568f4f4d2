"""Bulk inserts for generated demo data (the sandbox's demo year): many rows per statement, ids back in order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models.transport import Child

BATCH_ROWS = 2_000


async def save_rows_returning_ids(session: AsyncSession, *, model: type[SQLModel], rows: Sequence[dict[str, Any]]) -> list[int]:
    """INSERT many rows (executemany with RETURNING, in parameter order); their new ids."""
    ids: list[int] = []
    table = model.__table__  # type: ignore[attr-defined]
    for start in range(0, len(rows), BATCH_ROWS):
        batch = rows[start:start + BATCH_ROWS]
        result = await session.exec(insert(table).returning(table.c.id, sort_by_parameter_order=True), params=list(batch))
        ids.extend(int(row_id) for (row_id,) in result.all())
    return ids


async def save_rows(session: AsyncSession, *, model: type[SQLModel], rows: Sequence[dict[str, Any]]) -> None:
    """INSERT many rows without reading ids back."""
    table = model.__table__  # type: ignore[attr-defined]
    for start in range(0, len(rows), BATCH_ROWS):
        await session.exec(insert(table), params=list(rows[start:start + BATCH_ROWS]))


async def count_children_with_reference_prefix(session: AsyncSession, *, prefix: str) -> int:
    """How many children's council references start with the prefix (has this demo year been made?)."""
    result = await session.exec(select(func.count()).select_from(Child).where(col(Child.council_reference).startswith(prefix)))
    return int(result.one())
