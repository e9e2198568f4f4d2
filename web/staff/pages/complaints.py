"""Complaints for officers: the queue, one complaint, its step forms and audited attachment downloads."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from db.models.casework import ComplaintOutcome, ComplaintStatus
from services.casework.errors import CaseNotFound, CaseworkError, StepNotAllowed
from services.complaints.staff import (
    OUTCOME_LABELS,
    acknowledge_as_officer,
    close_as_officer,
    download_attachment,
    extend_as_officer,
    list_complaints,
    respond_as_officer,
    view_complaint,
)
from services.complaints.timetable import STAGE_1_MAX_EXTENSION_WORKING_DAYS, ExtensionNotAllowed, SameOfficerError
from services.complaints.workflow import MAX_REASON_LENGTH, MAX_RESPONSE_LENGTH
from services.staff.permissions import Permission
from web.auth.access import require
from web.auth.keys import CLOCK
from web.auth.principal import origin_of, require_principal
from services.carers.channel_plans import CouncilContact
from web.keys import DATABASE, SETTINGS
from web.staff.rendering import render_page

NOTICES = {
    "acknowledged": "Complaint acknowledged: the family has been told the date of the answer",
    "extended": "Deadline extended: the family has been told why and the new date",
    "responded": "Answer sent to the family in their chat",
    "closed": "Complaint closed: the family has been told",
}


def _id(request: web.Request, name: str) -> int:
    raw = request.match_info[name]
    if not raw.isdigit() or not 0 < int(raw) < 2**31:
        raise web.HTTPNotFound()
    return int(raw)


@require(Permission.VIEW_CASEWORK)
async def complaints_page(request: web.Request) -> web.StreamResponse:
    """Open complaints, soonest deadline first, due soon and overdue tagged (viewing is audited)."""
    async with request.app[DATABASE].transaction() as session:
        complaints = await list_complaints(
            session, actor=require_principal(request).actor, origin=origin_of(request), now=request.app[CLOCK]()
        )
    notice = NOTICES.get(request.query.get("notice", ""))
    return render_page(request, "staff/complaints.html", {"complaints": complaints, "notice": notice})


@require(Permission.VIEW_CASEWORK)
async def complaint_page(request: web.Request) -> web.StreamResponse:
    """One complaint: dates, timeline, attachments and the forms for the next step."""
    return await _render(request, errors=[], form={}, status=200)


async def _render(request: web.Request, *, errors: list[tuple[str, str]], form: dict[str, str], status: int) -> web.Response:
    try:
        async with request.app[DATABASE].transaction() as session:
            detail = await view_complaint(
                session, complaint_id=_id(request, "complaint_id"), actor=require_principal(request).actor,
                origin=origin_of(request), now=request.app[CLOCK](),
            )
    except CaseNotFound:
        raise web.HTTPNotFound() from None
    context: dict[str, Any] = {
        "detail": detail,
        "complaint": detail.complaint,
        "may_answer": require_principal(request).may(Permission.ANSWER_CASEWORK),
        "statuses": ComplaintStatus,
        "outcomes": [(outcome.value, OUTCOME_LABELS[outcome]) for outcome in ComplaintOutcome],
        "outcome_labels": {outcome.value: label for outcome, label in OUTCOME_LABELS.items()},
        "max_extension": STAGE_1_MAX_EXTENSION_WORKING_DAYS,
        "response_limit": MAX_RESPONSE_LENGTH,
        "reason_limit": MAX_REASON_LENGTH,
        "form": form,
        "errors": errors,
        "notice": NOTICES.get(request.query.get("notice", "")),
    }
    return render_page(request, "staff/complaint.html", context, status=status)


async def _step(request: web.Request, action: str, form: dict[str, str], field: str, run: Any) -> web.StreamResponse:
    """Run one step; on a refusal show the page again with the message against `field`."""
    complaint_id = _id(request, "complaint_id")
    principal = require_principal(request)
    try:
        async with request.app[DATABASE].transaction() as session:
            await run(session, complaint_id, principal.actor)
    except CaseNotFound:
        raise web.HTTPNotFound() from None
    except SameOfficerError:
        message = "You acted on this complaint at stage 1. The Code says stage 2 must be handled by a different officer: ask a colleague to take it"
        return await _render(request, errors=[("", message)], form=form, status=409)
    except StepNotAllowed as error:
        return await _render(request, errors=[("", _sentence(str(error)))], form=form, status=409)
    except (ExtensionNotAllowed, CaseworkError, ValueError) as error:
        return await _render(request, errors=[(field, _sentence(str(error)))], form=form, status=422)
    return web.Response(status=303, headers={"Location": f"/casework/complaints/{complaint_id}?notice={action}"})


@require(Permission.ANSWER_CASEWORK)
async def acknowledge_submit(request: web.Request) -> web.StreamResponse:
    """Acknowledge the current stage and tell the family the answer date."""
    await request.post()

    async def run(session: Any, complaint_id: int, actor: Any) -> None:
        await acknowledge_as_officer(session, complaint_id=complaint_id, actor=actor, origin=origin_of(request), now=request.app[CLOCK](),
                                     council=CouncilContact.from_settings(request.app[SETTINGS]))

    return await _step(request, "acknowledged", {}, "", run)


@require(Permission.ANSWER_CASEWORK)
async def extend_submit(request: web.Request) -> web.StreamResponse:
    """The one stage 1 extension, with the reason the family reads."""
    data = await request.post()
    form = {"working_days": str(data.get("working_days", "")).strip(), "reason": str(data.get("reason", ""))}
    if not form["working_days"].isdigit():
        return await _render(request, errors=[("working_days", f"Enter a whole number of working days from 1 to {STAGE_1_MAX_EXTENSION_WORKING_DAYS}")], form=form, status=422)

    async def run(session: Any, complaint_id: int, actor: Any) -> None:
        await extend_as_officer(
            session, complaint_id=complaint_id, working_days=int(form["working_days"]), reason=form["reason"], actor=actor,
            origin=origin_of(request), now=request.app[CLOCK](), council=CouncilContact.from_settings(request.app[SETTINGS]),
        )

    field = "reason" if not form["reason"].strip() or len(form["reason"]) > MAX_REASON_LENGTH else "working_days"
    return await _step(request, "extended", form, field, run)


@require(Permission.ANSWER_CASEWORK)
async def respond_submit(request: web.Request) -> web.StreamResponse:
    """The stage's answer and finding, sent to the family."""
    data = await request.post()
    form = {"response": str(data.get("response", "")), "outcome": str(data.get("outcome", ""))}
    if form["outcome"] not in {outcome.value for outcome in ComplaintOutcome}:
        return await _render(request, errors=[("outcome", "Select what you found")], form=form, status=422)

    async def run(session: Any, complaint_id: int, actor: Any) -> None:
        await respond_as_officer(
            session, complaint_id=complaint_id, response=form["response"], outcome=ComplaintOutcome(form["outcome"]), actor=actor,
            origin=origin_of(request), now=request.app[CLOCK](), council=CouncilContact.from_settings(request.app[SETTINGS]),
        )

    return await _step(request, "responded", form, "response", run)


@require(Permission.ANSWER_CASEWORK)
async def close_submit(request: web.Request) -> web.StreamResponse:
    """Close the complaint (a note is needed while it is still open) and tell the family."""
    data = await request.post()
    form = {"note": str(data.get("note", ""))}

    async def run(session: Any, complaint_id: int, actor: Any) -> None:
        await close_as_officer(session, complaint_id=complaint_id, note=form["note"], actor=actor, origin=origin_of(request), now=request.app[CLOCK](),
                               council=CouncilContact.from_settings(request.app[SETTINGS]))

    return await _step(request, "closed", form, "note", run)


@require(Permission.VIEW_CASEWORK)
async def attachment_download(request: web.Request) -> web.StreamResponse:
    """An attachment's bytes, as a download (never shown inline); audited."""
    try:
        async with request.app[DATABASE].transaction() as session:
            attachment, content = await download_attachment(
                session, complaint_id=_id(request, "complaint_id"), attachment_id=_id(request, "attachment_id"),
                attachments_dir=request.app[SETTINGS].attachments_dir, actor=require_principal(request).actor,
                origin=origin_of(request), now=request.app[CLOCK](),
            )
    except CaseNotFound:
        raise web.HTTPNotFound() from None
    return file_response(attachment.id or 0, attachment.content_type, attachment.stored_name, content)


def file_response(attachment_id: int, content_type: str, stored_name: str, content: bytes) -> web.Response:
    """A download that browsers save rather than render, named by id (the parent's file name is not trusted)."""
    extension = stored_name.rsplit(".", 1)[-1] if "." in stored_name else "bin"
    return web.Response(
        body=content,
        content_type=content_type,
        headers={
            "Content-Disposition": f'attachment; filename="complaint-attachment-{attachment_id}.{extension}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:]
