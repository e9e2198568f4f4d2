"""Opening the menu: a half-finished step left (back to idle) and the carer's linked children counted.

On PostgreSQL the reset returns the count, one statement; on SQLite the count is read first, then the reset
(either way the reset is the one write and the last statement: a Database.single_write block).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.carers.accounts import count_linked_children
from db.dao.carers.conversations import (
    StaleConversationError,
    fetch_conversation,
    forget_found_conversation,
    save_conversation,
)
from db.dao.portable import is_postgresql
from db.models import CarerChildLink, ConversationState
from db.models.conversations import IDLE
from db.single_write import execute_statement

_CONVERSATIONS = ConversationState.__table__  # type: ignore[attr-defined]
_LINKS = CarerChildLink.__table__  # type: ignore[attr-defined]
# Built once: the menu is the most pressed button.
_RESET_COUNTING_CHILDREN = (
    update(_CONVERSATIONS)
    .where(_CONVERSATIONS.c.chat_id == bindparam("b_chat_id"), _CONVERSATIONS.c.version == bindparam("b_expected"))
    .values(state=IDLE, data=bindparam("b_data"), version=bindparam("b_version"), updated_at=bindparam("b_now"))
    .returning(
        select(func.count()).select_from(_LINKS).where(_LINKS.c.carer_id == bindparam("b_carer_id")).scalar_subquery()
    )
)


async def reset_counting_children(session: AsyncSession, *, chat_id: int, carer_id: int, now: datetime) -> int:
    """Back to idle with no data (its buttons become old) unless already there; how many children are linked."""
    current = await fetch_conversation(session, chat_id=chat_id)
    if current is None or (current.state == IDLE and not current.data):
        return await count_linked_children(session, carer_id=carer_id)
    if not is_postgresql(session):
        children = await count_linked_children(session, carer_id=carer_id)
        await save_conversation(
            session, chat_id=chat_id, state=IDLE, data={}, expected_version=current.version, now=now
        )
        return children
    forget_found_conversation(chat_id)
    values = {
        "b_chat_id": chat_id, "b_expected": current.version, "b_data": {}, "b_version": current.version + 1,
        "b_now": now, "b_carer_id": carer_id,
    }
    children = (await execute_statement(session, _RESET_COUNTING_CHILDREN, values)).scalar_one_or_none()
    if children is None:
        raise StaleConversationError(chat_id)
    return int(children)
