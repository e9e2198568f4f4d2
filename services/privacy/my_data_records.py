"""The casework, survey and notice part of a carer's copy of their data (UK GDPR right of access)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.carers.records import (
    fetch_all_complaints_for_carer,
    fetch_all_feedback_for_carer,
    fetch_all_problem_reports_for_carer,
    fetch_change_notices_for_carer,
    fetch_survey_responses_for_carer,
)
from db.models.casework import EventActor
from services.applications.stages import applications_for_carer


def _when(moment: datetime | date | None) -> str | None:
    return moment.isoformat() if moment is not None else None


async def carer_records(session: AsyncSession, *, carer_id: int) -> dict[str, Any]:
    """Everything the carer told us or was told, beyond their account and messages, as plain JSON."""
    complaints = await fetch_all_complaints_for_carer(session, carer_id=carer_id)
    return {
        "feedback": [
            {
                "rating": item.rating,
                "topic": item.topic,
                "your_words": item.text,
                "from_a_survey": item.survey_key is not None,
                "may_be_quoted_anonymously": item.consent_to_quote,
                "when": _when(item.created_at),
            }
            for item in await fetch_all_feedback_for_carer(session, carer_id=carer_id)
        ],
        "complaints": [
            {
                "reference": complaint.reference,
                "category": complaint.category,
                "your_words": complaint.description,
                "stage": complaint.stage,
                "status": complaint.status,
                "received": _when(complaint.stage1_received_at),
                "stage_1_answer": complaint.stage1_response,
                "your_reason_for_stage_2": complaint.escalation_reason,
                "stage_2_answer": complaint.stage2_response,
                "closed": _when(complaint.closed_at),
                "steps": [
                    {
                        "what": event.kind,
                        "by": "you" if event.actor == EventActor.CARER else "the council",
                        "note": event.note,
                        "when": _when(event.occurred_at),
                    }
                    for event in events
                ],
                "files_you_sent": [
                    {
                        "name": attachment.original_name,
                        "type": attachment.content_type,
                        "when": _when(attachment.uploaded_at),
                    }
                    for attachment in attachments
                ],
            }
            for complaint, events, attachments in complaints
        ],
        "problems_reported": [
            {
                "reference": report.reference,
                "what": report.category,
                "your_words": report.details,
                "route": report.route_code,
                "reported": _when(report.reported_at),
                "resolved": _when(report.resolved_at),
                "what_the_council_did": report.resolution_note,
            }
            for report in await fetch_all_problem_reports_for_carer(session, carer_id=carer_id)
        ],
        "transport_change_notices": [
            {
                "change": change.kind,
                "from": _when(change.effective_from),
                "sent": _when(notice.queued_at),
                "you_confirmed_you_had_seen_it": _when(notice.acknowledged_at),
                "reminded": _when(notice.reminded_at),
            }
            for notice, change in await fetch_change_notices_for_carer(session, carer_id=carer_id)
        ],
        "surveys": [
            {
                "survey": survey.title,
                "invited": _when(response.invited_at),
                "answered": _when(response.completed_at),
                "rating": response.rating,
                "may_be_quoted_anonymously": response.consent_to_quote,
            }
            for response, survey in await fetch_survey_responses_for_carer(
                session, carer_id=carer_id
            )
        ],
        "transport_applications": [
            {
                "child": history.child_name,
                "reference": history.reference,
                "received": _when(history.received_on),
                "steps": [
                    {"stage": stage, "when": _when(moment)} for moment, stage in history.steps
                ],
            }
            for history in await applications_for_carer(session, carer_id=carer_id)
        ],
    }
