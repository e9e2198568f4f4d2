"""Data access for surveys, their invited carers' responses and their answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models.carers import Carer, CarerChildLink
from db.models.casework import FeedbackItem
from db.models.surveys import Survey, SurveyResponse, SurveyStatus
from db.models.transport import Child


async def save_survey(session: AsyncSession, *, survey: Survey) -> Survey:
    """Insert or update one survey."""
    session.add(survey)
    await session.flush()
    return survey


async def fetch_survey(session: AsyncSession, *, survey_id: int, for_update: bool = False) -> Survey | None:
    """One survey by id."""
    statement = select(Survey).where(Survey.id == survey_id)
    if for_update:
        statement = statement.with_for_update()
    return (await session.exec(statement.execution_options(populate_existing=True))).first()


async def fetch_surveys(session: AsyncSession, *, statuses: list[str] | None = None, limit: int = 200) -> list[Survey]:
    """The newest surveys, optionally only those in some statuses."""
    statement = select(Survey).order_by(col(Survey.created_at).desc(), col(Survey.id).desc()).limit(limit)
    if statuses:
        statement = statement.where(col(Survey.status).in_(statuses))
    return list((await session.exec(statement)).all())


async def fetch_surveys_due_reminder(session: AsyncSession, *, now: datetime) -> list[Survey]:
    """Open surveys whose reminder time has come and whose reminder has not gone, locked for one process."""
    statement = (
        select(Survey)
        .where(
            col(Survey.status) == SurveyStatus.SENT.value,
            col(Survey.reminded_at).is_(None),
            col(Survey.remind_at) <= now,
            col(Survey.closes_at) > now,
        )
        .order_by(col(Survey.remind_at))
        .with_for_update(skip_locked=True)
    )
    return list((await session.exec(statement)).all())


async def fetch_surveys_due_closing(session: AsyncSession, *, now: datetime) -> list[Survey]:
    """Open surveys whose closing time has come, locked for one process."""
    statement = (
        select(Survey)
        .where(col(Survey.status) == SurveyStatus.SENT.value, col(Survey.closes_at) <= now)
        .order_by(col(Survey.closes_at))
        .with_for_update(skip_locked=True)
    )
    return list((await session.exec(statement)).all())


async def save_invitations(session: AsyncSession, *, survey_id: int, carer_ids: list[int], now: datetime) -> int:
    """One response row per invited carer (a carer already invited is left alone); returns how many are new."""
    existing = set(
        (await session.exec(select(SurveyResponse.carer_id).where(SurveyResponse.survey_id == survey_id))).all()
    )
    new = [carer_id for carer_id in dict.fromkeys(carer_ids) if carer_id not in existing]
    session.add_all(SurveyResponse(survey_id=survey_id, carer_id=carer_id, invited_at=now) for carer_id in new)
    await session.flush()
    return len(new)


async def fetch_response(
    session: AsyncSession, *, survey_id: int, carer_id: int, for_update: bool = False
) -> SurveyResponse | None:
    """One carer's response row for one survey."""
    statement = select(SurveyResponse).where(SurveyResponse.survey_id == survey_id, SurveyResponse.carer_id == carer_id)
    if for_update:
        statement = statement.with_for_update()
    return (await session.exec(statement.execution_options(populate_existing=True))).first()


async def save_response(session: AsyncSession, *, response: SurveyResponse) -> SurveyResponse:
    """Update one response row."""
    session.add(response)
    await session.flush()
    return response


async def fetch_unanswered_carers(session: AsyncSession, *, survey_id: int) -> list[Carer]:
    """Invited carers who have not completed the survey, in id order."""
    statement = (
        select(Carer)
        .join(SurveyResponse, col(SurveyResponse.carer_id) == col(Carer.id))
        .where(col(SurveyResponse.survey_id) == survey_id, col(SurveyResponse.completed_at).is_(None))
        .order_by(col(Carer.id))
    )
    return list((await session.exec(statement)).all())


def unanswered_carer_ids(survey_id: int):  # type: ignore[no-untyped-def]
    """A subquery of the carers invited to a survey who have not answered (for audience filters)."""
    return select(SurveyResponse.carer_id).where(
        col(SurveyResponse.survey_id) == survey_id,
        col(SurveyResponse.completed_at).is_(None),
        col(SurveyResponse.carer_id).is_not(None),
    )


async def fetch_responses(session: AsyncSession, *, survey_id: int) -> list[SurveyResponse]:
    """Every invited carer's response row for one survey."""
    statement = select(SurveyResponse).where(SurveyResponse.survey_id == survey_id).order_by(col(SurveyResponse.id))
    return list((await session.exec(statement)).all())


async def fetch_survey_texts(session: AsyncSession, *, survey_id: int) -> list[tuple[FeedbackItem, str | None]]:
    """The survey's free-text answers (feedback items) with the writer's first name, oldest first."""
    prefix = f"survey:{survey_id}"
    statement = (
        select(FeedbackItem, Carer.first_name)
        .outerjoin(Carer, col(Carer.id) == col(FeedbackItem.carer_id))
        .where(
            (col(FeedbackItem.survey_key) == prefix) | col(FeedbackItem.survey_key).startswith(prefix + ":"),
            col(FeedbackItem.text).is_not(None),
        )
        .order_by(col(FeedbackItem.created_at), col(FeedbackItem.id))
    )
    return [(item, first_name) for item, first_name in (await session.exec(statement)).all()]


async def fetch_child_names(session: AsyncSession, *, carer_ids: list[int]) -> dict[int, list[str]]:
    """The names of each carer's linked children as held (so redaction can take them out)."""
    if not carer_ids:
        return {}
    statement = (
        select(CarerChildLink.carer_id, Child.display_name)
        .join(Child, col(Child.id) == col(CarerChildLink.child_id))
        .where(col(CarerChildLink.carer_id).in_(carer_ids))
    )
    names: dict[int, list[str]] = {}
    for carer_id, display_name in (await session.exec(statement)).all():
        names.setdefault(carer_id, []).append(display_name)
    return names


async def deidentify_survey_responses_for_carer(session: AsyncSession, *, carer_id: int) -> int:
    """Erasure: keep ratings and choices for the figures, drop who gave them."""
    result = await session.exec(
        update(SurveyResponse).where(col(SurveyResponse.carer_id) == carer_id).values(carer_id=None)  # type: ignore[call-overload]
    )
    return int(result.rowcount or 0)
