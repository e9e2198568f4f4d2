"""Where each chat is in a conversation, read at the start of every update, and the flood throttle."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.carers.accounts import fetch_carer_by_chat_id
from db.dao.carers.conversations import (
    ConversationRow,
    count_update_in_window,
    fetch_conversation,
    remember_conversation_as_found,
    reset_conversation,
    save_conversation,
)
from db.models import Carer
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
    CONTACT_MOBILE = "contact_mobile"  # the next text typed is the carer's mobile number
    CONTACT_EMAIL = "contact_email"  # the next text typed is the carer's email address


# Steps where the next text typed is a contact detail.
CONTACT_STEPS: frozenset[str] = frozenset({Step.CONTACT_MOBILE, Step.CONTACT_EMAIL})


@dataclass(frozen=True)
class ChatContext:
    """The carer (if any) and the conversation state of one chat, as read at the start of an update."""

    chat_id: int
    carer: Carer | None
    step: str = IDLE
    data: dict[str, Any] = field(default_factory=dict)
    version: int = 0
    # For a chat without a carer: whether it is a linked operator chat (None: not read with the turn).
    is_operator_chat: bool | None = None

    @property
    def has_consent(self) -> bool:
        """True when a carer exists and their consent stands."""
        return self.carer is not None and self.carer.has_consent


class Unread:
    """Marks an argument not read yet (None already means "there is none")."""


UNREAD = Unread()


class ThrottleDecision(StrEnum):
    """What to do with an update in a flood."""

    ALLOW = "allow"
    WARN = "warn"  # the one polite reply of this flood window
    SILENT = "silent"


async def load_chat_context(session: AsyncSession, *, chat_id: int, carer: Carer | None | Unread = UNREAD) -> ChatContext:
    """Read the chat's carer (unless already read in this transaction) and conversation state."""
    if isinstance(carer, Unread):
        carer = await fetch_carer_by_chat_id(session, chat_id=chat_id)
    return chat_context_of(chat_id=chat_id, carer=carer, conversation=await fetch_conversation(session, chat_id=chat_id))


def remember_as_found(chat: ChatContext) -> None:
    """The update's steps may use the conversation read at its start instead of reading it again."""
    state = chat.step if chat.version else None
    remember_conversation_as_found(chat_id=chat.chat_id, state=state, data=chat.data, version=chat.version)


def chat_context_of(*, chat_id: int, carer: Carer | None, conversation: ConversationRow | None) -> ChatContext:
    """The chat's context from its carer and conversation row as read."""
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
    count = await count_update_in_window(
        session, chat_id=chat_id, now=now, window_started_by=now - timedelta(seconds=window_s), max_updates=max_updates
    )
    return throttle_decision(count=count, max_updates=max_updates)


def throttle_decision(*, count: int, max_updates: int) -> ThrottleDecision:
    """Allow up to max_updates in a window, warn once at the next, then stay silent."""
    if count <= max_updates:
        return ThrottleDecision.ALLOW
    return ThrottleDecision.WARN if count == max_updates + 1 else ThrottleDecision.SILENT


class StaleStepError(Exception):
    """A button from an older message: the conversation has moved on since it was sent."""


@dataclass(frozen=True)
class StepState:
    """Where a chat's conversation is: its step, the step's data and the version its buttons carry."""

    chat_id: int
    step: str
    data: dict[str, Any]
    version: int


async def require_step(session: AsyncSession, *, chat_id: int, step: Step, version: int | None) -> StepState:
    """The chat's conversation, if it is still at `step` (and `version`, unless None); StaleStepError otherwise."""
    conversation = await fetch_conversation(session, chat_id=chat_id)
    found = _at_step(chat_context_of(chat_id=chat_id, carer=None, conversation=conversation), step=step, version=version)
    return StepState(chat_id=chat_id, step=found.step, data=found.data, version=found.version)


async def require_step_with_carer(
    session: AsyncSession, *, chat_id: int, step: Step, version: int | None, carer: Carer | None | Unread = UNREAD
) -> ChatContext:
    """As `require_step`, with the chat's carer read in this transaction (unless given)."""
    return _at_step(await load_chat_context(session, chat_id=chat_id, carer=carer), step=step, version=version)


def _at_step(context: ChatContext, *, step: Step, version: int | None) -> ChatContext:
    if context.step != step or (version is not None and context.version != version):
        raise StaleStepError(context.chat_id)
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
