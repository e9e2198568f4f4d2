"""Opening the menu: a half-finished step reset and the linked children counted (one statement on PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from db.dao.carers.conversations import (
    StaleConversationError,
    fetch_conversation,
    remember_conversation_as_found,
    save_conversation,
)
from db.dao.carers.menu_opening import reset_counting_children
from db.engine import Database
from tests.support.factories import make_carer, make_child

CHAT_ID = 5_560_001
NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


async def _carer_with_two_children(database: Database, *, step: str, data: dict[str, object]) -> tuple[int, int]:
    async with database.transaction() as session:
        children = [await make_child(session, display_name=name) for name in ("Sam", "Ola")]
        carer = await make_carer(session, chat_id=CHAT_ID, children=children)
        version = await save_conversation(session, chat_id=CHAT_ID, state=step, data=data, expected_version=0, now=NOW)
    assert carer.id is not None
    return carer.id, version


async def _conversation(database: Database) -> tuple[str, dict[str, object], int]:
    async with database.transaction() as session:
        conversation = await fetch_conversation(session, chat_id=CHAT_ID)
    assert conversation is not None
    return conversation.state, conversation.data, conversation.version


async def test_a_half_finished_step_is_left_and_the_children_counted(database: Database) -> None:
    carer_id, version = await _carer_with_two_children(database, step="feedback_rating", data={"topic": "journey"})

    async with database.single_write() as session:  # one write, last: PostgreSQL's reset returns the count
        children = await reset_counting_children(session, chat_id=CHAT_ID, carer_id=carer_id, now=NOW)

    assert children == 2
    assert await _conversation(database) == ("idle", {}, version + 1)


async def test_an_idle_chat_is_only_counted(database: Database) -> None:
    carer_id, version = await _carer_with_two_children(database, step="idle", data={})

    async with database.single_write() as session:
        children = await reset_counting_children(session, chat_id=CHAT_ID, carer_id=carer_id, now=NOW)

    assert children == 2
    assert await _conversation(database) == ("idle", {}, version)


async def test_a_chat_that_moved_on_meanwhile_is_not_reset(database: Database) -> None:
    carer_id, version = await _carer_with_two_children(database, step="feedback_rating", data={"topic": "journey"})

    # Another replica moves the chat on after this update found it mid-step.
    async with database.transaction() as elsewhere:
        await save_conversation(elsewhere, chat_id=CHAT_ID, state="feedback_text", data={}, expected_version=version, now=NOW)
    remember_conversation_as_found(chat_id=CHAT_ID, state="feedback_rating", data={"topic": "journey"}, version=version)

    with pytest.raises(StaleConversationError):
        async with database.single_write() as session:
            await reset_counting_children(session, chat_id=CHAT_ID, carer_id=carer_id, now=NOW)

    assert await _conversation(database) == ("feedback_text", {}, version + 1)
