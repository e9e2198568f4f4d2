"""The bot's "Make a complaint" and "Ask for stage 2" steps: kept in the database between messages.

A complaint is built over several messages: the child and category chosen, the words typed (in one
message or several, up to the limit, never cut silently), photos or PDFs added, then sent. Files are
checked by content when they arrive and kept as Telegram file ids until the complaint is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.carers.accounts import fetch_link
from db.dao.casework.complaints import fetch_complaint
from db.models.casework import ComplaintStatus
from services.carers.channel_plans import CouncilContact
from services.casework.attachments import MAX_ATTACHMENTS_PER_COMPLAINT, AttachmentRejected, add_complaint_attachment, check_file
from services.casework.errors import NotYourCase, StepNotAllowed
from services.complaints.timetable import ComplaintSubject
from services.complaints.workflow import (
    MAX_DESCRIPTION_LENGTH,
    ComplaintReceipt,
    StatutoryRouteAdvice,
    escalate_complaint,
    submit_complaint,
    timetable_of,
)
from services.carers.conversations import StaleStepError, Step, leave_step, load_chat_context, move_to, require_step


@dataclass(frozen=True, slots=True)
class ComplaintDraft:
    """A complaint not yet sent, with the version for its buttons."""

    child_id: int | None
    subject: ComplaintSubject
    description: str
    file_count: int
    version: int


class DescriptionTooLong(ValueError):
    """Adding this message would pass the limit; nothing was added (`room` characters are left)."""

    def __init__(self, room: int) -> None:
        super().__init__(f"only {room} characters left")
        self.room = room


@dataclass(frozen=True, slots=True)
class PendingFile:
    """A file the parent sent, to be fetched from Telegram when the complaint is sent."""

    file_id: str
    name: str | None


async def start_complaint_draft(
    session: AsyncSession, *, chat_id: int, carer_id: int, child_id: int | None, subject: ComplaintSubject, now: datetime
) -> ComplaintDraft:
    """The category is chosen: wait for the words (NotYourCase for a child the carer is not linked to)."""
    if child_id is not None and await fetch_link(session, carer_id=carer_id, child_id=child_id) is None:
        raise NotYourCase("the carer is not linked to this child")
    data = {"child_id": child_id, "subject": subject.value, "description": "", "files": []}
    version = await move_to(session, chat_id=chat_id, step=Step.COMPLAINT_DESCRIPTION, data=data, now=now)
    return _draft(data, version)


async def advise_statutory_route(
    session: AsyncSession, *, chat_id: int, carer_id: int, subject: ComplaintSubject, council: CouncilContact, now: datetime
) -> StatutoryRouteAdvice:
    """Eligibility or suitability: no complaint is opened; the review and appeal route comes via the outbox."""
    await leave_step(session, chat_id=chat_id, now=now)
    advice = await submit_complaint(
        session, carer_id=carer_id, child_id=None, subject=subject, description="", now=now, council=council
    )
    assert isinstance(advice, StatutoryRouteAdvice)
    return advice


async def add_complaint_words(session: AsyncSession, *, chat_id: int, words: str, now: datetime) -> ComplaintDraft:
    """One more message of the complaint's words; DescriptionTooLong (nothing added) past the limit."""
    context = await require_step(session, chat_id=chat_id, step=Step.COMPLAINT_DESCRIPTION, version=None)
    data = {**context.data, "description": _joined(str(context.data.get("description") or ""), words)}
    version = await move_to(session, chat_id=chat_id, step=Step.COMPLAINT_DESCRIPTION, data=data, now=now)
    return _draft(data, version)


async def finish_complaint_words(session: AsyncSession, *, chat_id: int, version: int, now: datetime) -> ComplaintDraft:
    """"Next" pressed after the words: wait for files or "Send" (StepNotAllowed when nothing was typed)."""
    context = await require_step(session, chat_id=chat_id, step=Step.COMPLAINT_DESCRIPTION, version=version)
    if not str(context.data.get("description") or "").strip():
        raise StepNotAllowed("no words yet")
    new_version = await move_to(session, chat_id=chat_id, step=Step.COMPLAINT_CONFIRM, data=dict(context.data), now=now)
    return _draft(context.data, new_version)


async def current_complaint_draft(session: AsyncSession, *, chat_id: int, step: Step) -> ComplaintDraft:
    """The draft as it stands at `step` (StaleStepError elsewhere)."""
    context = await require_step(session, chat_id=chat_id, step=step, version=None)
    return _draft(context.data, context.version)


def check_complaint_file(content: bytes, *, max_bytes: int) -> None:
    """A photo or PDF the parent sent, judged by its bytes; AttachmentRejected says why not."""
    check_file(content, max_bytes=max_bytes)


async def add_complaint_file(
    session: AsyncSession, *, chat_id: int, file: PendingFile, caption: str | None = None, now: datetime
) -> ComplaintDraft:
    """Keep a checked file (and words written with it) for the draft, while typing or before sending.

    AttachmentRejected "too_many" past the file limit; DescriptionTooLong (nothing added) when the words do not fit.
    """
    context = await load_chat_context(session, chat_id=chat_id)
    if context.step not in (Step.COMPLAINT_DESCRIPTION, Step.COMPLAINT_CONFIRM):
        raise StaleStepError(chat_id)
    files = list(context.data.get("files") or [])
    if len(files) >= MAX_ATTACHMENTS_PER_COMPLAINT:
        raise AttachmentRejected("too_many", f"a complaint can have up to {MAX_ATTACHMENTS_PER_COMPLAINT} files")
    files.append({"file_id": file.file_id, "name": file.name})
    description = str(context.data.get("description") or "")
    data = {**context.data, "files": files, "description": _joined(description, caption) if caption else description}
    version = await move_to(session, chat_id=chat_id, step=Step(context.step), data=data, now=now)
    return _draft(data, version)


async def pending_files(session: AsyncSession, *, chat_id: int, version: int) -> list[PendingFile]:
    """The files to fetch before sending (StaleStepError for an old "Send" button)."""
    context = await require_step(session, chat_id=chat_id, step=Step.COMPLAINT_CONFIRM, version=version)
    return [PendingFile(file_id=str(item["file_id"]), name=item.get("name")) for item in context.data.get("files") or []]


async def send_complaint(
    session: AsyncSession,
    *,
    chat_id: int,
    carer_id: int,
    version: int,
    files: list[tuple[bytes, str | None]],
    council: CouncilContact,
    attachments_dir: Path,
    max_bytes: int,
    now: datetime,
) -> ComplaintReceipt:
    """"Send" pressed: open the complaint with its files; the reference and acknowledgement go via the outbox."""
    context = await require_step(session, chat_id=chat_id, step=Step.COMPLAINT_CONFIRM, version=version)
    draft = _draft(context.data, context.version)
    await leave_step(session, chat_id=chat_id, now=now)
    receipt = await submit_complaint(
        session,
        carer_id=carer_id,
        child_id=draft.child_id,
        subject=draft.subject,
        description=draft.description,
        now=now,
        council=council,
    )
    assert isinstance(receipt, ComplaintReceipt)
    for content, name in files:
        await add_complaint_attachment(
            session, complaint_id=receipt.complaint_id, carer_id=carer_id, content=content, original_name=name,
            attachments_dir=attachments_dir, max_bytes=max_bytes, now=now,
        )
    return receipt


async def start_escalation(session: AsyncSession, *, chat_id: int, carer_id: int, complaint_id: int, today: date, now: datetime) -> str:
    """"Ask for stage 2" pressed: wait for the reason; the complaint's reference (StepNotAllowed if it cannot go)."""
    complaint = await fetch_complaint(session, complaint_id=complaint_id)
    if complaint is None or complaint.carer_id != carer_id:
        raise NotYourCase("this complaint is not the carer's")
    is_late = today > timetable_of(complaint).final_respond_by
    if complaint.stage != 1 or complaint.status == ComplaintStatus.CLOSED or not (complaint.status == ComplaintStatus.RESPONDED or is_late):
        raise StepNotAllowed(f"{complaint.reference} cannot go to stage 2 now")
    await move_to(session, chat_id=chat_id, step=Step.COMPLAINT_ESCALATION, data={"complaint_id": complaint_id}, now=now)
    return complaint.reference


async def give_escalation_reason(
    session: AsyncSession, *, chat_id: int, carer_id: int, reason: str, now: datetime, council: CouncilContact
) -> None:
    """The reason typed: stage 2 starts and the family is told via the outbox (CaseworkError if it is too long)."""
    context = await require_step(session, chat_id=chat_id, step=Step.COMPLAINT_ESCALATION, version=None)
    await escalate_complaint(session, complaint_id=int(context.data["complaint_id"]), carer_id=carer_id, reason=reason, now=now,
                              council=council)
    await leave_step(session, chat_id=chat_id, now=now)


def _joined(so_far: str, words: str | None) -> str:
    """The words so far with more added as a new paragraph; DescriptionTooLong if that passes the limit."""
    added = (words or "").strip()
    joined = f"{so_far}\n\n{added}" if so_far and added else (so_far or added)
    if len(joined) > MAX_DESCRIPTION_LENGTH:
        raise DescriptionTooLong(max(0, MAX_DESCRIPTION_LENGTH - len(so_far) - (2 if so_far else 0)))
    return joined


def _draft(data: dict, version: int) -> ComplaintDraft:
    child_id = data.get("child_id")
    return ComplaintDraft(
        child_id=int(child_id) if child_id is not None else None,
        subject=ComplaintSubject(data["subject"]),
        description=str(data.get("description") or ""),
        file_count=len(data.get("files") or []),
        version=version,
    )

