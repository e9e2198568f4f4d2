"""Webhook updates recorded on arrival: once per update id, taken in order per chat, forgotten after handling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from db.dao.incoming_updates import (
    chat_update_lock,
    delete_handled_updates,
    fetch_chats_with_unhandled_updates,
    fetch_next_unhandled_update,
    mark_update_handled,
    save_incoming_update,
)
from db.engine import Database

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


async def _save(database: Database, *, update_id: int, chat_id: int, received_at: datetime = NOW) -> bool:
    async with database.transaction() as session:
        return await save_incoming_update(
            session, update_id=update_id, chat_id=chat_id, payload=f'{{"update_id": {update_id}}}',
            received_at=received_at,
        )


async def test_a_chats_updates_are_taken_lowest_id_first_and_a_redelivery_changes_nothing(database: Database) -> None:
    assert await _save(database, update_id=3, chat_id=70) is True
    assert await _save(database, update_id=2, chat_id=70) is True  # arrived late, still comes first
    assert await _save(database, update_id=9, chat_id=71, received_at=NOW + timedelta(seconds=30)) is True
    assert await _save(database, update_id=2, chat_id=70, received_at=NOW + timedelta(hours=1)) is False
    taken = []
    async with database.transaction() as session:
        assert await fetch_chats_with_unhandled_updates(session, received_before=NOW + timedelta(seconds=1)) == [70]
    while True:
        async with database.transaction() as session:
            row = await fetch_next_unhandled_update(session, chat_id=70)
            if row is None:
                break
            taken.append((row.update_id, row.received_at))
            await mark_update_handled(session, update_id=row.update_id, handled_at=NOW + timedelta(minutes=1))
    assert taken == [(2, NOW), (3, NOW)]
    async with database.transaction() as session:
        assert await fetch_chats_with_unhandled_updates(session, received_before=NOW + timedelta(hours=2)) == [71]
        assert await delete_handled_updates(session, handled_before=NOW + timedelta(seconds=59)) == 0
        assert await delete_handled_updates(session, handled_before=NOW + timedelta(minutes=2)) == 2
        assert await fetch_next_unhandled_update(session, chat_id=71) is not None  # unhandled rows stay


@pytest.mark.parametrize("database_template", ["postgresql"], indirect=True)  # advisory locks are PostgreSQL's
async def test_one_holder_at_a_time_for_a_chats_lock(database_url: str) -> None:
    database, other_replica = Database(database_url), Database(database_url)
    try:
        async with chat_update_lock(database, chat_id=70) as is_first_got:
            async with chat_update_lock(other_replica, chat_id=70) as is_second_got:
                async with chat_update_lock(other_replica, chat_id=71) as is_other_chat_got:
                    assert (is_first_got, is_second_got, is_other_chat_got) == (True, False, True)
        async with chat_update_lock(other_replica, chat_id=70) as is_got_after_release:
            assert is_got_after_release
    finally:
        await database.dispose()
        await other_replica.dispose()
