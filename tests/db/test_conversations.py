"""Conversation state: versions guard against a second replica or a double press writing over each other."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from db.dao.carers.conversations import StaleConversationError, fetch_conversation, reset_conversation, save_conversation
from db.engine import Database

NOW = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


async def test_versions_go_up_and_stale_writes_are_refused(database: Database) -> None:
    async with database.transaction() as session:
        assert await save_conversation(session, chat_id=7, state="awaiting_code", data={"a": 1}, expected_version=0, now=NOW) == 1
    with pytest.raises(StaleConversationError):
        async with database.transaction() as session:
            await save_conversation(session, chat_id=7, state="x", data={}, expected_version=0, now=NOW)
    with pytest.raises(StaleConversationError):
        async with database.transaction() as session:
            await save_conversation(session, chat_id=7, state="x", data={}, expected_version=5, now=NOW)
    async with database.transaction() as session:
        assert await save_conversation(session, chat_id=7, state="confirm_erase", data={}, expected_version=1, now=NOW) == 2
    async with database.transaction() as session:
        state = await fetch_conversation(session, chat_id=7)
        assert state is not None and (state.state, state.version) == ("confirm_erase", 2)
        assert await reset_conversation(session, chat_id=7, now=NOW) == 3
        assert await reset_conversation(session, chat_id=7, now=NOW) == 3  # already idle: nothing to change
