"""Transport change pages: record a change, the list, one change's delivery figures, and the call list."""

from __future__ import annotations

import io
import re

from aiohttp import web

from db.dao.broadcasts import fetch_audience_choices
from db.models import ChangeKind
from services.changes.followups import write_call_list_csv
from services.changes.staff import (
    call_list_as,
    change_summary,
    import_changes_file,
    list_changes,
    record_change_as,
)
from services.staff.permissions import Permission
from services.changes.notices import FAMILY_TEXT_FIELDS, ChangeError, ChangeRequest
from services.transport.rows import MAX_ERRORS_SHOWN
from services.transport.staff import FileRejected, TransportNotFound
from web.auth.access import require
from web.auth.keys import CLOCK
from web.auth.principal import origin_of, require_principal
from web.keys import DATABASE, SETTINGS
from web.staff.rendering import render_page
from web.staff.pages.date_fields import date_field
from web.staff.pages.transport import UPLOAD_FIELD, record_id, uploaded_file

KIND_LABELS = {
    ChangeKind.NEW_PICKUP_TIME: "New pick-up time",
    ChangeKind.NEW_OPERATOR: "New operator",
    ChangeKind.NEW_DRIVER: "New driver",
    ChangeKind.NEW_PASSENGER_ASSISTANT: "New passenger assistant",
    ChangeKind.VEHICLE_CHANGE: "Vehicle change",
    ChangeKind.ROUTE_SUSPENDED: "Route suspended on dates",
    ChangeKind.CANCELLED_TODAY: "Cancelled today (always urgent)",
}
CHANNEL_LABELS = {"telegram": "Telegram", "sms": "Text message", "email": "Email", "letter": "Letter"}
CHANNEL_COLUMNS = (
    ("sent", "Sent"), ("delivered", "Delivered"), ("failed", "Failed"), ("acknowledged", "Seen it"),
    ("waiting", "Waiting"),
)
ROUTE_CODE = re.compile(r"[A-Za-z0-9_/-]{1,32}")
TEXT_LIMITS = {**FAMILY_TEXT_FIELDS, "contact_phone": 32}
# Fields the form does not show: their error is shown at the nearest field that is there.
FIELD_OF_CHANGE_ERROR = {"stop_sequence": "route_code", "operator_code": "route_code", "recorded_by": "reason"}
REASONS = {
    "not_acknowledged": 'Has not said "I\'ve seen this"',
    "unreachable": "Telegram cannot reach them (blocked the bot)",
    "not_delivered": "No channel could deliver the message",
    "no_contact_held": "No Telegram, mobile, email or (in time) address held",
    "not_yet_sent": "Not sent yet",
    "muted_changes": "Turned off change notices",
    "no_consent": "Withdrew consent",
    "not_on_carerline": "No carer on Carerline",
    "linked_after_change": "Joined after the change was sent",
    "not_sent": "Not sent",
}


def _parse_change(
    form: dict[str, str], *, recorded_by: str
) -> tuple[ChangeRequest | None, list[tuple[str, str]]]:
    errors: list[tuple[str, str]] = []
    if not ROUTE_CODE.fullmatch(form.get("route_code", "")):
        errors.append(("route_code", "Choose the route that changes"))
    kind = form.get("kind", "")
    if kind not in {item.value for item in ChangeKind}:
        errors.append(("kind", "Choose what changes"))
    effective_from, problem = date_field(form, "effective_from", "date it starts", required=True)
    if problem:
        errors.append(("effective_from", problem))
    effective_until, problem = date_field(form, "effective_until", "last day", required=False)
    if problem:
        errors.append(("effective_until", problem))
    for name, limit in TEXT_LIMITS.items():
        if len(form.get(name, "")) > limit or "\x00" in form.get(name, ""):
            errors.append((name, f"This must be {limit:,} characters or fewer"))
    if errors or effective_from is None:
        return None, errors
    request = ChangeRequest(
        kind=ChangeKind(kind),
        effective_from=effective_from,
        effective_until=effective_until,
        recorded_by=recorded_by,
        route_code=form["route_code"],
        old_value=form.get("old_value"),
        new_value=form.get("new_value"),
        is_urgent=form.get("is_urgent") == "yes",
        reason=form.get("reason", ""),
        contact_phone=form.get("contact_phone"),
    )
    return request, []


async def _form_page(
    request: web.Request, form: dict[str, str], errors: list[tuple[str, str]]
) -> web.Response:
    async with request.app[DATABASE].transaction() as session:
        _, routes, _ = await fetch_audience_choices(session)
    context = {
        "form": form,
        "errors": errors,
        "route_options": [("", "Choose a route")] + [(code, code) for code in routes],
        "kind_options": [(kind.value, label, None) for kind, label in KIND_LABELS.items()],
        "reason_limit": FAMILY_TEXT_FIELDS["reason"],
        "value_limit": FAMILY_TEXT_FIELDS["old_value"],
    }
    return render_page(request, "staff/change_new.html", context, status=422 if errors else 200)


@require(Permission.RECORD_TRANSPORT_CHANGES)
async def new_change_page(request: web.Request) -> web.StreamResponse:
    """The form to record a change."""
    return await _form_page(request, {}, [])


@require(Permission.RECORD_TRANSPORT_CHANGES)
async def new_change_submit(request: web.Request) -> web.StreamResponse:
    """Record the change and queue the notices, or show what to fix."""
    form = {key: value for key, value in (await request.post()).items() if isinstance(value, str)}
    principal = require_principal(request)
    change_request, errors = _parse_change(form, recorded_by=principal.actor.label[:128])
    if change_request is None:
        return await _form_page(request, form, errors)
    try:
        async with request.app[DATABASE].transaction() as session:
            recorded = await record_change_as(
                session,
                request=change_request,
                actor=principal.actor,
                origin=origin_of(request),
                now=request.app[CLOCK](),
                council_phone=request.app[SETTINGS].council_transport_phone,
                council_hours=request.app[SETTINGS].council_transport_hours,
            )
    except ChangeError as error:
        message = str(error).split(": ", 1)[-1]
        return await _form_page(
            request,
            form,
            [
                (
                    FIELD_OF_CHANGE_ERROR.get(error.field, error.field),
                    message[:1].upper() + message[1:],
                )
            ],
        )
    return web.Response(
        status=303, headers={"Location": f"/changes/{recorded.change.id}?notice=recorded"}
    )


@require(Permission.VIEW_TRANSPORT)
async def changes_page(request: web.Request) -> web.StreamResponse:
    """The most recent changes with how many families have seen each."""
    async with request.app[DATABASE].transaction() as session:
        summaries = await list_changes(session)
    imported = request.query.get("imported", "")
    context = {
        "summaries": summaries,
        "kind_labels": KIND_LABELS,
        "imported": int(imported) if imported.isdigit() else None,
    }
    return render_page(request, "staff/changes.html", context)


@require(Permission.RECORD_TRANSPORT_CHANGES)
async def import_changes_page(request: web.Request) -> web.StreamResponse:
    """The upload form for a CSV file of changes."""
    return render_page(request, "staff/change_import.html")


@require(Permission.RECORD_TRANSPORT_CHANGES)
async def import_changes_submit(request: web.Request) -> web.StreamResponse:
    """Record every change in the file, or none; every bad row is listed with its line number."""
    principal = require_principal(request)
    data = await uploaded_file(request)
    if data is None:
        return render_page(
            request,
            "staff/change_import.html",
            {"errors": [(UPLOAD_FIELD, "Choose a CSV file of changes to upload")]},
            status=422,
        )
    try:
        async with request.app[DATABASE].transaction() as session:
            recorded = await import_changes_file(
                session,
                data=data,
                actor=principal.actor,
                origin=origin_of(request),
                now=request.app[CLOCK](),
                council_phone=request.app[SETTINGS].council_transport_phone,
                council_hours=request.app[SETTINGS].council_transport_hours,
            )
    except FileRejected as rejected:
        errors = [
            (UPLOAD_FIELD, f"Line {error.line}: {error.reason}")
            for error in rejected.errors[:MAX_ERRORS_SHOWN]
        ]
        return render_page(
            request,
            "staff/change_import.html",
            {"errors": errors, "error_total": len(rejected.errors)},
            status=422,
        )
    new = sum(1 for item in recorded if item.is_new)
    return web.Response(status=303, headers={"Location": f"/changes?imported={new}"})


@require(Permission.VIEW_TRANSPORT)
async def change_page(request: web.Request) -> web.StreamResponse:
    """One change: sent, acknowledged and unreachable counts with a progress bar, per channel, and families to call."""
    try:
        async with request.app[DATABASE].transaction() as session:
            summary = await change_summary(session, change_id=record_id(request, "change_id"), now=request.app[CLOCK]())
    except TransportNotFound:
        raise web.HTTPNotFound() from None
    context = {
        "summary": summary,
        "kind_labels": KIND_LABELS,
        "just_recorded": request.query.get("notice") == "recorded",
        "channel_labels": CHANNEL_LABELS,
        "channel_columns": CHANNEL_COLUMNS,
    }
    return render_page(request, "staff/change.html", context)


@require(Permission.RECORD_TRANSPORT_CHANGES)
async def call_list_page(request: web.Request) -> web.StreamResponse:
    """Families to telephone now (viewing is audited)."""
    async with request.app[DATABASE].transaction() as session:
        rows = await call_list_as(
            session,
            actor=require_principal(request).actor,
            origin=origin_of(request),
            now=request.app[CLOCK](),
        )
    return render_page(request, "staff/call_list.html", {"rows": rows, "reasons": REASONS})


@require(Permission.RECORD_TRANSPORT_CHANGES)
async def call_list_download(request: web.Request) -> web.StreamResponse:
    """The call list as a CSV file (downloading is audited)."""
    now = request.app[CLOCK]()
    async with request.app[DATABASE].transaction() as session:
        rows = await call_list_as(
            session,
            actor=require_principal(request).actor,
            origin=origin_of(request),
            now=now,
            as_file=True,
        )
    handle = io.StringIO()
    write_call_list_csv(handle, rows)
    return web.Response(
        text=handle.getvalue(),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="call-list-{now:%Y-%m-%d}.csv"'},
    )
