"""A new carer's first consent: the carer made with it, the consent event, and the chat moved on from the notice.

All or nothing. On PostgreSQL it is one statement: the chat's move is checked first (its version), and the two
INSERTs take their row from it, so a chat that moved on meanwhile gets neither. The turn then needs no
transaction: BEGIN and COMMIT were two of its five round trips. On SQLite (no INSERT inside WITH) it is three
statements in the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, bindparam, insert, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.carers.accounts import insert_consenting_carer
from db.dao.carers.consent import save_consent_event
from db.dao.carers.conversations import (
    StaleConversationError,
    forget_found_conversation,
    save_conversation,
)
from db.dao.portable import is_postgresql
from db.models import Carer, ConsentEvent, ConsentEventKind, ConversationState
from db.models.carers import new_pseudonym
from db.single_write import execute_statement
from db.types import UTCDateTime

_CONVERSATIONS = ConversationState.__table__  # type: ignore[attr-defined]
_CARERS = Carer.__table__  # type: ignore[attr-defined]
_EVENTS = ConsentEvent.__table__  # type: ignore[attr-defined]


def _first_consent_postgresql() -> Any:
    now = bindparam("b_now", type_=UTCDateTime)
    notice_version = bindparam("b_notice_version", type_=String)
    moved = (
        update(_CONVERSATIONS)
        .where(_CONVERSATIONS.c.chat_id == bindparam("b_chat_id"), _CONVERSATIONS.c.version == bindparam("b_expected"))
        .values(state=bindparam("b_state"), data=bindparam("b_data"), version=bindparam("b_version"), updated_at=now)
        .returning(_CONVERSATIONS.c.chat_id)
        .cte("moved")
    )
    carer = (
        insert(_CARERS)
        .from_select(
            [
                "chat_id", "pseudonym", "first_name", "language", "consent_notice_version", "consent_given_at",
                "created_at", "muted_update_kinds",
            ],
            select(
                moved.c.chat_id, bindparam("b_pseudonym", type_=String), bindparam("b_first_name", type_=String),
                bindparam("b_language", type_=String), notice_version, now, now,
                bindparam("b_muted", type_=_CARERS.c.muted_update_kinds.type),
            ),
            include_defaults=False,  # every column without a value here is NULL, as in the SQLite path
        )
        .returning(_CARERS.c.id)
        .cte("carer")
    )
    event = (
        insert(_EVENTS)
        .from_select(
            ["carer_id", "kind", "notice_version", "occurred_at"],
            select(carer.c.id, bindparam("b_kind", type_=String), notice_version, now),
        )
        .cte("event")
    )
    return select(carer.c.id).add_cte(event)


_FIRST_CONSENT_POSTGRESQL = _first_consent_postgresql()  # built once: it runs on every new family's consent



async def record_first_consent(
    session: AsyncSession, *, chat_id: int, first_name: str, language: str, notice_version: str, now: datetime,
    expected_version: int, step: str,
) -> int:
    """Make the consenting carer, record the consent, and move the chat from `expected_version` to `step` (its
    data emptied); the carer's id. StaleConversationError, with nothing written, if the chat moved on."""
    if not is_postgresql(session):
        carer_id = await insert_consenting_carer(
            session, chat_id=chat_id, first_name=first_name, language=language, notice_version=notice_version,
            consented_at=now,
        )
        await save_consent_event(
            session, carer_id=carer_id, kind=ConsentEventKind.GIVEN, notice_version=notice_version, occurred_at=now
        )
        await save_conversation(
            session, chat_id=chat_id, state=step, data={}, expected_version=expected_version, now=now
        )
        return carer_id
    forget_found_conversation(chat_id)
    result = await execute_statement(
        session,
        _FIRST_CONSENT_POSTGRESQL,
        {
            "b_chat_id": chat_id, "b_expected": expected_version, "b_state": step, "b_data": {},
            "b_version": expected_version + 1, "b_now": now, "b_pseudonym": new_pseudonym(),
            "b_first_name": first_name, "b_language": language, "b_notice_version": notice_version,
            "b_kind": ConsentEventKind.GIVEN.value, "b_muted": [],
        },
    )
    carer_id = result.scalar_one_or_none()
    if carer_id is None:
        raise StaleConversationError(chat_id)
    return int(carer_id)
