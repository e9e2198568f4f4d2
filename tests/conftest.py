"""Fixtures every layer shares: a real database on each backend, the emulator, a running service."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from carerline.service import CarerlineService
from core.settings import Settings
from db.engine import Database
from tests.support.databases import PostgresTemplate, SqliteTemplate
from tests.support.postgres import TemporaryPostgres, free_port
from tests.support.staff import SettableClock, StaffWeb, running_staff_web

if TYPE_CHECKING:
    from sandbox.emulator import BotApiEmulator

TEST_TOKEN = "123456:TEST-token-for-carerline-tests"
# Both by default; CARERLINE_TEST_BACKENDS=sqlite narrows a local run while developing.
BACKENDS = [name for name in os.environ.get("CARERLINE_TEST_BACKENDS", "sqlite,postgresql").split(",") if name]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[TemporaryPostgres]:
    """One real PostgreSQL server for the whole run; failing to start it fails the tests."""
    server = TemporaryPostgres()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session", params=BACKENDS)
def database_template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> SqliteTemplate | PostgresTemplate:
    """A database migrated once per backend by Alembic, the only way our schema is made."""
    if request.param == "sqlite":
        return SqliteTemplate.create(tmp_path_factory.mktemp("sqlite-template"))
    server: TemporaryPostgres = request.getfixturevalue("postgres_server")
    template = asyncio.run(PostgresTemplate.create(server))
    template.migrate()
    return template


@pytest.fixture
async def database_url(
    database_template: SqliteTemplate | PostgresTemplate, tmp_path: Path
) -> AsyncIterator[str]:
    """A fresh, migrated database for one test."""
    url = await database_template.fresh_database(folder=tmp_path)
    yield url
    await database_template.drop(url)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """This test's database, for arranging data and checking what was kept (room for concurrent work)."""
    opened = Database(database_url, pool_size=12)
    yield opened
    await opened.dispose()


@pytest.fixture
async def emulator() -> AsyncIterator["BotApiEmulator"]:
    """The Telegram Bot API emulator on a free localhost port."""
    from sandbox.emulator import BotApiEmulator

    async with BotApiEmulator(token=TEST_TOKEN, bot_username="CarerlineTestBot") as running:
        yield running


def make_settings(*, database_url: str, emulator: "BotApiEmulator", **overrides: object) -> Settings:
    """Settings for a service under test; nothing is read from the developer's environment."""
    values: dict[str, object] = {
        "database_url": database_url,
        "bot_token": TEST_TOKEN,
        "bot_api_url": emulator.url,
        "public_url": None,
        "http_host": "127.0.0.1",
        "http_port": free_port(),
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
async def service(database_url: str, emulator: "BotApiEmulator") -> AsyncIterator[CarerlineService]:
    """The whole service, long-polling the emulator, on this test's database."""
    running = CarerlineService(settings=make_settings(database_url=database_url, emulator=emulator))
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
def clock() -> SettableClock:
    """The app's clock; tests move it instead of sleeping."""
    return SettableClock()


@pytest.fixture
async def staff_web(database_url: str, clock: SettableClock) -> AsyncIterator[StaffWeb]:
    """The staff pages and API on a free port, over this test's database."""
    async with running_staff_web(database_url=database_url, clock=clock) as running:
        yield running
