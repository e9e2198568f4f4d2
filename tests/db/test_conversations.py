"""Conversation state: versions guard against a second replica or a double press writing over each other."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from sqlmodel import col

from db.dao.carers.conversations import (
    StaleConversationError,
    fetch_conversation,
    remember_conversation_as_found,
    reset_conversation,
    save_conversation,
)
from db.engine import Database
from db.models import ConversationState

NOW = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


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


async def test_the_conversation_an_update_found_is_used_until_it_writes_it(database: Database) -> None:
    async with database.transaction() as session:
        await save_conversation(session, chat_id=8, state="feedback_text", data={"topic": "journey"}, expected_version=0, now=NOW)
    remember_conversation_as_found(chat_id=8, state="feedback_text", data={"topic": "journey"}, version=1)
    # Another process moves the chat on: this update still sees what it found (its writes check the version).
    async with database.transaction() as session:
        await session.exec(update(ConversationState).where(col(ConversationState.chat_id) == 8).values(state="elsewhere"))
    async with database.transaction() as session:
        found = await fetch_conversation(session, chat_id=8)
        assert found is not None and (found.state, found.version, found.data) == ("feedback_text", 1, {"topic": "journey"})
        assert await fetch_conversation(session, chat_id=9) is None, "another chat is read from the database"

    async def in_another_task() -> str | None:
        async with database.transaction() as session:
            other = await fetch_conversation(session, chat_id=8)
        return other.state if other else None

    assert await asyncio.create_task(in_another_task()) == "elsewhere", "only the update's own task uses what it found"
    async with database.transaction() as session:
        assert await save_conversation(session, chat_id=8, state="idle", data={}, expected_version=1, now=NOW) == 2
    async with database.transaction() as session:
        after = await fetch_conversation(session, chat_id=8)
        assert after is not None and (after.state, after.version) == ("idle", 2), "a write forgets what was found"


async def test_a_chat_found_without_a_conversation_reads_none_until_one_is_saved(database: Database) -> None:
    remember_conversation_as_found(chat_id=10, state=None, data={}, version=0)
    async with database.transaction() as session:
        assert await fetch_conversation(session, chat_id=10) is None
        await save_conversation(session, chat_id=10, state="awaiting_code", data={}, expected_version=0, now=NOW)
        saved = await fetch_conversation(session, chat_id=10)
        assert saved is not None and saved.state == "awaiting_code"
