"""The live migrated schema as the database itself reports it, and every value stored in it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import MetaData, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeEngine

from db.engine import Database


@dataclass(frozen=True)
class LiveColumn:
    """One column of one table, with the type the database reports."""

    table: str
    column: str
    type: TypeEngine

    @property
    def key(self) -> str:
        """table.column, as services/privacy/columns.py names it."""
        return f"{self.table}.{self.column}"


def _columns(connection: Connection) -> list[LiveColumn]:
    inspector = inspect(connection)
    return [
        LiveColumn(table, column["name"], column["type"])
        for table in sorted(inspector.get_table_names())
        for column in inspector.get_columns(table)
    ]


async def live_columns(database: Database) -> list[LiveColumn]:
    """Every column of every table in the database (not the models: what migrations actually made)."""
    async with database.engine.connect() as connection:
        return await connection.run_sync(_columns)


async def every_stored_value(database: Database) -> list[tuple[str, str, str]]:
    """Every non-null value in every column of every table, as text: (table, column, value)."""
    metadata = MetaData()
    async with database.engine.connect() as connection:
        await connection.run_sync(metadata.reflect)
        found = []
        for table in metadata.sorted_tables:
            for row in (await connection.execute(select(table))).mappings():
                for column, value in row.items():
                    if value is None:
                        continue
                    shown = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                    found.append((table.name, str(column), shown))
    return found
