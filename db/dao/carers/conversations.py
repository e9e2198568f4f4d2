"""Data access for conversation state and the per-chat flood throttle."""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.portable import built_among_chats, built_per_dialect, dialect_insert
from db.models import ChatThrottle, ConversationState
from db.models.conversations import IDLE
from db.single_write import execute_statement


class StaleConversationError(Exception):
    """The conversation changed since it was read (a second replica, or a double press)."""


@dataclass
class _FoundConversation:
    """One chat's conversation as the current update found it, until the update writes it (or its task ends)."""

    task: asyncio.Task[Any] | None
    chat_id: int
    state: str | None  # None: the chat had no conversation row
    data: dict[str, Any] = field(default_factory=dict)
    version: int = 0
    is_current: bool = True


@dataclass(frozen=True)
class ConversationRow:
    """A chat's conversation state as read. Not an ORM object: a turn reads it several times and changes it only
    through `save_conversation`, and building a table model cost about 30 µs a read."""

    chat_id: int
    state: str
    data: dict[str, Any]
    version: int


_FOUND: ContextVar[_FoundConversation | None] = ContextVar("found_conversation", default=None)


def remember_conversation_as_found(*, chat_id: int, state: str | None, data: dict[str, Any], version: int) -> None:
    """This update read the chat's conversation at its start (state None: no row); later reads in the same task
    use it instead of the database until anything writes that chat's conversation.

    Safe because a chat's updates never run at once (one at a time per chat in a process, and under the chat's
    lock across replicas), and every write below forgets it; writes still check the version they expect.
    """
    _FOUND.set(_FoundConversation(task=asyncio.current_task(), chat_id=chat_id, state=state, data=dict(data), version=version))


def forget_found_conversation(chat_id: int) -> None:
    """Something is about to write the chat's conversation: read it from the database from now on."""
    found = _FOUND.get()
    if found is not None and found.chat_id == chat_id:
        found.is_current = False


def _found_for(chat_id: int) -> _FoundConversation | None:
    found = _FOUND.get()
    if found is None or not found.is_current or found.chat_id != chat_id or found.task is not asyncio.current_task():
        return None
    return found


_CONVERSATIONS = ConversationState.__table__  # type: ignore[attr-defined]
_THROTTLES = ChatThrottle.__table__  # type: ignore[attr-defined]
# Built once and reused with parameters (db/dao/portable.py: built_per_dialect says why).
_CONVERSATION_COLUMNS = (_CONVERSATIONS.c.chat_id, _CONVERSATIONS.c.state, _CONVERSATIONS.c.data, _CONVERSATIONS.c.version)
_CONVERSATION_OF_CHAT = select(*_CONVERSATION_COLUMNS).where(_CONVERSATIONS.c.chat_id == bindparam("b_chat_id"))
_CONVERSATIONS_OF_CHATS = built_among_chats(lambda among: select(*_CONVERSATION_COLUMNS).where(among), _CONVERSATIONS.c.chat_id)
_MOVE_CONVERSATION = (
    update(_CONVERSATIONS)
    .where(_CONVERSATIONS.c.chat_id == bindparam("b_chat_id"), _CONVERSATIONS.c.version == bindparam("b_expected"))
    .values(state=bindparam("b_state"), data=bindparam("b_data"), version=bindparam("b_version"),
            updated_at=bindparam("b_now"))
)


@built_per_dialect
def _new_conversation(insert: Any) -> Any:
    return insert(_CONVERSATIONS).on_conflict_do_nothing(index_elements=[_CONVERSATIONS.c.chat_id])


async def fetch_conversation(session: AsyncSession, *, chat_id: int) -> ConversationRow | None:
    """The chat's conversation state, if it has one (as this update found it, when nothing has written it since)."""
    found = _found_for(chat_id)
    if found is not None:
        if found.state is None:
            return None
        return ConversationRow(chat_id=chat_id, state=found.state, data=dict(found.data), version=found.version)
    result = await execute_statement(session, _CONVERSATION_OF_CHAT, {"b_chat_id": chat_id})
    return _conversation_of(result.rows[0]) if result.rows else None


async def fetch_conversations(session: AsyncSession, *, chat_ids: list[int]) -> dict[int, ConversationRow]:
    """The conversation states of these chats, by chat id (chats without one are left out)."""
    result = await execute_statement(session, _CONVERSATIONS_OF_CHATS(session), {"b_chat_ids": list(chat_ids)})
    return {row[0]: _conversation_of(row) for row in result.rows}


def _conversation_of(row: Any) -> ConversationRow:
    chat_id, state, data, version = row
    return ConversationRow(chat_id=chat_id, state=state, data=dict(data or {}), version=version)


async def save_conversation(
    session: AsyncSession,
    *,
    chat_id: int,
    state: str,
    data: dict[str, Any],
    expected_version: int,
    now: datetime,
) -> int:
    """Move the chat to `state` if it is still at `expected_version`; return the new version."""
    forget_found_conversation(chat_id)
    new_version = expected_version + 1
    # Plain Core statements, built once: the ORM's bookkeeping for DML cost more than the statement.
    if expected_version == 0:
        inserted = await execute_statement(
            session,
            _new_conversation(session),
            {"chat_id": chat_id, "state": state, "data": data, "version": new_version, "updated_at": now},
        )
        if not inserted.rowcount:
            raise StaleConversationError(chat_id)
        return new_version
    result = await execute_statement(
        session,
        _MOVE_CONVERSATION,
        {"b_chat_id": chat_id, "b_expected": expected_version, "b_state": state, "b_data": data,
         "b_version": new_version, "b_now": now},
    )
    if not result.rowcount:
        raise StaleConversationError(chat_id)
    return new_version


async def reset_conversation(session: AsyncSession, *, chat_id: int, now: datetime) -> int:
    """Back to idle with no data (forgetting any pending code); return the new version."""
    current = await fetch_conversation(session, chat_id=chat_id)
    if current is None:
        return 0
    if current.state == IDLE and not current.data:
        return current.version
    return await save_conversation(
        session, chat_id=chat_id, state=IDLE, data={}, expected_version=current.version, now=now
    )


async def delete_conversation(session: AsyncSession, *, chat_id: int) -> None:
    """Forget the chat's conversation state and throttle."""
    forget_found_conversation(chat_id)
    await session.exec(delete(ConversationState).where(col(ConversationState.chat_id) == chat_id))
    await session.exec(delete(ChatThrottle).where(col(ChatThrottle.chat_id) == chat_id))


async def fetch_throttle(session: AsyncSession, *, chat_id: int) -> ChatThrottle | None:
    """The chat's flood counter, if any."""
    result = await session.exec(
        select(ChatThrottle).where(ChatThrottle.chat_id == chat_id).execution_options(populate_existing=True)
    )
    return result.first()


async def save_throttle(session: AsyncSession, *, throttle: ChatThrottle) -> ChatThrottle:
    """Insert or update the chat's flood counter."""
    merged = await session.merge(throttle)
    await session.flush()
    return merged


async def count_update_in_window(
    session: AsyncSession, *, chat_id: int, now: datetime, window_started_by: datetime, max_updates: int
) -> int:
    """Count one update in one statement (a new window when the last began at or before `window_started_by`); the count."""
    counts = await count_updates_in_windows(
        session, chat_ids=[chat_id], now=now, window_started_by=window_started_by, max_updates=max_updates
    )
    return counts[chat_id]


async def count_updates_in_windows(
    session: AsyncSession, *, chat_ids: list[int], now: datetime, window_started_by: datetime, max_updates: int
) -> dict[int, int]:
    """Count one update for each chat (each chat once) in one statement; each chat's count in its window.

    A chat's window starts again when it began at or before `window_started_by`.
    """
    table = _THROTTLES
    rows = [
        {"chat_id": chat_id, "window_started_at": now, "updates_in_window": 1, "has_warned": False} for chat_id in chat_ids
    ]
    statement = dialect_insert(session)(table)
    has_ended = table.c.window_started_at <= window_started_by
    counted = table.c.updates_in_window + 1
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.chat_id],
        set_={
            "window_started_at": case((has_ended, statement.excluded.window_started_at), else_=table.c.window_started_at),
            "updates_in_window": case((has_ended, 1), else_=counted),
            "has_warned": case((has_ended, False), else_=counted > max_updates),
        },
    ).returning(table.c.chat_id, table.c.updates_in_window)
    # The rows as parameters: SQLAlchemy sends one multi-row INSERT (insertmanyvalues; see save_inbound_messages).
    # Built per call: a bindparam outside VALUES would make SQLAlchemy send one statement per row instead.
    result = await (await session.connection()).execute(statement, rows)
    return {int(chat_id): int(count) for chat_id, count in result.all()}
