"""Where each chat is in a conversation, read at the start of every update, and the flood throttle."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.carers.accounts import fetch_carer_by_chat_id
from db.dao.carers.conversations import fetch_conversation, fetch_throttle, reset_conversation, save_conversation, save_throttle
from db.models import Carer, ChatThrottle
from db.models.conversations import IDLE


class Step(StrEnum):
    """Named conversation states."""

    IDLE = IDLE
    AWAITING_CONSENT = "awaiting_consent"  # data: {"code": pending code or None}
    AWAITING_CODE = "awaiting_code"
    CONFIRM_UNLINK = "confirm_unlink"  # data: {"child_id": int}
    CONFIRM_WITHDRAW = "confirm_withdraw"
    CONFIRM_ERASE = "confirm_erase"
    PROBLEM_DETAILS = "problem_details"  # data: {"child_id": int, "category": str}
    PROBLEM_CONFIRM = "problem_confirm"  # data: {"child_id": int, "category": str, "details": str | None}
    FEEDBACK_TEXT = "feedback_text"  # data: {"topic": str, "rating": int}
    FEEDBACK_QUOTE = "feedback_quote"  # data: {"topic": str, "rating": int, "text": str}
    COMPLAINT_DESCRIPTION = "complaint_description"  # data: {"child_id": int | None, "subject": str, "description": str}
    COMPLAINT_CONFIRM = "complaint_confirm"  # data: as above plus {"files": [{"file_id": str, "name": str | None}]}
    COMPLAINT_ESCALATION = "complaint_escalation"  # data: {"complaint_id": int}


@dataclass(frozen=True)
class ChatContext:
    """The carer (if any) and the conversation state of one chat, as read at the start of an update."""

    chat_id: int
    carer: Carer | None
    step: str = IDLE
    data: dict[str, Any] = field(default_factory=dict)
    version: int = 0

    @property
    def has_consent(self) -> bool:
        """True when a carer exists and their consent stands."""
        return self.carer is not None and self.carer.has_consent


class ThrottleDecision(StrEnum):
    """What to do with an update in a flood."""

    ALLOW = "allow"
    WARN = "warn"  # the one polite reply of this flood window
    SILENT = "silent"


async def load_chat_context(session: AsyncSession, *, chat_id: int) -> ChatContext:
    """Read the chat's carer and conversation state."""
    carer = await fetch_carer_by_chat_id(session, chat_id=chat_id)
    conversation = await fetch_conversation(session, chat_id=chat_id)
    if conversation is None:
        return ChatContext(chat_id=chat_id, carer=carer)
    return ChatContext(
        chat_id=chat_id,
        carer=carer,
        step=conversation.state,
        data=dict(conversation.data or {}),
        version=conversation.version,
    )


async def register_update(
    session: AsyncSession, *, chat_id: int, now: datetime, max_updates: int, window_s: float
) -> ThrottleDecision:
    """Count one update in the chat's flood window: allow, warn once, or stay silent until it passes."""
    throttle = await fetch_throttle(session, chat_id=chat_id)
    if throttle is None or now - throttle.window_started_at >= timedelta(seconds=window_s):
        await save_throttle(
            session,
            throttle=ChatThrottle(chat_id=chat_id, window_started_at=now, updates_in_window=1, has_warned=False),
        )
        return ThrottleDecision.ALLOW
    throttle.updates_in_window += 1
    decision = ThrottleDecision.ALLOW
    if throttle.updates_in_window > max_updates:
        decision = ThrottleDecision.SILENT if throttle.has_warned else ThrottleDecision.WARN
        throttle.has_warned = True
    await save_throttle(session, throttle=throttle)
    return decision


class StaleStepError(Exception):
    """A button from an older message: the conversation has moved on since it was sent."""


async def require_step(session: AsyncSession, *, chat_id: int, step: Step, version: int | None) -> ChatContext:
    """The chat's context, if it is still at `step` (and `version`, unless None); StaleStepError otherwise."""
    context = await load_chat_context(session, chat_id=chat_id)
    if context.step != step or (version is not None and context.version != version):
        raise StaleStepError(chat_id)
    return context


async def move_to(
    session: AsyncSession, *, chat_id: int, step: Step, data: dict[str, Any] | None = None, now: datetime
) -> int:
    """Put the chat at `step` (whatever it was at); return the new version for the buttons."""
    conversation = await fetch_conversation(session, chat_id=chat_id)
    return await save_conversation(
        session,
        chat_id=chat_id,
        state=step,
        data=data or {},
        expected_version=conversation.version if conversation else 0,
        now=now,
    )


async def leave_step(session: AsyncSession, *, chat_id: int, now: datetime) -> int:
    """Abandon a half-finished step (its buttons become old); return the new version."""
    return await reset_conversation(session, chat_id=chat_id, now=now)
