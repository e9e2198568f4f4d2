"""Broadcast pages: compose, preview, approvals, send, cancel and the live report."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiohttp import web

from db.dao.broadcasts import fetch_audience_choices
from db.models.broadcasts import BroadcastStatus
from db.models.surveys import SurveyStatus
from db.models.transport import Phase
from services.broadcasts.audiences import AUDIENCE_KINDS, describe_audience
from services.broadcasts.rendering import PLACEHOLDERS
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
from services.staff.permissions import Permission
from services.surveys.workflow import list_surveys
from web.auth.access import require
from web.auth.keys import CLOCK
from web.auth.principal import origin_of, require_principal
from web.keys import DATABASE, SETTINGS
from web.staff.rendering import render_page

FORM_FIELDS = (
    "title", "template_text", "audience_kind", "audience_school", "audience_route", "audience_district", "audience_phase",
    "audience_not_answered_survey",
)
NOTICES = {
    "requested": "Sent for approval: someone else must approve it before it can go",
    "approved": "Approved: it can now be sent",
    "cancelled": "Broadcast cancelled",
    "scheduled": "Scheduled: it will be sent at the time you chose",
}
COUNCIL_TIME_ZONE = ZoneInfo("Europe/London")


def parse_send_at(raw: str) -> datetime:
    """A datetime-local field's value (UK time) as an aware datetime, or BroadcastError naming the field."""
    try:
        return datetime.strptime(raw.strip(), "%Y-%m-%dT%H:%M").replace(tzinfo=COUNCIL_TIME_ZONE)
    except ValueError:
        raise BroadcastError("Enter the date and time to send, for example 14/03/2027 09:00", field="send_at") from None


def _broadcast_id(request: web.Request) -> int:
    raw = request.match_info["broadcast_id"]
    if not raw.isdigit() or not 0 < int(raw) < 2**31:
        raise web.HTTPNotFound()
    return int(raw)


async def _picker_context(request: web.Request) -> dict[str, object]:
    async with request.app[DATABASE].transaction() as session:
        schools, routes, districts = await fetch_audience_choices(session)
        surveys = await list_surveys(session, statuses=[SurveyStatus.SENT.value, SurveyStatus.CLOSED.value])
    blank = [("", "Choose")]
    return {
        "kind_options": list(AUDIENCE_KINDS.items()),
        "school_options": blank + [(str(school.id), school.name) for school in schools],
        "route_options": blank + [(code, code) for code in routes],
        "district_options": blank + [(district, district) for district in districts],
        "phase_options": blank + [(phase.value, phase.value.replace("_", " ").capitalize()) for phase in Phase],
        "placeholders": PLACEHOLDERS,
        "survey_options": blank + [(str(survey.id), survey.title) for survey in surveys],
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
    kind = values["audience_kind"]
    try:
        async with request.app[DATABASE].transaction() as session:
            broadcast = await create_broadcast(
                session, title=values["title"], template_text=values["template_text"], audience_kind=kind,
                audience_value=values.get(f"audience_{kind}"), actor=require_principal(request).actor,
                now=request.app[CLOCK](), origin=origin_of(request),
            )
    except BroadcastError as error:
        errors = [(error.field or "title", error.message)]
        return render_page(request, "staff/broadcast_new.html", {"form": values, "errors": errors, **await _picker_context(request)})
    return web.Response(status=303, headers={"Location": f"/broadcasts/{broadcast.id}"})


@require(Permission.COMPOSE_BROADCASTS)
async def broadcast_page(request: web.Request) -> web.StreamResponse:
    """One broadcast: the real recipient count, two samples, and the next steps its status allows."""
    return await _render_broadcast(request, _broadcast_id(request), notice=NOTICES.get(request.query.get("notice", "")))


async def _render_broadcast(
    request: web.Request, broadcast_id: int, *, notice: str | None = None, errors: list[tuple[str, str]] | None = None
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
    }
    return render_page(request, "staff/broadcast.html", context, status=409 if errors else 200)


async def _take_step(request: web.Request, step: str) -> web.StreamResponse:
    broadcast_id = _broadcast_id(request)
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
                await send_broadcast(session, approval_threshold=request.app[SETTINGS].broadcast_approval_threshold, **arguments)
            elif step == "scheduled":
                send_at = parse_send_at(str(form.get("send_at", "")))
                await schedule_broadcast(session, send_at=send_at, approval_threshold=request.app[SETTINGS].broadcast_approval_threshold, **arguments)
            else:
                await cancel_broadcast(session, **arguments)
    except BroadcastNotFound:
        raise web.HTTPNotFound() from None
    except BroadcastError as error:
        field = error.field if error.field == "send_at" else "broadcast-actions"
        return await _render_broadcast(request, broadcast_id, errors=[(field, error.message)])
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
            report = await broadcast_report(session, broadcast_id=_broadcast_id(request))
    except BroadcastNotFound:
        raise web.HTTPNotFound() from None
    return render_page(request, "staff/broadcast_report.html", {"report": report, "audience_label": describe_audience(report.broadcast.audience)})
