"""Alembic is the only way the schema is made: the migrations must build exactly the models."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

import db.models  # noqa: F401 - registers every table
from db.migrate import current_revision, sync_database_url, upgrade_database


def _differences(database_url: str) -> list[object]:
    engine = create_engine(sync_database_url(database_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, SQLModel.metadata))
    finally:
        engine.dispose()


def _tables(database_url: str) -> set[str]:
    engine = create_engine(sync_database_url(database_url))
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    assert await asyncio.to_thread(_differences, database_url) == []


async def test_every_model_table_exists_after_upgrade(database_url: str) -> None:
    tables = await asyncio.to_thread(_tables, database_url)
    assert set(SQLModel.metadata.tables) <= tables
    assert "alembic_version" in tables


async def test_upgrade_is_idempotent(database_url: str) -> None:
    before = await asyncio.to_thread(current_revision, database_url=database_url)
    await asyncio.to_thread(upgrade_database, database_url=database_url)
    assert await asyncio.to_thread(current_revision, database_url=database_url) == before
