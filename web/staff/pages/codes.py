"""Linking code and application pages: issue a code for one child or a batch as CSV; applications past the promise."""

from __future__ import annotations

import io
import re

from aiohttp import web

from messaging.quiet_hours import UK
from services.carers.codes import write_mail_merge_csv
from services.staff.permissions import Permission
from services.applications.staff import overdue_applications_as
from services.transport.code_issuing import issue_code_for_council_reference, issue_codes_for_children_without_one
from services.transport.staff import TransportNotFound
from web.auth.access import require
from web.auth.keys import CLOCK
from web.auth.principal import origin_of, require_principal
from web.keys import DATABASE, SETTINGS
from web.staff.rendering import render_page

COUNCIL_REFERENCE = re.compile(r"[A-Za-z0-9_/-]{1,32}")
NO_BOT_USERNAME = "Set CARERLINE_BOT_USERNAME first: the letters need the bot's link"


def _codes_page(
    request: web.Request, *, errors: list[tuple[str, str]], reference: str = ""
) -> web.Response:
    context = {
        "errors": errors,
        "reference": reference,
        "bot_username": request.app[SETTINGS].bot_username,
    }
    return render_page(request, "staff/codes.html", context, status=422 if errors else 200)


@require(Permission.ISSUE_LINKING_CODES)
async def codes_page(request: web.Request) -> web.StreamResponse:
    """Issue a code for one child, or codes for every child without one."""
    return _codes_page(request, errors=[])


@require(Permission.ISSUE_LINKING_CODES)
async def issue_child_code_submit(request: web.Request) -> web.StreamResponse:
    """Issue one child's code and show it once."""
    reference = str((await request.post()).get("council_reference", "")).strip()
    if not COUNCIL_REFERENCE.fullmatch(reference):
        return _codes_page(
            request,
            errors=[
                ("council_reference", "Enter the child's council reference, for example KCC-100001")
            ],
            reference=reference[:64],
        )
    try:
        async with request.app[DATABASE].transaction() as session:
            issued = await issue_code_for_council_reference(
                session,
                council_reference=reference,
                ttl_days=request.app[SETTINGS].link_code_ttl_days,
                actor=require_principal(request).actor,
                origin=origin_of(request),
                now=request.app[CLOCK](),
            )
    except TransportNotFound:
        return _codes_page(
            request,
            errors=[("council_reference", f"There is no child with council reference {reference}")],
            reference=reference,
        )
    return render_page(
        request,
        "staff/codes_issued.html",
        {"issued": [issued], "bot_username": request.app[SETTINGS].bot_username},
    )


@require(Permission.ISSUE_LINKING_CODES)
async def issue_batch_download(request: web.Request) -> web.StreamResponse:
    """Codes for every active child without a usable one, as a mail-merge CSV (shown this once)."""
    bot_username = request.app[SETTINGS].bot_username
    if not bot_username:
        return _codes_page(request, errors=[("batch", NO_BOT_USERNAME)])
    now = request.app[CLOCK]()
    async with request.app[DATABASE].transaction() as session:
        issued = await issue_codes_for_children_without_one(
            session,
            ttl_days=request.app[SETTINGS].link_code_ttl_days,
            actor=require_principal(request).actor,
            origin=origin_of(request),
            now=now,
        )
    handle = io.StringIO()
    write_mail_merge_csv(handle, issued, bot_username=bot_username)
    return web.Response(
        text=handle.getvalue(),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="linking-codes-{now:%Y-%m-%d}.csv"'},
    )


@require(Permission.RECORD_TRANSPORT_CHANGES)
async def overdue_applications_page(request: web.Request) -> web.StreamResponse:
    """Open applications past 20 working days (the council's four-week promise); viewing is audited."""
    now = request.app[CLOCK]()
    async with request.app[DATABASE].transaction() as session:
        overdue = await overdue_applications_as(
            session,
            today=now.astimezone(UK).date(),
            actor=require_principal(request).actor,
            origin=origin_of(request),
            now=now,
        )
    return render_page(request, "staff/applications_overdue.html", {"overdue": overdue})
