"""Recording a group of arrivals at once: redeliveries found, words kept only with consent, each chat's turn read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from db.dao.carers.conversations import save_conversation
from db.dao.delivery.message_log import InboundRow, fetch_messages_for_chat
from db.engine import Database
from db.models import OperatorChat
from services.carers.arrivals import Arrival, record_arrivals
from services.carers.conversations import Step, ThrottleDecision
from tests.support.factories import make_carer, make_operator

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def _arrival(update_id: int, chat_id: int, text: str | None = "hello", *, opens_turn: bool = True) -> Arrival:
    row = InboundRow(update_id=update_id, chat_id=chat_id, kind="text", text=text, telegram_message_id=update_id)
    return Arrival(row=row, turn_chat_id=chat_id if opens_turn else None)


async def _record(database: Database, arrivals: list[Arrival], *, now: datetime = NOW, max_updates: int = 3):
    async with database.transaction() as session:
        return await record_arrivals(session, arrivals=arrivals, now=now, max_updates=max_updates, window_s=60)


async def test_a_group_reads_each_chats_carer_and_state_and_keeps_words_only_with_consent(database: Database) -> None:
    async with database.transaction() as session:
        consenting = await make_carer(session, chat_id=501)
        await make_carer(session, chat_id=502, has_consent=False)
        await save_conversation(session, chat_id=501, state=Step.FEEDBACK_TEXT, data={"topic": "journey"},
                                expected_version=0, now=NOW)
    records = await _record(database, [_arrival(1, 501), _arrival(2, 502), _arrival(3, 503)])

    assert [record.is_new for record in records] == [True, True, True]
    first, second, stranger = (record.opening for record in records)
    assert first is not None and first.chat.carer is not None and first.chat.carer.id == consenting.id
    assert (first.chat.step, first.chat.data, first.chat.version) == (Step.FEEDBACK_TEXT, {"topic": "journey"}, 1)
    assert second is not None and second.chat.carer is not None and not second.chat.has_consent
    assert stranger is not None and stranger.chat.carer is None and stranger.chat.step == Step.IDLE
    assert all(opening.decision == ThrottleDecision.ALLOW for opening in (first, second, stranger))
    async with database.transaction() as session:
        kept = {chat_id: [m.text for m in await fetch_messages_for_chat(session, chat_id=chat_id)] for chat_id in (501, 502, 503)}
    assert kept == {501: ["hello"], 502: [None], 503: [None]}


async def test_redeliveries_in_a_group_are_not_new_and_open_no_turn(database: Database) -> None:
    await _record(database, [_arrival(10, 601)])
    records = await _record(database, [_arrival(10, 601), _arrival(11, 602)])
    assert [(record.is_new, record.opening is not None) for record in records] == [(False, False), (True, True)]


async def test_updates_without_a_turn_are_recorded_and_counted_nowhere(database: Database) -> None:
    records = await _record(database, [_arrival(20, 701, opens_turn=False)])
    assert records[0].is_new and records[0].opening is None
    async with database.transaction() as session:
        assert len(await fetch_messages_for_chat(session, chat_id=701)) == 1


async def test_each_group_counts_once_per_chat_in_its_flood_window(database: Database) -> None:
    decisions = []
    for update_id in range(30, 36):
        records = await _record(database, [_arrival(update_id, 801), _arrival(update_id + 100, 802)], max_updates=3)
        decisions.append(tuple(record.opening.decision for record in records if record.opening is not None))
    allow, warn, silent = ThrottleDecision.ALLOW, ThrottleDecision.WARN, ThrottleDecision.SILENT
    assert decisions == [(allow, allow)] * 3 + [(warn, warn), (silent, silent), (silent, silent)]
    later = await _record(database, [_arrival(90, 801)], now=NOW + timedelta(seconds=61))
    assert later[0].opening is not None and later[0].opening.decision == allow


async def test_a_chat_may_open_only_one_turn_per_group(database: Database) -> None:
    with pytest.raises(ValueError, match="one turn"):
        await _record(database, [_arrival(40, 901), _arrival(41, 901)])
    async with database.transaction() as session:
        assert await fetch_messages_for_chat(session, chat_id=901) == []


async def test_a_chat_without_a_carer_is_read_as_an_operator_chat_or_not(database: Database) -> None:
    async with database.transaction() as session:
        operator = await make_operator(session)
        assert operator.id is not None
        session.add(OperatorChat(operator_id=operator.id, chat_id=1001))
        await make_carer(session, chat_id=1003)
    records = await _record(database, [_arrival(50, 1001), _arrival(51, 1002), _arrival(52, 1003)])
    found = [record.opening.chat.is_operator_chat for record in records if record.opening is not None]
    assert found == [True, False, None], "a carer's chat is never an operator chat, so it is not looked up"


async def test_groups_of_any_size_make_the_same_statements(database: Database) -> None:
    """Carers, states, then the write (no operator chats: every chat has a carer): on PostgreSQL three statements
    a group, the same three texts for 1 to 6 chats, so each connection prepares them once; on SQLite the write
    is two statements (the log, then the flood counts)."""
    async with database.transaction() as session:
        for chat_id in range(1100, 1106):
            await make_carer(session, chat_id=chat_id)
    statements: list[str] = []

    def _seen(_connection: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", _seen)
    try:
        for size in range(1, 7):
            await _record(database, [_arrival(2000 + size * 10 + index, 1100 + index) for index in range(size)])
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", _seen)

    if database.is_sqlite:  # SQLite's IN and VALUES lists are spelled per size; it prepares nothing ahead
        assert len(statements) == 4 * 6
    else:
        assert len(statements) == 3 * 6
        assert len(set(statements)) == 3
        assert statements[-1].lstrip().startswith("WITH logged AS")
