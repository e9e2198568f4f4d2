"""Feedback and survey answers: one function, themes and VADER sentiment stored, quotes redacted for PACT."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from db.engine import Database
from db.models.casework import FeedbackSource, QuoteStatus
from services.casework.errors import CaseworkError, StepNotAllowed
from services.feedback.records import FeedbackTopic, curate_quote, quote_candidates, record_feedback
from tests.support.casework import outbox_texts
from tests.support.factories import make_family

NOW = datetime(2026, 6, 3, 16, tzinfo=UTC)
COORDINATOR = 301


async def test_bot_feedback_is_tagged_scored_and_thanked(database: Database) -> None:
    async with database.transaction() as session:
        carer, child = await make_family(session, child_name="Maya", carer_name="Dorota", language="pl")
        item = await record_feedback(
            session, carer_id=carer.id, child_id=child.id, source=FeedbackSource.BOT, topic=FeedbackTopic.JOURNEY,
            rating=1, text="The bus was 40 minutes late again and nobody told us. Terrible.", consent_to_quote=False, now=NOW,
        )
    assert item.themes == ["punctuality", "communication"]
    assert item.sentiment is not None and item.sentiment < -0.05
    assert item.quote_status is None and not item.consent_to_quote
    texts = await outbox_texts(database, source_type="feedback", source_id=item.id)  # type: ignore[arg-type]
    assert texts == [texts[0]] and "Dziękujemy za Twoją opinię" in texts[0]


async def test_survey_answers_use_the_same_function_and_are_not_thanked_one_by_one(database: Database) -> None:
    async with database.transaction() as session:
        carer, _ = await make_family(session)
        item = await record_feedback(
            session, carer_id=carer.id, child_id=None, source=FeedbackSource.SURVEY, topic="driver_and_assistant",
            rating=5, text="Our driver is brilliant, so patient with Leo.", consent_to_quote=True, now=NOW,
            survey_key="spring-2026:q3",
        )
        rating_only = await record_feedback(
            session, carer_id=carer.id, child_id=None, source=FeedbackSource.SURVEY, topic="overall",
            rating=4, text=None, consent_to_quote=True, now=NOW, survey_key="spring-2026:q1",
        )
    assert "praise" in item.themes and item.sentiment is not None and item.sentiment > 0.05
    assert item.quote_status == QuoteStatus.PROPOSED and item.survey_key == "spring-2026:q3"
    assert rating_only.themes == [] and rating_only.sentiment is None and rating_only.quote_status is None
    assert await outbox_texts(database, source_type="feedback", source_id=item.id) == []  # type: ignore[arg-type]


async def test_quotes_reach_pact_only_redacted_and_curation_is_recorded(database: Database) -> None:
    async with database.transaction() as session:
        carer, child = await make_family(session, child_name="Oliwia", carer_name="Dorota")
        item = await record_feedback(
            session, carer_id=carer.id, child_id=child.id, source=FeedbackSource.BOT, topic=FeedbackTopic.COMMUNICATION,
            rating=2, text="Oliwia waited an hour. Ring me on 07700 900123, Dorota.", consent_to_quote=True, now=NOW,
        )
    async with database.transaction() as session:
        [candidate] = await quote_candidates(session)
    assert candidate.feedback_id == item.id
    assert "Oliwia" not in candidate.redacted_text and "07700" not in candidate.redacted_text
    assert "Dorota" not in candidate.redacted_text and "[name]" in candidate.redacted_text and "[phone]" in candidate.redacted_text
    async with database.transaction() as session:
        curated = await curate_quote(session, feedback_id=item.id, coordinator_id=COORDINATOR, is_approved=True, now=NOW)  # type: ignore[arg-type]
    assert curated.quote_status == QuoteStatus.APPROVED and curated.quote_curated_by_staff_id == COORDINATOR
    async with database.transaction() as session:
        assert await quote_candidates(session) == []
        assert [c.feedback_id for c in await quote_candidates(session, status=QuoteStatus.APPROVED)] == [item.id]


async def test_bad_feedback_is_refused(database: Database) -> None:
    async with database.transaction() as session:
        carer, _ = await make_family(session)
        with pytest.raises(CaseworkError, match="rating"):
            await record_feedback(session, carer_id=carer.id, child_id=None, source=FeedbackSource.BOT,
                                  topic=FeedbackTopic.OTHER, rating=6, text=None, consent_to_quote=False, now=NOW)
        with pytest.raises(CaseworkError, match="rating or some words"):
            await record_feedback(session, carer_id=carer.id, child_id=None, source=FeedbackSource.BOT,
                                  topic=FeedbackTopic.OTHER, rating=None, text="   ", consent_to_quote=False, now=NOW)
        no_consent = await record_feedback(session, carer_id=carer.id, child_id=None, source=FeedbackSource.BOT,
                                           topic=FeedbackTopic.OTHER, rating=3, text="Fine", consent_to_quote=False, now=NOW)
        with pytest.raises(StepNotAllowed):
            await curate_quote(session, feedback_id=no_consent.id, coordinator_id=COORDINATOR, is_approved=True, now=NOW)  # type: ignore[arg-type]
