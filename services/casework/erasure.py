"""Erasure of a carer's casework: the records stay for statistics, de-identified.

Kept: category, route, dates, stages, outcomes, themes, rating, sentiment, the timeline's steps.
Removed: the links to the carer and the child, the carer's own words (details, descriptions,
feedback, escalation reasons), officers' words to the carer, and attachment records (their files
go at the next `sweep_orphaned_attachments`, which knows the attachments folder).
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.casework.complaints import deidentify_complaints_for_carer
from db.dao.feedback import deidentify_feedback_for_carer
from db.dao.casework.problem_reports import deidentify_problem_reports_for_carer
from services.privacy.targets import ErasureTarget


async def erase_carer_casework(session: AsyncSession, *, carer_id: int) -> None:
    """De-identify every problem report, piece of feedback and complaint of one carer."""
    await deidentify_problem_reports_for_carer(session, carer_id=carer_id)
    await deidentify_feedback_for_carer(session, carer_id=carer_id)
    await deidentify_complaints_for_carer(session, carer_id=carer_id)


async def erase_casework_for(session: AsyncSession, target: ErasureTarget) -> None:
    """The eraser registered in services/privacy/erasure.py."""
    await erase_carer_casework(session, carer_id=target.carer_id)
