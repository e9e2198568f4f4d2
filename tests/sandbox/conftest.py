"""Fixtures for the Bot API emulator tests: a running emulator and a real PTB Bot."""

from __future__ import annotations

import datetime as dtm
from collections.abc import AsyncIterator, Callable

import pytest
import pytest_asyncio
from telegram import Bot
from telegram.request import HTTPXRequest

from sandbox.emulator import BotApiEmulator

TOKEN = "123456:TEST-token"
PARENT_ID = 1001
STRANGER_ID = 1002


@pytest_asyncio.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    """A started emulator with one parent who pressed Start and one who never did."""
    async with BotApiEmulator(token=TOKEN, seed=1234) as running:
        running.add_user(user_id=PARENT_ID, first_name="Anna", language_code="pl")
        running.add_user(user_id=STRANGER_ID, first_name="Bob")
        await running.send_text(user_id=PARENT_ID, text="/start")
        yield running


def _make_bot(emulator: BotApiEmulator, *, pool_size: int = 8) -> Bot:
    """A real python-telegram-bot Bot pointed at the emulator."""
    return Bot(
        TOKEN,
        base_url=f"{emulator.url}/bot",
        base_file_url=emulator.file_url,
        request=HTTPXRequest(connection_pool_size=pool_size, read_timeout=10),
        get_updates_request=HTTPXRequest(read_timeout=10),
    )


@pytest_asyncio.fixture
async def bot(emulator: BotApiEmulator) -> AsyncIterator[Bot]:
    """An initialized PTB Bot talking to the emulator."""
    async with _make_bot(emulator) as ptb_bot:
        yield ptb_bot


@pytest.fixture
def bot_factory() -> Callable[..., Bot]:
    """Build extra PTB Bots (e.g. with a bigger connection pool for concurrent sends)."""
    return _make_bot


def _retry_after_seconds(value: int | dtm.timedelta) -> int:
    if isinstance(value, dtm.timedelta):
        return int(value.total_seconds())
    return int(value)


@pytest.fixture
def retry_after_seconds() -> Callable[[int | dtm.timedelta], int]:
    """Normalise PTB's RetryAfter.retry_after (int or timedelta depending on PTB settings)."""
    return _retry_after_seconds
