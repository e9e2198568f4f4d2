"""A new family's first consent: carer, consent event and the chat's move, all or nothing (one statement on PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from db.dao.carers.conversations import (
    StaleConversationError,
    fetch_conversation,
    save_conversation,
)
from db.dao.carers.first_consent import record_first_consent
from db.dao.portable import writes_in_one_statement
from db.engine import Database
from db.models import Carer, ConsentEvent, ConsentEventKind

CHAT_ID = 5_550_001
NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
NOTICE_VERSION = "2026-09"


async def _waiting_for_consent(database: Database) -> int:
    async with database.transaction() as session:
        return await save_conversation(
            session, chat_id=CHAT_ID, state="awaiting_consent", data={"code": None}, expected_version=0, now=NOW
        )


async def _record(database: Database, *, expected_version: int) -> int:
    block = database.single_write() if writes_in_one_statement(database) else database.transaction()
    async with block as session:
        return await record_first_consent(
            session, chat_id=CHAT_ID, first_name="Sam <b>", language="pl", notice_version=NOTICE_VERSION, now=NOW,
            expected_version=expected_version, step="awaiting_code",
        )


async def test_the_carer_the_event_and_the_move_are_written_together(database: Database) -> None:
    version = await _waiting_for_consent(database)

    carer_id = await _record(database, expected_version=version)

    async with database.transaction() as session:
        carer = (await session.exec(select(Carer).where(Carer.id == carer_id))).one()
        events = (await session.exec(select(ConsentEvent).where(ConsentEvent.carer_id == carer_id))).all()
        conversation = await fetch_conversation(session, chat_id=CHAT_ID)
    assert (carer.chat_id, carer.first_name, carer.language) == (CHAT_ID, "Sam <b>", "pl")
    assert (carer.consent_notice_version, carer.consent_given_at, carer.created_at) == (NOTICE_VERSION, NOW, NOW)
    assert carer.pseudonym and carer.muted_update_kinds == [] and carer.consent_withdrawn_at is None
    assert [(event.kind, event.notice_version, event.occurred_at) for event in events] == [
        (ConsentEventKind.GIVEN, NOTICE_VERSION, NOW)
    ]
    assert conversation is not None
    assert (conversation.state, conversation.data, conversation.version) == ("awaiting_code", {}, version + 1)


async def test_a_chat_that_moved_on_gets_no_carer_and_no_event(database: Database) -> None:
    version = await _waiting_for_consent(database)

    with pytest.raises(StaleConversationError):
        await _record(database, expected_version=version - 1)

    async with database.transaction() as session:
        carers = (await session.exec(select(Carer).where(col(Carer.chat_id) == CHAT_ID))).all()
        events = (await session.exec(select(ConsentEvent))).all()
        conversation = await fetch_conversation(session, chat_id=CHAT_ID)
    assert carers == [] and events == []
    assert conversation is not None and (conversation.state, conversation.version) == ("awaiting_consent", version)


async def test_on_postgresql_it_is_one_statement_committed_as_it_runs(database: Database) -> None:
    # Database.single_write refuses any statement after a write: three writes could not pass it.
    assert writes_in_one_statement(database) == (not database.is_sqlite)
    if database.is_sqlite:
        return
    version = await _waiting_for_consent(database)
    async with database.single_write() as session:
        carer_id = await record_first_consent(
            session, chat_id=CHAT_ID, first_name="Sam", language="en", notice_version=NOTICE_VERSION, now=NOW,
            expected_version=version, step="awaiting_code",
        )
        async with database.transaction() as elsewhere:
            seen = (await elsewhere.exec(select(Carer.id).where(Carer.chat_id == CHAT_ID))).all()
    assert seen == [carer_id]
