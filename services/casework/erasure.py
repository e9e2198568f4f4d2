"""Erasure of a carer's casework: the records stay for statistics, de-identified.

Kept: category, route, dates, stages, outcomes, themes, rating, sentiment, the timeline's steps, and
officers' words (stage 1 and stage 2 answers, extension reasons, closing notes), which the council
needs for its complaint figures: redacted of the family's identity with the carer's and children's
names, never blanked. Removed: the links to the carer and the child, the family's own words
(details, descriptions, feedback, escalation reasons), problem resolution notes, and attachment
records (their files go at the next `sweep_orphaned_attachments`, which knows the attachments folder).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.casework.complaints import (
    deidentify_complaints_for_carer,
    fetch_complaints_to_erase,
    fetch_staff_notes,
    save_complaint,
    save_complaint_event,
)
from db.dao.casework.problem_reports import deidentify_problem_reports_for_carer
from db.dao.feedback import deidentify_feedback_for_carer
from services.privacy.redaction import redact
from services.privacy.targets import ErasureTarget


def _redacted(text: str | None, names: Sequence[str]) -> str | None:
    return None if text is None else redact(text, known_names=names)


async def redact_officer_words(session: AsyncSession, *, carer_id: int, known_names: Sequence[str] = ()) -> None:
    """Redact the family's identity out of what officers wrote on the carer's complaints (kept, not blanked)."""
    complaints = await fetch_complaints_to_erase(session, carer_id=carer_id)
    names_by_id: dict[int, list[str]] = {}
    for complaint, child_name in complaints:
        names = list(dict.fromkeys([*known_names, *([child_name] if child_name else [])]))
        names_by_id[complaint.id or 0] = names
        complaint.stage1_response = _redacted(complaint.stage1_response, names)
        complaint.stage2_response = _redacted(complaint.stage2_response, names)
        complaint.stage1_extension_reason = _redacted(complaint.stage1_extension_reason, names)
        await save_complaint(session, complaint=complaint)
    for event in await fetch_staff_notes(session, complaint_ids=list(names_by_id)):
        event.note = _redacted(event.note, names_by_id[event.complaint_id])
        await save_complaint_event(session, event=event)


async def erase_carer_casework(session: AsyncSession, *, carer_id: int, known_names: Sequence[str] = ()) -> None:
    """De-identify every problem report, piece of feedback and complaint of one carer."""
    await deidentify_problem_reports_for_carer(session, carer_id=carer_id)
    await deidentify_feedback_for_carer(session, carer_id=carer_id)
    await redact_officer_words(session, carer_id=carer_id, known_names=known_names)
    await deidentify_complaints_for_carer(session, carer_id=carer_id)


async def erase_casework_for(session: AsyncSession, target: ErasureTarget) -> None:
    """The eraser registered in services/privacy/erasure.py."""
    await erase_carer_casework(session, carer_id=target.carer_id, known_names=target.known_names)
