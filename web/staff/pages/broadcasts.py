"""Broadcast pages: compose, preview, approvals, send, cancel and the live report."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from aiohttp import web

from db.models.broadcasts import BroadcastStatus
from services.broadcasts.audiences import AUDIENCE_KINDS, describe_audience
from services.broadcasts.rendering import MAX_TEMPLATE_LENGTH, PLACEHOLDERS
from services.broadcasts.workflow import (
    BroadcastError,
    BroadcastNotFound,
    approve_broadcast,
    broadcast_report,
    cancel_broadcast,
    create_broadcast,
    find_broadcast,
    list_broadcasts,
    preview_broadcast,
    request_approval,
    schedule_broadcast,
    send_broadcast,
)
from services.carers.channel_plans import CouncilContact
from services.staff.permissions import Permission
from web.auth.access import require
from web.auth.keys import CLOCK
from web.auth.principal import origin_of, require_principal
from web.keys import DATABASE, SETTINGS
from web.staff.pages.audience_form import AUDIENCE_FIELDS, audience_context, chosen_audience_value, page_field
from web.staff.pages.date_fields import date_time_field
from web.staff.pages.transport import record_id
from web.staff.rendering import render_page

FORM_FIELDS = ("title", *AUDIENCE_FIELDS, "template_text")
NOTICES = {
    "requested": "Sent for approval: someone else must approve it before it can go",
    "approved": "Approved: it can now be sent",
    "cancelled": "Broadcast cancelled",
    "scheduled": "Scheduled: it will be sent at the time you chose",
}
SEND_AT_FIELDS = tuple(f"send_at-{part}" for part in ("day", "month", "year", "time"))


def parse_send_at(form: Mapping[str, str]) -> datetime:
    """The GOV.UK date input and time of "send it later" (UK time), or BroadcastError naming the field."""
    send_at, problem = date_time_field(form, "send_at", "sending date", required=True)
    if send_at is None:
        raise BroadcastError(problem or "Enter the sending date", field="send_at")
    return send_at


async def _picker_context(request: web.Request) -> dict[str, object]:
    return {
        **await audience_context(request, kinds=list(AUDIENCE_KINDS)), "placeholders": PLACEHOLDERS,
        "template_limit": MAX_TEMPLATE_LENGTH,
    }


@require(Permission.COMPOSE_BROADCASTS)
async def broadcasts_page(request: web.Request) -> web.StreamResponse:
    """Every recent broadcast, and those waiting for approval."""
    async with request.app[DATABASE].transaction() as session:
        broadcasts = await list_broadcasts(session)
    waiting = [item for item in broadcasts if item.status == BroadcastStatus.AWAITING_APPROVAL.value]
    return render_page(request, "staff/broadcasts.html", {"broadcasts": broadcasts, "waiting": waiting, "describe_audience": describe_audience})


@require(Permission.APPROVE_BROADCASTS)
async def approvals_page(request: web.Request) -> web.StreamResponse:
    """Broadcasts waiting for a second person."""
    async with request.app[DATABASE].transaction() as session:
        waiting = await list_broadcasts(session, awaiting_approval_only=True)
    return render_page(request, "staff/broadcast_approvals.html", {"waiting": waiting, "describe_audience": describe_audience})


@require(Permission.COMPOSE_BROADCASTS)
async def new_broadcast_page(request: web.Request) -> web.StreamResponse:
    """The composer."""
    return render_page(request, "staff/broadcast_new.html", {"form": {}, **await _picker_context(request)})


@require(Permission.COMPOSE_BROADCASTS)
async def new_broadcast_submit(request: web.Request) -> web.StreamResponse:
    """Save a draft and show its preview, or show what to fix."""
    form = await request.post()
    values = {name: str(form.get(name, "")) for name in FORM_FIELDS}
    try:
        async with request.app[DATABASE].transaction() as session:
            broadcast = await create_broadcast(
                session, title=values["title"], template_text=values["template_text"], audience_kind=values["audience_kind"],
                audience_value=chosen_audience_value(values), actor=require_principal(request).actor,
                now=request.app[CLOCK](), origin=origin_of(request),
            )
    except BroadcastError as error:
        errors = [(page_field(error.field, values) or "title", error.message)]
        return render_page(request, "staff/broadcast_new.html", {"form": values, "errors": errors, **await _picker_context(request)})
    return web.Response(status=303, headers={"Location": f"/broadcasts/{broadcast.id}"})


@require(Permission.COMPOSE_BROADCASTS)
async def broadcast_page(request: web.Request) -> web.StreamResponse:
    """One broadcast: the real recipient count, two samples, and the next steps its status allows."""
    return await _render_broadcast(request, record_id(request, "broadcast_id"), notice=NOTICES.get(request.query.get("notice", "")))


async def _render_broadcast(
    request: web.Request, broadcast_id: int, *, notice: str | None = None, errors: list[tuple[str, str]] | None = None,
    form: dict[str, str] | None = None,
) -> web.StreamResponse:
    threshold = request.app[SETTINGS].broadcast_approval_threshold
    problem = None
    try:
        async with request.app[DATABASE].transaction() as session:
            broadcast = await find_broadcast(session, broadcast_id=broadcast_id)
            try:
                preview = await preview_broadcast(session, broadcast=broadcast, approval_threshold=threshold)
            except BroadcastError as error:
                preview, problem = None, error.message
    except BroadcastNotFound:
        raise web.HTTPNotFound() from None
    context = {
        "broadcast": broadcast, "preview": preview, "problem": problem, "audience_label": describe_audience(broadcast.audience),
        "notice": notice, "principal_id": require_principal(request).actor.id, "threshold": threshold, "errors": errors or [],
        "form": form or {},
    }
    return render_page(request, "staff/broadcast.html", context, status=409 if errors else 200)


async def _take_step(request: web.Request, step: str) -> web.StreamResponse:
    broadcast_id = record_id(request, "broadcast_id")
    principal = require_principal(request)
    arguments = {"broadcast_id": broadcast_id, "actor": principal.actor, "now": request.app[CLOCK](), "origin": origin_of(request)}
    form = await request.post()
    try:
        async with request.app[DATABASE].transaction() as session:
            if step == "requested":
                await request_approval(session, **arguments)
            elif step == "approved":
                await approve_broadcast(session, **arguments)
            elif step == "sent":
                await send_broadcast(session, approval_threshold=request.app[SETTINGS].broadcast_approval_threshold,
                                     council=CouncilContact.from_settings(request.app[SETTINGS]), **arguments)
            elif step == "scheduled":
                send_at = parse_send_at({name: str(form.get(name, "")) for name in SEND_AT_FIELDS})
                await schedule_broadcast(session, send_at=send_at, approval_threshold=request.app[SETTINGS].broadcast_approval_threshold, **arguments)
            else:
                await cancel_broadcast(session, **arguments)
    except BroadcastNotFound:
        raise web.HTTPNotFound() from None
    except BroadcastError as error:
        field = error.field if error.field == "send_at" else "broadcast-actions"
        typed = {name: str(form.get(name, "")) for name in SEND_AT_FIELDS}
        return await _render_broadcast(request, broadcast_id, errors=[(field, error.message)], form=typed)
    target = f"/broadcasts/{broadcast_id}/report" if step == "sent" else f"/broadcasts/{broadcast_id}?notice={step}"
    return web.Response(status=303, headers={"Location": target})


@require(Permission.COMPOSE_BROADCASTS)
async def request_approval_submit(request: web.Request) -> web.StreamResponse:
    """Send a draft for approval."""
    return await _take_step(request, "requested")


@require(Permission.APPROVE_BROADCASTS)
async def approve_submit(request: web.Request) -> web.StreamResponse:
    """Approve someone else's broadcast."""
    return await _take_step(request, "approved")


@require(Permission.SEND_BROADCASTS)
async def send_submit(request: web.Request) -> web.StreamResponse:
    """Send now, through the delivery engine."""
    return await _take_step(request, "sent")


@require(Permission.SEND_BROADCASTS)
async def schedule_submit(request: web.Request) -> web.StreamResponse:
    """Send later, at the chosen UK time."""
    return await _take_step(request, "scheduled")


@require(Permission.SEND_BROADCASTS)
async def cancel_submit(request: web.Request) -> web.StreamResponse:
    """Cancel; unsent messages are withdrawn."""
    return await _take_step(request, "cancelled")


@require(Permission.SEND_BROADCASTS)
async def report_page(request: web.Request) -> web.StreamResponse:
    """Live delivery figures with a progress bar (refreshed by a script, or by the refresh link)."""
    try:
        async with request.app[DATABASE].transaction() as session:
            report = await broadcast_report(session, broadcast_id=record_id(request, "broadcast_id"))
    except BroadcastNotFound:
        raise web.HTTPNotFound() from None
    return render_page(request, "staff/broadcast_report.html", {"report": report, "audience_label": describe_audience(report.broadcast.audience)})
