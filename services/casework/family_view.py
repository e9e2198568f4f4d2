"""Bot "My complaints" and "My reports": where each case stands, dates due and answers, in the carer's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from core.i18n import text
from db.dao.casework.complaints import fetch_complaints_for_carer
from db.dao.casework.problem_reports import fetch_problem_reports_for_carer
from db.models.casework import Complaint, ComplaintStatus
from services.casework.errors import council_day
from services.casework.notifications import TextKey, render_value
from services.complaints.workflow import timetable_of

MAX_CASES_SHOWN = 5
ANSWER_PREVIEW_LENGTH = 300
MAX_MESSAGE_LENGTH = 3900  # under Telegram's 4096 (counted here with the HTML tags, so on the safe side)


@dataclass(frozen=True, slots=True)
class MyComplaints:
    """The text to show, and the complaints the carer may take to stage 2 now (for buttons)."""

    text: str
    can_escalate: tuple[tuple[int, str], ...]  # (complaint id, reference)


async def show_my_complaints(session: AsyncSession, *, carer_id: int, language: str, today: date) -> MyComplaints:
    """The carer's latest complaints: stage, status, the date due, and the answers received."""
    complaints = await fetch_complaints_for_carer(session, carer_id=carer_id, limit=MAX_CASES_SHOWN)
    if not complaints:
        return MyComplaints(text=text("casework.my.no_complaints", language=language), can_escalate=())
    blocks = [text("casework.my.complaints_title", language=language)]
    can_escalate = []
    for complaint in complaints:
        blocks.append(_complaint_block(complaint, language=language, today=today))
        if _may_escalate(complaint, today=today):
            assert complaint.id is not None
            can_escalate.append((complaint.id, complaint.reference))
    footer = text("casework.my.footer", language=language)
    # One Telegram message holds 4096 characters: leave out the oldest complaints rather than fail.
    while len(blocks) > 2 and len("\n\n".join([*blocks, footer])) > MAX_MESSAGE_LENGTH:
        blocks.pop()
    return MyComplaints(text="\n\n".join([*blocks, footer]), can_escalate=tuple(can_escalate))


async def show_my_reports(session: AsyncSession, *, carer_id: int, language: str) -> str:
    """The carer's latest problem reports and whether each has been dealt with."""
    rows = await fetch_problem_reports_for_carer(session, carer_id=carer_id, limit=MAX_CASES_SHOWN)
    if not rows:
        return text("casework.my.no_reports", language=language)
    lines = [text("casework.my.reports_title", language=language)]
    for report, child in rows:
        key = "casework.my.report_resolved" if report.resolved_at else "casework.my.report_open"
        values = _rendered(
            language,
            reference=report.reference,
            reported_on=council_day(report.reported_at),
            category=TextKey(f"casework.problem.category.{report.category}"),
            child=child.display_name if child else "",
            resolved_on=council_day(report.resolved_at) if report.resolved_at else "",
        )
        lines.append(text(key, language=language, **values))
    lines.append(text("casework.my.footer", language=language))
    return "\n\n".join(lines)


def _may_escalate(complaint: Complaint, *, today: date) -> bool:
    """Stage 1 answered, or stage 1 late: the family may ask for stage 2."""
    if complaint.stage != 1 or complaint.status == ComplaintStatus.CLOSED:
        return False
    return complaint.status == ComplaintStatus.RESPONDED or today > timetable_of(complaint).final_respond_by


def _complaint_block(complaint: Complaint, *, language: str, today: date) -> str:
    timetable = timetable_of(complaint)
    values = _rendered(
        language,
        reference=complaint.reference,
        category=TextKey(f"casework.complaint.category.{complaint.category}"),
        stage=complaint.stage,
    )
    lines = [text("casework.my.complaint_heading", language=language, **values)]
    status = ComplaintStatus(complaint.status)
    if status == ComplaintStatus.AWAITING_ACKNOWLEDGEMENT:
        due = _rendered(language, date=timetable.acknowledge_by)
        lines.append(text("casework.my.awaiting_acknowledgement", language=language, **due))
    elif status == ComplaintStatus.AWAITING_RESPONSE:
        key = "casework.my.answer_late" if today > timetable.final_respond_by else "casework.my.answer_due"
        lines.append(text(key, language=language, **_rendered(language, date=timetable.final_respond_by)))
    for stage, responded_at, outcome, answer in (
        (1, complaint.stage1_responded_at, complaint.stage1_outcome, complaint.stage1_response),
        (2, complaint.stage2_responded_at, complaint.stage2_outcome, complaint.stage2_response),
    ):
        if responded_at is None or outcome is None:
            continue
        preview = _preview(answer or "")
        values = _rendered(
            language,
            stage=stage,
            date=council_day(responded_at),
            outcome=TextKey(f"casework.outcome.{outcome}"),
            answer=preview,
        )
        lines.append(text("casework.my.answered", language=language, **values))
    if status == ComplaintStatus.CLOSED and complaint.closed_at is not None:
        lines.append(text("casework.my.closed", language=language, **_rendered(language, date=council_day(complaint.closed_at))))
    elif _may_escalate(complaint, today=today):
        lines.append(text("casework.my.may_escalate", language=language))
    return "\n".join(lines)


def _preview(answer: str) -> str:
    """The start of a long answer (the full answer reached the family as its own message)."""
    return answer if len(answer) <= ANSWER_PREVIEW_LENGTH else answer[:ANSWER_PREVIEW_LENGTH] + "…"


def _rendered(language: str, **values: object) -> dict[str, str]:
    return {name: render_value(value, language=language) for name, value in values.items()}
