"""Fixtures for service tests: the real database on each backend, a local SMTP server, an emulator group."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from telegram import Bot

from sandbox.emulator import BotApiEmulator
from tests.conftest import TEST_TOKEN
from tests.support.casework import LocalSmtpServer

DUTY_GROUP_CHAT_ID = -1001234567890
STAFF_BASE_URL = "https://carerline.example.kent.gov.uk"


@pytest.fixture
def smtp_server() -> Iterator[LocalSmtpServer]:
    """A real SMTP server (aiosmtpd) on localhost that keeps every email."""
    server = LocalSmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def duty_bot(emulator: BotApiEmulator) -> AsyncIterator[Bot]:
    """The real PTB Bot talking to the emulator, which has the duty officers' group."""
    emulator.add_group(chat_id=DUTY_GROUP_CHAT_ID, title="Transport duty officers")
    async with Bot(token=TEST_TOKEN, base_url=f"{emulator.url}/bot") as bot:
        yield bot
    rejected = dict(emulator.stats.rejected_by_code)
    assert not rejected, f"the emulator rejected requests: {rejected}"
