"""Data access for operators' Telegram chats and the one-time codes that link them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.portable import built_among_chats
from db.models.transport import OperatorChat, OperatorChatCode


async def save_operator_chat_code(session: AsyncSession, *, code: OperatorChatCode) -> OperatorChatCode:
    """Insert or update a code."""
    session.add(code)
    await session.flush()
    return code


async def fetch_operator_chat_code(session: AsyncSession, *, code_hash: str) -> OperatorChatCode | None:
    """A code by its hash, locked for its one use."""
    result = await session.exec(select(OperatorChatCode).where(OperatorChatCode.code_hash == code_hash).with_for_update())
    return result.first()


async def code_hash_taken(session: AsyncSession, *, code_hash: str) -> bool:
    """True when a code with this hash was ever issued."""
    result = await session.exec(select(OperatorChatCode.id).where(OperatorChatCode.code_hash == code_hash))
    return result.first() is not None


async def fetch_operator_chat(session: AsyncSession, *, chat_id: int, for_update: bool = False) -> OperatorChat | None:
    """The operator chat with this Telegram chat id, if the chat is one."""
    statement = select(OperatorChat).where(OperatorChat.chat_id == chat_id)
    if for_update:
        statement = statement.with_for_update()
    return (await session.exec(statement)).first()


# Built once (db/dao/portable.py: built_among_chats): new families' updates ask it in every crowd.
_OPERATOR_CHATS_AMONG = built_among_chats(lambda among: select(OperatorChat.chat_id).where(among), col(OperatorChat.chat_id))


async def fetch_operator_chat_ids(session: AsyncSession, *, chat_ids: list[int]) -> set[int]:
    """Which of these Telegram chats are linked operator chats."""
    result = await session.exec(_OPERATOR_CHATS_AMONG(session), params={"b_chat_ids": list(chat_ids)})
    return {int(chat_id) for chat_id in result.all()}


async def fetch_operator_chats(session: AsyncSession, *, operator_id: int) -> list[OperatorChat]:
    """One operator's linked chats, oldest first."""
    result = await session.exec(
        select(OperatorChat).where(OperatorChat.operator_id == operator_id).order_by(col(OperatorChat.id))
    )
    return list(result.all())


async def save_operator_chat(session: AsyncSession, *, chat: OperatorChat) -> OperatorChat:
    """Insert or update a linked chat."""
    session.add(chat)
    await session.flush()
    return chat


async def set_operator_chat_step(session: AsyncSession, *, chat: OperatorChat, step: str, draft: dict[str, Any]) -> None:
    """Move the chat's report in progress to a step, with what it holds so far."""
    await session.exec(  # type: ignore[call-overload]
        update(OperatorChat).where(col(OperatorChat.id) == chat.id).values(step=step, draft=dict(draft))
    )
    chat.step, chat.draft = step, dict(draft)


async def delete_operator_chat(session: AsyncSession, *, chat_id: int) -> int:
    """Unlink a chat; how many rows went."""
    result = await session.exec(delete(OperatorChat).where(col(OperatorChat.chat_id) == chat_id))  # type: ignore[call-overload]
    return int(result.rowcount or 0)
