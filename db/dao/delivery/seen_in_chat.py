""""I've seen this" pressed under a message in its own chat: the message's row and its change notice acknowledged.

On PostgreSQL it is one statement: the row's acknowledgement, the row read as it was (a second press finds it
already acknowledged), and its notice's acknowledgement as data-modifying WITHs, so the turn needs no
transaction: BEGIN and COMMIT were two of its four round trips. On SQLite (no UPDATE inside WITH) it is the
same writes one after another, in the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, exists, or_, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.changes import acknowledge_notice_of_row
from db.dao.delivery.outbox import (
    ChatAcknowledgement,
    acknowledgement_update,
    save_chat_acknowledgement,
)
from db.dao.portable import is_postgresql
from db.models import ChangeNotice, OutboxMessage
from db.single_write import execute_statement

_OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]
_NOTICES = ChangeNotice.__table__  # type: ignore[attr-defined]


def _seen_in_chat_postgresql() -> Any:
    outbox_id = bindparam("b_id")
    acknowledged = acknowledgement_update(in_chat=True).cte("acknowledged")
    own_row = (
        select(_OUTBOX.c.text, _OUTBOX.c.notice_key)
        .where(_OUTBOX.c.id == outbox_id, _OUTBOX.c.chat_id == bindparam("b_chat_id"), _OUTBOX.c.text.is_not(None))
        .cte("own_row")
    )
    # The notice the row belongs to: as its first message, its reminder, or any row sharing their notice key.
    same_key = _OUTBOX.alias("same_key")
    sharing_key = select(same_key.c.id).join(own_row, same_key.c.notice_key == own_row.c.notice_key)
    notice = (
        update(_NOTICES)
        .where(
            or_(
                _NOTICES.c.outbox_message_id == outbox_id, _NOTICES.c.reminder_outbox_message_id == outbox_id,
                _NOTICES.c.outbox_message_id.in_(sharing_key), _NOTICES.c.reminder_outbox_message_id.in_(sharing_key),
            ),
            _NOTICES.c.acknowledged_at.is_(None),
            exists(select(own_row.c.text)),  # only from the row's own chat
        )
        .values(acknowledged_at=bindparam("b_now", type_=_NOTICES.c.acknowledged_at.type))
        .cte("notice")
    )
    is_new = exists(select(acknowledged.c.text)).label("is_new")
    return select(own_row.c.text, own_row.c.notice_key, is_new).add_cte(notice)


_SEEN_IN_CHAT_POSTGRESQL = _seen_in_chat_postgresql()  # built once: "I've seen this" comes in crowds



async def acknowledge_in_chat(
    session: AsyncSession, *, outbox_id: int, chat_id: int, telegram_message_id: int | None, now: datetime
) -> ChatAcknowledgement | None:
    """Record "I've seen this" on the row and its notice; None (and nothing written) when it is not this chat's row."""
    if not is_postgresql(session):
        acknowledged = await save_chat_acknowledgement(
            session, outbox_id=outbox_id, chat_id=chat_id, telegram_message_id=telegram_message_id, now=now
        )
        if acknowledged is not None:
            await acknowledge_notice_of_row(session, outbox_id=outbox_id, notice_key=acknowledged.notice_key, now=now)
        return acknowledged
    values = {"b_id": outbox_id, "b_chat_id": chat_id, "b_now": now, "b_message_id": telegram_message_id}
    row = (await execute_statement(session, _SEEN_IN_CHAT_POSTGRESQL, values)).first()
    if row is None:
        return None
    return ChatAcknowledgement(text=row["text"], notice_key=row["notice_key"], is_new=bool(row["is_new"]))
