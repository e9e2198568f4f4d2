"""Data access for webhook updates recorded on arrival and the per-chat lock that orders them across replicas."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy import delete, func, text, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.portable import insert_ignoring_conflicts
from db.engine import Database
from db.models import IncomingUpdate

# The first key of the two-key advisory lock: chats' locks cannot meet the migration lock or another feature's.
CHAT_LOCK_SPACE = "carerline-chat-updates"


async def save_incoming_update(
    session: AsyncSession, *, update_id: int, chat_id: int | None, payload: str, received_at: datetime
) -> bool:
    """Insert-or-skip the update; True when it is new (a redelivered update_id changes nothing)."""
    return await insert_ignoring_conflicts(
        session,
        IncomingUpdate,
        values={"update_id": update_id, "chat_id": chat_id, "payload": payload, "received_at": received_at},
        conflict_columns=["update_id"],
    )


async def fetch_next_unhandled_update(session: AsyncSession, *, chat_id: int) -> IncomingUpdate | None:
    """The chat's unhandled update with the lowest update_id, or None."""
    statement = (
        select(IncomingUpdate)
        .where(IncomingUpdate.chat_id == chat_id, col(IncomingUpdate.handled_at).is_(None))
        .order_by(col(IncomingUpdate.update_id))
        .limit(1)
    )
    return (await session.exec(statement)).first()


async def mark_update_handled(session: AsyncSession, *, update_id: int, handled_at: datetime) -> None:
    """Say the update has been handled; no replica takes it again."""
    statement = update(IncomingUpdate).where(col(IncomingUpdate.update_id) == update_id)
    await session.exec(statement.values(handled_at=handled_at))  # type: ignore[call-overload]


async def fetch_chats_with_unhandled_updates(session: AsyncSession, *, received_before: datetime) -> list[int]:
    """Chats with an update received before `received_before` still unhandled, oldest first."""
    statement = (
        select(IncomingUpdate.chat_id, func.min(IncomingUpdate.received_at))
        .where(
            col(IncomingUpdate.handled_at).is_(None),
            col(IncomingUpdate.chat_id).is_not(None),
            col(IncomingUpdate.received_at) < received_before,
        )
        .group_by(col(IncomingUpdate.chat_id))
        .order_by(func.min(IncomingUpdate.received_at))
    )
    return [int(chat_id) for chat_id, _ in (await session.exec(statement)).all() if chat_id is not None]


async def delete_handled_updates(session: AsyncSession, *, handled_before: datetime) -> int:
    """Forget updates handled before `handled_before`: their words stay only in the message log's own rules."""
    result = await session.exec(
        delete(IncomingUpdate).where(col(IncomingUpdate.handled_at) < handled_before)  # type: ignore[arg-type]
    )
    return int(result.rowcount or 0)


async def delete_incoming_updates_for_chat(session: AsyncSession, *, chat_id: int) -> int:
    """Erasure: every recorded update of the chat goes, handled or not."""
    statement = delete(IncomingUpdate).where(col(IncomingUpdate.chat_id) == chat_id)
    result = await session.exec(statement)  # type: ignore[arg-type]
    return int(result.rowcount or 0)


@asynccontextmanager
async def chat_update_lock(database: Database, *, chat_id: int) -> AsyncIterator[bool]:
    """Try the chat's session-level PostgreSQL advisory lock on a connection of its own; yield whether it was got.

    The connection is held (in autocommit, never idle in a transaction) until the block ends, then unlocked.
    A replica that dies loses its connection, and PostgreSQL releases the lock with it.
    """
    async with database.engine.connect() as connection:
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        keys = {"space": CHAT_LOCK_SPACE, "chat": str(chat_id)}
        is_got = bool(
            (await connection.execute(
                text("SELECT pg_try_advisory_lock(hashtext(:space), hashtext(:chat))"), keys
            )).scalar()
        )
        try:
            yield is_got
        finally:
            if is_got:
                try:
                    await connection.execute(text("SELECT pg_advisory_unlock(hashtext(:space), hashtext(:chat))"), keys)
                except BaseException:
                    await connection.invalidate()  # closing the connection releases the lock
                    raise
