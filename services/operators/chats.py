"""Operators' Telegram chats: one-time link codes (made on the web, audited), linking a chat, unlinking it.

An operator chat is never a family's chat: a chat that holds a carer cannot be linked to an operator,
and once linked the bot takes everything from it into the operator flow (bot/operator_flow), never the
family menus. Only a SHA-256 hash of each code is kept; a code works once, within a day.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.carers.accounts import fetch_carer_by_chat_id
from db.dao.operator_chats import (
    code_hash_taken,
    delete_operator_chat,
    fetch_operator_chat,
    fetch_operator_chat_code,
    save_operator_chat,
    save_operator_chat_code,
    set_operator_chat_step,
)
from db.dao.operators import fetch_operator
from db.models.transport import OperatorChat, OperatorChatCode
from db.models.staff import ActorKind
from services.carers.codes import ALPHABET
from services.staff.audit import Actor, RequestOrigin, record_audit

CODE_PREFIX = "OP"
CODE_BODY_LENGTH = 12
CODE_TTL = timedelta(hours=24)
_SEPARATORS = re.compile(r"[\s\-_]+")
_CODE = re.compile(rf"^{CODE_PREFIX}[{ALPHABET}]{{{CODE_BODY_LENGTH}}}$")


class LinkOutcome(StrEnum):
    """What happened when a chat sent an operator link code."""

    LINKED = "linked"
    ALREADY_LINKED = "already_linked"
    FAMILY_CHAT = "family_chat"
    UNKNOWN_CODE = "unknown_code"


@dataclass(frozen=True)
class IssuedChatCode:
    """A code just made: the only moment the code itself is known."""

    operator_id: int
    code: str
    expires_at: datetime

    @property
    def display(self) -> str:
        """The code as shown on the page, e.g. OP-K7QM-4TXD-P2AB."""
        body = self.code[len(CODE_PREFIX):]
        return "-".join([CODE_PREFIX, body[:4], body[4:8], body[8:]])

    def deep_link(self, *, bot_username: str | None) -> str | None:
        """https://t.me/<bot>?start=<code>, when the bot's username is known."""
        return f"https://t.me/{bot_username.lstrip('@')}?start={self.code}" if bot_username else None


def normalise_operator_code(raw: str) -> str | None:
    """The code in canonical form if `raw` looks like an operator code (any case, spaces, hyphens); else None."""
    cleaned = _SEPARATORS.sub("", raw.strip()).upper()
    return cleaned if _CODE.match(cleaned) else None


def hash_operator_code(code: str) -> str:
    """The stored form of a code."""
    return hashlib.sha256(f"carerline-operator-chat-code:{code}".encode()).hexdigest()


def chat_actor(chat: OperatorChat) -> Actor:
    """Who acts when an operator reports from a linked chat, as the audit log names them."""
    return Actor(kind=ActorKind.SYSTEM, id=None, label=f"operator {chat.operator_id} Telegram chat {chat.chat_id}", role="operator")


async def issue_chat_code(
    session: AsyncSession, *, operator_id: int, actor: Actor, now: datetime, origin: RequestOrigin | None = None
) -> IssuedChatCode:
    """A new one-time code for one of the operator's people to link their Telegram chat (audited)."""
    if await fetch_operator(session, operator_id=operator_id) is None:
        raise LookupError("There is no operator with that id")
    while True:
        code = CODE_PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(CODE_BODY_LENGTH))
        if not await code_hash_taken(session, code_hash=hash_operator_code(code)):
            break
    row = await save_operator_chat_code(
        session,
        code=OperatorChatCode(
            operator_id=operator_id, code_hash=hash_operator_code(code), created_by=actor.label[:254], created_at=now,
            expires_at=now + CODE_TTL,
        ),
    )
    await record_audit(
        session, actor=actor, action="operator_chat.code_issued", object_type="operator", object_ids=[operator_id],
        detail={"code_id": row.id, "expires_at": row.expires_at.isoformat()}, origin=origin, now=now,
    )
    return IssuedChatCode(operator_id=operator_id, code=code, expires_at=row.expires_at)


async def link_operator_chat(session: AsyncSession, *, chat_id: int, code: str, now: datetime) -> tuple[LinkOutcome, OperatorChat | None]:
    """Link this chat to the code's operator, once; a family's chat is refused (audited either way)."""
    existing = await fetch_operator_chat(session, chat_id=chat_id, for_update=True)
    if existing is not None:
        return LinkOutcome.ALREADY_LINKED, existing
    if await fetch_carer_by_chat_id(session, chat_id=chat_id) is not None:
        await record_audit(
            session, actor=Actor.system("Telegram bot"), action="operator_chat.refused_family_chat",
            object_type="operator_chat", detail={"chat_id": chat_id}, now=now,
        )
        return LinkOutcome.FAMILY_CHAT, None
    row = await fetch_operator_chat_code(session, code_hash=hash_operator_code(code))
    if row is None or row.used_at is not None or row.expires_at <= now:
        return LinkOutcome.UNKNOWN_CODE, None
    row.used_at = now
    await save_operator_chat_code(session, code=row)
    chat = await save_operator_chat(
        session, chat=OperatorChat(operator_id=row.operator_id, chat_id=chat_id, code_id=row.id, linked_at=now)
    )
    await record_audit(
        session, actor=chat_actor(chat), action="operator_chat.linked", object_type="operator",
        object_ids=[row.operator_id], detail={"chat_id": chat_id, "code_id": row.id, "code_made_by": row.created_by}, now=now,
    )
    return LinkOutcome.LINKED, chat


async def unlink_operator_chat(session: AsyncSession, *, chat: OperatorChat, now: datetime) -> None:
    """The operator's person stops reporting from this chat (audited)."""
    await delete_operator_chat(session, chat_id=chat.chat_id)
    await record_audit(
        session, actor=chat_actor(chat), action="operator_chat.unlinked", object_type="operator",
        object_ids=[chat.operator_id], detail={"chat_id": chat.chat_id}, now=now,
    )


async def operator_chat(session: AsyncSession, *, chat_id: int, for_update: bool = False) -> OperatorChat | None:
    """The operator chat behind a Telegram chat, if it is one."""
    return await fetch_operator_chat(session, chat_id=chat_id, for_update=for_update)


async def move_chat_to(session: AsyncSession, *, chat: OperatorChat, step: str, draft: dict[str, Any]) -> None:
    """Keep where the chat's report in progress is."""
    await set_operator_chat_step(session, chat=chat, step=step, draft=draft)
