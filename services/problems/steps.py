"""The bot's "Report a problem today" steps: the child and category chosen, details typed, then confirmed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.carers.accounts import fetch_link
from services.casework.errors import NotYourCase
from services.carers.conversations import Step, leave_step, move_to, require_step
from services.feedback.tagging import ProblemCategory
from services.problems.reports import MAX_DETAILS_LENGTH


@dataclass(frozen=True, slots=True)
class ProblemDraft:
    """A report not yet sent: the child, the category and any details, with the version for the buttons."""

    child_id: int
    category: ProblemCategory
    details: str | None
    version: int
    was_truncated: bool = False


async def start_problem_draft(
    session: AsyncSession, *, chat_id: int, carer_id: int, child_id: int, category: ProblemCategory, now: datetime
) -> ProblemDraft:
    """The category is chosen: wait for details (NotYourCase for a child the carer is not linked to)."""
    if await fetch_link(session, carer_id=carer_id, child_id=child_id) is None:
        raise NotYourCase("the carer is not linked to this child")
    data = {"child_id": child_id, "category": category.value}
    version = await move_to(session, chat_id=chat_id, step=Step.PROBLEM_DETAILS, data=data, now=now)
    return ProblemDraft(child_id=child_id, category=category, details=None, version=version)


async def add_problem_details(
    session: AsyncSession, *, chat_id: int, details: str | None, version: int | None, now: datetime
) -> ProblemDraft:
    """Details typed (or skipped, None): keep at most MAX_DETAILS_LENGTH characters and ask to confirm."""
    context = await require_step(session, chat_id=chat_id, step=Step.PROBLEM_DETAILS, version=version)
    cleaned = (details or "").strip() or None
    was_truncated = cleaned is not None and len(cleaned) > MAX_DETAILS_LENGTH
    if cleaned is not None:
        cleaned = cleaned[:MAX_DETAILS_LENGTH]
    data = {**context.data, "details": cleaned}
    new_version = await move_to(session, chat_id=chat_id, step=Step.PROBLEM_CONFIRM, data=data, now=now)
    return ProblemDraft(
        child_id=int(data["child_id"]),
        category=ProblemCategory(data["category"]),
        details=cleaned,
        version=new_version,
        was_truncated=was_truncated,
    )


async def take_confirmed_problem(session: AsyncSession, *, chat_id: int, version: int, now: datetime) -> ProblemDraft:
    """"Send report" pressed: end the step and hand back the draft (StaleStepError for an old button)."""
    context = await require_step(session, chat_id=chat_id, step=Step.PROBLEM_CONFIRM, version=version)
    new_version = await leave_step(session, chat_id=chat_id, now=now)
    return ProblemDraft(
        child_id=int(context.data["child_id"]),
        category=ProblemCategory(context.data["category"]),
        details=context.data.get("details"),
        version=new_version,
    )
