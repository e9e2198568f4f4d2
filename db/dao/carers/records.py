"""Every casework and survey row a carer made or was sent, for their copy of their data."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models.casework import Complaint, ComplaintAttachment, ComplaintEvent, FeedbackItem, ProblemReport
from db.models.changes import ChangeNotice, TransportChange
from db.models.surveys import Survey, SurveyResponse


async def fetch_all_feedback_for_carer(session: AsyncSession, *, carer_id: int) -> list[FeedbackItem]:
    """The carer's feedback and survey words, oldest first."""
    result = await session.exec(
        select(FeedbackItem).where(FeedbackItem.carer_id == carer_id).order_by(col(FeedbackItem.created_at), col(FeedbackItem.id))
    )
    return list(result.all())


async def fetch_all_complaints_for_carer(
    session: AsyncSession, *, carer_id: int
) -> list[tuple[Complaint, list[ComplaintEvent], list[ComplaintAttachment]]]:
    """The carer's complaints, oldest first, each with its steps and the attachments they sent."""
    complaints = list(
        (
            await session.exec(
                select(Complaint).where(Complaint.carer_id == carer_id).order_by(col(Complaint.stage1_received_at), col(Complaint.id))
            )
        ).all()
    )
    ids = [complaint.id for complaint in complaints]
    events = (
        await session.exec(
            select(ComplaintEvent).where(col(ComplaintEvent.complaint_id).in_(ids)).order_by(col(ComplaintEvent.occurred_at), col(ComplaintEvent.id))
        )
    ).all() if ids else []
    attachments = (
        await session.exec(select(ComplaintAttachment).where(col(ComplaintAttachment.complaint_id).in_(ids)).order_by(col(ComplaintAttachment.id)))
    ).all() if ids else []
    return [
        (
            complaint,
            [event for event in events if event.complaint_id == complaint.id],
            [attachment for attachment in attachments if attachment.complaint_id == complaint.id],
        )
        for complaint in complaints
    ]


async def fetch_all_problem_reports_for_carer(session: AsyncSession, *, carer_id: int) -> list[ProblemReport]:
    """The carer's reports of problems on the day, oldest first."""
    result = await session.exec(
        select(ProblemReport).where(ProblemReport.carer_id == carer_id).order_by(col(ProblemReport.reported_at), col(ProblemReport.id))
    )
    return list(result.all())


async def fetch_change_notices_for_carer(
    session: AsyncSession, *, carer_id: int
) -> list[tuple[ChangeNotice, TransportChange]]:
    """The transport-change notices the carer was sent, with the change, oldest first."""
    result = await session.exec(
        select(ChangeNotice, TransportChange)
        .join(TransportChange, col(TransportChange.id) == ChangeNotice.change_id)
        .where(ChangeNotice.carer_id == carer_id)
        .order_by(col(ChangeNotice.queued_at), col(ChangeNotice.id))
    )
    return list(result.all())


async def fetch_survey_responses_for_carer(
    session: AsyncSession, *, carer_id: int
) -> list[tuple[SurveyResponse, Survey]]:
    """The surveys the carer was invited to, with their answers, oldest first."""
    result = await session.exec(
        select(SurveyResponse, Survey)
        .join(Survey, col(Survey.id) == SurveyResponse.survey_id)
        .where(SurveyResponse.carer_id == carer_id)
        .order_by(col(SurveyResponse.invited_at), col(SurveyResponse.id))
    )
    return list(result.all())

