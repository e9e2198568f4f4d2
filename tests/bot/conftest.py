"""Fixtures for driving the bot end to end: the emulator as parents use it, a running service, real data."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest

from carerline.service import CarerlineService
from db.engine import Database
from db.models import Child
from sandbox.emulator import BotApiEmulator
from services.carers.codes import IssuedCode
from tests.conftest import TEST_TOKEN, make_settings
from tests.support.factories import make_child, make_linking_code, make_route


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    """The emulator without its 1-message-per-second cap per chat: a test taps faster than any parent,
    and one reply per tap is what Telegram tolerates in a conversation (the cap matters for bulk sends)."""
    async with BotApiEmulator(token=TEST_TOKEN, bot_username="CarerlineTestBot", per_chat_rate_per_s=None) as running:
        yield running


@pytest.fixture(autouse=True)
def no_rejected_requests(emulator: BotApiEmulator) -> Iterator[None]:
    """Every test: the emulator (which validates HTML like Telegram) never answered us 400 or 429,
    and no message left a parent at a dead end (each has buttons to go on with)."""
    yield
    rejected = dict(emulator.stats.rejected_by_code)
    assert rejected.get(400, 0) == 0 and rejected.get(429, 0) == 0, f"the emulator rejected requests: {rejected}"
    dead_ends = [
        (message.chat_id, message.text or message.caption)
        for chat_id in list(emulator.state.chat_messages)
        if chat_id > 0  # parents' private chats; staff groups (duty alerts) are not conversations
        for message in emulator.bot_messages(chat_id=chat_id)
        if not message.inline_keyboard
    ]
    assert dead_ends == [], "messages without a way on"


# Tests tap far faster than people; the flood test sets its own, realistic limit.
UNTHROTTLED = {"chat_flood_max_updates": 10_000}


@pytest.fixture
async def service(database_url: str, emulator: BotApiEmulator) -> AsyncIterator[CarerlineService]:
    """The whole service on this test's database, with the flood throttle out of the way."""
    running = CarerlineService(settings=make_settings(database_url=database_url, emulator=emulator, **UNTHROTTLED))
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def start_service(
    database_url: str, emulator: BotApiEmulator
) -> AsyncIterator[Callable[..., Awaitable[CarerlineService]]]:
    """Start services on this test's database (one after another, for restarts); all are stopped at the end."""
    started: list[CarerlineService] = []

    async def start(**overrides: object) -> CarerlineService:
        settings = make_settings(database_url=database_url, emulator=emulator, **{**UNTHROTTLED, **overrides})
        service = CarerlineService(settings=settings)
        await service.start()
        started.append(service)
        return service

    yield start
    for service in reversed(started):
        await service.stop()


@pytest.fixture
def issue_code(database: Database) -> Callable[..., Awaitable[tuple[Child, IssuedCode]]]:
    """Make a child on a route and issue a linking code for them."""

    async def issue(*, display_name: str = "Sam", child: Child | None = None, **options: object) -> tuple[Child, IssuedCode]:
        async with database.transaction() as session:
            if child is None:
                route = await make_route(session)
                child = await make_child(session, route=route, display_name=display_name)
            issued = await make_linking_code(session, child=child, **options)  # type: ignore[arg-type]
        return child, issued

    return issue
