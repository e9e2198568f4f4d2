"""Transport data pages: the overview, one route's children, and the upload of the route-planning export."""

from __future__ import annotations

from aiohttp import web

from services.staff.permissions import Permission
from services.transport.rows import MAX_ERRORS_SHOWN
from services.transport.staff import (
    FileRejected,
    TransportNotFound,
    import_transport_file,
    read_route_children,
    read_transport_overview,
)
from web.auth.access import require
from web.auth.keys import CLOCK
from web.auth.principal import origin_of, require_principal
from web.keys import DATABASE, SETTINGS
from web.staff.rendering import render_page

UPLOAD_FIELD = "file"


def record_id(request: web.Request, name: str) -> int:
    """A numeric id from the path, or 404 for anything that cannot name a record."""
    raw = request.match_info[name]
    if not raw.isdigit() or not 0 < int(raw) < 2**31:
        raise web.HTTPNotFound()
    return int(raw)


async def uploaded_file(request: web.Request) -> bytes | None:
    """The bytes of the form's file field, or None when no file was chosen."""
    form = await request.post()
    upload = form.get(UPLOAD_FIELD)
    if isinstance(upload, web.FileField):
        data = upload.file.read()
        return data or None
    return None


@require(Permission.VIEW_TRANSPORT)
async def transport_page(request: web.Request) -> web.StreamResponse:
    """Schools and routes with their counts (no children's names)."""
    async with request.app[DATABASE].transaction() as session:
        overview = await read_transport_overview(session)
    return render_page(request, "staff/transport.html", {"overview": overview})


@require(Permission.RECORD_TRANSPORT_CHANGES)
async def route_page(request: web.Request) -> web.StreamResponse:
    """One route: its stops and the children on it (officers only; each view is audited)."""
    try:
        async with request.app[DATABASE].transaction() as session:
            route, children = await read_route_children(
                session,
                route_id=record_id(request, "route_id"),
                actor=require_principal(request).actor,
                origin=origin_of(request),
                now=request.app[CLOCK](),
            )
    except TransportNotFound:
        raise web.HTTPNotFound() from None
    return render_page(request, "staff/transport_route.html", {"row": route, "children": children})


@require(Permission.RECORD_TRANSPORT_CHANGES)
async def import_page(request: web.Request) -> web.StreamResponse:
    """The upload form for the route-planning export."""
    return render_page(
        request,
        "staff/transport_import.html",
        {"may_issue_codes": require_principal(request).may(Permission.ISSUE_LINKING_CODES)},
    )


@require(Permission.RECORD_TRANSPORT_CHANGES)
async def import_submit(request: web.Request) -> web.StreamResponse:
    """Import the file, all rows or none; every bad row is listed with its line number."""
    principal = require_principal(request)
    data = await uploaded_file(request)
    may_issue_codes = principal.may(Permission.ISSUE_LINKING_CODES)
    context: dict[str, object] = {"may_issue_codes": may_issue_codes}
    if data is None:
        context["errors"] = [
            (UPLOAD_FIELD, "Choose the route-planning export (a CSV file) to upload")
        ]
        return render_page(request, "staff/transport_import.html", context, status=422)
    issue_codes = may_issue_codes and (await request.post()).get("issue_codes") == "yes"
    try:
        async with request.app[DATABASE].transaction() as session:
            outcome = await import_transport_file(
                session,
                data=data,
                issue_codes=issue_codes,
                ttl_days=request.app[SETTINGS].link_code_ttl_days,
                actor=principal.actor,
                origin=origin_of(request),
                now=request.app[CLOCK](),
            )
    except FileRejected as rejected:
        shown = rejected.errors[:MAX_ERRORS_SHOWN]
        context["errors"] = [
            (UPLOAD_FIELD, f"Line {error.line}: {error.reason}") for error in shown
        ]
        context["error_total"] = len(rejected.errors)
        return render_page(request, "staff/transport_import.html", context, status=422)
    context.update({"outcome": outcome, "bot_username": request.app[SETTINGS].bot_username})
    return render_page(request, "staff/transport_imported.html", context)
