"""Migrated template databases, copied fresh for every test, on SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools
import shutil
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from db.migrate import upgrade_database
from tests.support.postgres import TemporaryPostgres

TEMPLATE_NAME = "carerline_template"
_counter = itertools.count(1)


@dataclass
class SqliteTemplate:
    """A migrated SQLite file; each test gets a copy."""

    path: Path

    @classmethod
    def create(cls, folder: Path) -> "SqliteTemplate":
        path = folder / "template.db"
        upgrade_database(database_url=f"sqlite+aiosqlite:///{path}")
        return cls(path)

    async def fresh_database(self, *, folder: Path) -> str:
        target = folder / f"test-{next(_counter)}.db"
        shutil.copyfile(self.path, target)
        return f"sqlite+aiosqlite:///{target}"

    async def drop(self, database_url: str) -> None:
        """Nothing to do: the file lives in the test's tmp_path."""


@dataclass
class PostgresTemplate:
    """A migrated PostgreSQL database; each test gets CREATE DATABASE ... TEMPLATE it."""

    server: TemporaryPostgres

    @classmethod
    async def create(cls, server: TemporaryPostgres) -> "PostgresTemplate":
        connection = await asyncpg.connect(host="127.0.0.1", port=server.port, user="carerline", database="postgres")
        try:
            await connection.execute(f'CREATE DATABASE "{TEMPLATE_NAME}"')
        finally:
            await connection.close()
        return cls(server)

    def migrate(self) -> None:
        upgrade_database(database_url=self.server.url(TEMPLATE_NAME))

    async def fresh_database(self, *, folder: Path) -> str:
        name = f"test_{next(_counter)}"
        connection = await self._admin()
        try:
            await connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE_NAME}"')
        finally:
            await connection.close()
        return self.server.url(name)

    async def drop(self, database_url: str) -> None:
        name = database_url.rsplit("/", 1)[1]
        connection = await self._admin()
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()

    async def _admin(self) -> asyncpg.Connection:
        return await asyncpg.connect(host="127.0.0.1", port=self.server.port, user="carerline", database="postgres")
