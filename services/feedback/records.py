"""Families' feedback and survey answers: one record each, tagged with themes and a sentiment score,
and the quotes families agreed to share, curated by Kent PACT after redaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.carers.accounts import fetch_link, fetch_linked_children
from db.dao.feedback import fetch_feedback, fetch_quotes, save_feedback
from db.dao.transport.data import fetch_routes_by_ids
from db.models.casework import FeedbackItem, FeedbackSource, QuoteStatus
from services.casework.errors import CaseNotFound, CaseworkError, NotYourCase, StepNotAllowed, clean_text
from services.casework.notifications import CarerNotice, notify_carer
from services.feedback.tagging import sentiment_score, tag_themes
from services.privacy.redaction import redact

MAX_FEEDBACK_LENGTH = 2000


class FeedbackTopic(StrEnum):
    """What the feedback is about, as the family chose it."""

    JOURNEY = "journey"
    DRIVER_AND_ASSISTANT = "driver_and_assistant"
    COMMUNICATION = "communication"
    APPLICATION = "application"
    CARERLINE = "carerline"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class QuoteCandidate:
    """A quote as PACT sees it: redacted by the one redaction function, never the original words."""

    feedback_id: int
    redacted_text: str
    topic: str
    rating: int | None
    themes: tuple[str, ...]
    sentiment: float | None
    created_at: datetime
    status: QuoteStatus


@dataclass(frozen=True, slots=True)
class FeedbackPlace:
    """Where the family's child travels when feedback is given: the child itself only when there is one."""

    child_id: int | None = None
    school_code: str | None = None
    route_code: str | None = None
    district: str | None = None


def _shared(values: list[str | None]) -> str | None:
    return values[0] if values and len(set(values)) == 1 else None


async def place_of_carer(session: AsyncSession, *, carer_id: int) -> FeedbackPlace:
    """The carer's linked children's school, route and district now; with several children, only what they share."""
    rows = await fetch_linked_children(session, carer_id=carer_id)
    if not rows:
        return FeedbackPlace()
    routes = await fetch_routes_by_ids(session, route_ids=[child.route_id for _, child, _ in rows if child.route_id])
    return FeedbackPlace(
        child_id=rows[0][1].id if len(rows) == 1 else None,
        school_code=_shared([school.code for _, _, school in rows]),
        route_code=_shared([routes.get(child.route_id) if child.route_id else None for _, child, _ in rows]),
        district=_shared([child.district for _, child, _ in rows]),
    )


async def record_feedback(
    session: AsyncSession,
    *,
    carer_id: int | None,
    child_id: int | None,
    source: FeedbackSource,
    topic: FeedbackTopic | str,
    rating: int | None,
    text: str | None,
    consent_to_quote: bool,
    now: datetime,
    survey_key: str | None = None,
    place: FeedbackPlace | None = None,
) -> FeedbackItem:
    """Bot "Give feedback" and every survey answer: store with themes and sentiment; thank the family for bot feedback.

    A survey may set its own topic (any short key); the bot uses FeedbackTopic. `place` is where the child
    travelled at the time (see place_of_carer); its child stands in when `child_id` is not given.
    """
    place = place or FeedbackPlace()
    child_id = child_id if child_id is not None else place.child_id
    if rating is not None and not 1 <= rating <= 5:
        raise CaseworkError("the rating must be 1 to 5")
    words = clean_text(text, max_length=MAX_FEEDBACK_LENGTH, field="feedback")
    if rating is None and words is None:
        raise CaseworkError("feedback needs a rating or some words")
    topic_key = str(topic).strip()
    if not topic_key or len(topic_key) > 32:
        raise CaseworkError("the topic must be 1 to 32 characters")
    if carer_id is not None and child_id is not None and await fetch_link(session, carer_id=carer_id, child_id=child_id) is None:
        raise NotYourCase("the carer is not linked to this child")
    item = await save_feedback(
        session,
        item=FeedbackItem(
            carer_id=carer_id,
            child_id=child_id,
            source=FeedbackSource(source),
            survey_key=survey_key,
            rating=rating,
            topic=topic_key,
            text=words,
            school_code=place.school_code,
            route_code=place.route_code,
            district=place.district,
            themes=[theme.value for theme in tag_themes(words)] if words else [],
            sentiment=sentiment_score(words) if words else None,
            consent_to_quote=bool(consent_to_quote and words),
            quote_status=QuoteStatus.PROPOSED if consent_to_quote and words else None,
            created_at=now,
        ),
    )
    if source == FeedbackSource.BOT:
        assert item.id is not None
        key = "casework.feedback.thanks_quote" if item.consent_to_quote else "casework.feedback.thanks"
        notice = CarerNotice(key=key, source_type="feedback", source_id=item.id, step="thanks", values={}, is_urgent=True)
        await notify_carer(session, carer_id=carer_id, notice=notice, now=now, council=None)  # Telegram only
    return item


async def quote_candidates(session: AsyncSession, *, status: QuoteStatus = QuoteStatus.PROPOSED) -> list[QuoteCandidate]:
    """PACT "Parental views" curation: quotes in one state, each passed through `redact`."""
    candidates = []
    for item, carer_name, child_name in await fetch_quotes(session, status=status):
        assert item.id is not None and item.text is not None
        known = [name for name in (carer_name, child_name) if name]
        candidates.append(
            QuoteCandidate(
                feedback_id=item.id,
                redacted_text=redact(item.text, known_names=known),
                topic=item.topic,
                rating=item.rating,
                themes=tuple(item.themes),
                sentiment=item.sentiment,
                created_at=item.created_at,
                status=QuoteStatus(item.quote_status),
            )
        )
    return candidates


async def curate_quote(
    session: AsyncSession, *, feedback_id: int, coordinator_id: int, is_approved: bool, now: datetime
) -> FeedbackItem:
    """PACT "Use this quote" / "Do not use": record the decision and who made it."""
    item = await fetch_feedback(session, feedback_id=feedback_id, for_update=True)
    if item is None:
        raise CaseNotFound(f"no feedback {feedback_id}")
    if not item.consent_to_quote or item.text is None:
        raise StepNotAllowed("the family did not agree to be quoted")
    item.quote_status = QuoteStatus.APPROVED if is_approved else QuoteStatus.REJECTED
    item.quote_curated_by_staff_id = coordinator_id
    item.quote_curated_at = now
    return await save_feedback(session, item=item)
