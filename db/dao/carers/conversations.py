"""Data access for conversation state and the per-chat flood throttle."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import ChatThrottle, ConversationState
from db.models.conversations import IDLE


class StaleConversationError(Exception):
    """The conversation changed since it was read (a second replica, or a double press)."""


async def fetch_conversation(session: AsyncSession, *, chat_id: int) -> ConversationState | None:
    """The chat's conversation state, if it has one."""
    result = await session.exec(
        select(ConversationState).where(ConversationState.chat_id == chat_id).execution_options(populate_existing=True)
    )
    return result.first()


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
    new_version = expected_version + 1
    if expected_version == 0:
        try:
            async with session.begin_nested():
                await session.exec(
                    insert(ConversationState).values(
                        chat_id=chat_id, state=state, data=data, version=new_version, updated_at=now
                    )
                )
        except IntegrityError:
            raise StaleConversationError(chat_id) from None
        return new_version
    result = await session.exec(
        update(ConversationState)
        .where(col(ConversationState.chat_id) == chat_id, col(ConversationState.version) == expected_version)
        .values(state=state, data=data, version=new_version, updated_at=now)
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
