"""Bulk inserts for generated demo and benchmark data: many rows per statement (or COPY), ids back in order."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC
from typing import Any

from sqlalchemy import JSON, Date, DateTime, func, insert
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models.transport import Child

BATCH_ROWS = 2_000
COPY_BATCH_ROWS = 20_000
JSON_MEMO_SIZE = 4_096
_JSON_MEMO: dict[str, str] = {}


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


def _sqlite_converter(column_type: Any) -> Callable[[Any], Any] | None:
    """How a value is stored by SQLAlchemy's SQLite types, so raw rows read back as if the ORM had written them."""
    kind = getattr(column_type, "impl", column_type)
    if isinstance(kind, DateTime):
        # 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC, as SQLAlchemy's SQLite DATETIME writes it (isoformat is C, strftime is not).
        return lambda value: None if value is None else value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    if isinstance(kind, Date):
        return lambda value: None if value is None else value.isoformat()
    if isinstance(kind, JSON):
        return _json_text
    return None


def _json_text(value: Any) -> str | None:
    """JSON text of a value; generated rows repeat a few dozen lists of strings, so each is encoded once."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return json.dumps(value)
    key = "\x1f".join(value) + f"\x1e{len(value)}"
    text = _JSON_MEMO.get(key)
    if text is None:
        text = json.dumps(value)
        if len(_JSON_MEMO) < JSON_MEMO_SIZE:
            _JSON_MEMO[key] = text
    return text


async def copy_rows(session: AsyncSession, *, model: type[SQLModel], columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
    """Load generated rows as fast as the database takes them: COPY on PostgreSQL, one prepared executemany on SQLite.

    Rows are tuples in `columns` order with Python values (aware datetimes, lists for JSON); columns not given take
    their constant defaults (not computed ones). When ids are given, PostgreSQL's id sequence is moved past them.
    """
    table = model.__table__  # type: ignore[attr-defined]
    defaults = [(column.name, column.default.arg) for column in table.columns
                if column.name not in columns and column.default is not None and column.default.is_scalar]
    if defaults:
        columns = (*columns, *(name for name, _ in defaults))
        tail = tuple(value for _, value in defaults)
        rows = (row + tail for row in rows)
    connection = await session.connection()
    json_columns = {index for index, name in enumerate(columns) if isinstance(table.c[name].type, JSON)}
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        driver = (await connection.get_raw_connection()).driver_connection  # asyncpg, for COPY
        records = ([_json_text(value) if index in json_columns else value
                    for index, value in enumerate(row)] for row in rows) if json_columns else rows
        loaded = 0
        batch: list[Any] = []
        for record in records:
            batch.append(record)
            if len(batch) >= COPY_BATCH_ROWS:
                await driver.copy_records_to_table(table.name, records=batch, columns=list(columns))
                loaded, batch = loaded + len(batch), []
        if batch:
            await driver.copy_records_to_table(table.name, records=batch, columns=list(columns))
            loaded += len(batch)
        if "id" in columns:
            await driver.execute(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), (SELECT max(id) FROM {table.name}))"
            )
        return loaded
    converters = [_sqlite_converter(table.c[name].type) for name in columns]
    statement = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    converted = [tuple(value if convert is None else convert(value) for value, convert in zip(row, converters, strict=True))
                 for row in rows]
    if converted:
        await connection.exec_driver_sql(statement, converted)  # one prepared statement, executemany
    return len(converted)


async def vacuum_and_analyze(engine: AsyncEngine) -> None:
    """PostgreSQL after a bulk load: what autovacuum does in a while (visibility map for index-only scans, statistics)."""
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.exec_driver_sql("VACUUM ANALYZE")
