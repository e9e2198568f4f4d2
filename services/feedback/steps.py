"""The bot's "Give feedback" steps: topic and rating chosen, words typed or skipped, consent to quote."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from db.models.casework import FeedbackSource
from services.carers.conversations import Step, leave_step, move_to, require_step
from services.feedback.records import MAX_FEEDBACK_LENGTH, FeedbackTopic, place_of_carer, record_feedback


@dataclass(frozen=True, slots=True)
class FeedbackStep:
    """Where the feedback stands: waiting for consent to quote (`version` for its buttons) or recorded."""

    version: int
    is_recorded: bool
    was_truncated: bool = False


async def start_feedback_text(
    session: AsyncSession, *, chat_id: int, topic: FeedbackTopic, rating: int, now: datetime
) -> int:
    """Topic and rating chosen: wait for words (or Skip); the version for the Skip button."""
    if not 1 <= rating <= 5:
        raise ValueError("the rating must be 1 to 5")
    return await move_to(session, chat_id=chat_id, step=Step.FEEDBACK_TEXT, data={"topic": topic.value, "rating": rating}, now=now)


def is_single_write(text: str | None) -> bool:
    """True when `add_feedback_text` with this text makes one write, last (it only moves the step on to asking
    about quoting); no words records the feedback, several writes (Database.single_write)."""
    return bool((text or "").strip())


async def add_feedback_text(
    session: AsyncSession, *, chat_id: int, carer_id: int, text: str | None, version: int | None, now: datetime
) -> FeedbackStep:
    """Words typed (kept to MAX_FEEDBACK_LENGTH): ask about quoting; skipped (None): record it now."""
    context = await require_step(session, chat_id=chat_id, step=Step.FEEDBACK_TEXT, version=version)
    words = (text or "").strip()
    was_truncated = len(words) > MAX_FEEDBACK_LENGTH
    words = words[:MAX_FEEDBACK_LENGTH].strip()
    if not words:
        await _record(session, carer_id=carer_id, data=context.data, words=None, consent=False, now=now)
        return FeedbackStep(version=await leave_step(session, chat_id=chat_id, now=now), is_recorded=True)
    data = {**context.data, "text": words}
    new_version = await move_to(session, chat_id=chat_id, step=Step.FEEDBACK_QUOTE, data=data, now=now)
    return FeedbackStep(version=new_version, is_recorded=False, was_truncated=was_truncated)


async def answer_quote_consent(
    session: AsyncSession, *, chat_id: int, carer_id: int, version: int, consent: bool, now: datetime
) -> None:
    """Yes or no to quoting: record the feedback (StaleStepError for an old button)."""
    context = await require_step(session, chat_id=chat_id, step=Step.FEEDBACK_QUOTE, version=version)
    await _record(session, carer_id=carer_id, data=context.data, words=context.data.get("text"), consent=consent, now=now)
    await leave_step(session, chat_id=chat_id, now=now)


async def _record(session: AsyncSession, *, carer_id: int, data: dict, words: str | None, consent: bool, now: datetime) -> None:
    """Record it with the school, route and district of the carer's linked child as they are at this moment."""
    await record_feedback(
        session,
        carer_id=carer_id,
        child_id=None,
        source=FeedbackSource.BOT,
        topic=FeedbackTopic(data["topic"]),
        rating=int(data["rating"]),
        text=words,
        consent_to_quote=consent,
        now=now,
        place=await place_of_carer(session, carer_id=carer_id),
    )
