"""The dashboard: what needs a person now."""

from __future__ import annotations

from aiohttp import web

from services.staff.dashboard import read_dashboard
from services.staff.permissions import Permission
from web.auth.access import require
from web.auth.keys import CLOCK
from web.keys import DATABASE
from web.staff.rendering import render_page


@require(Permission.VIEW_DASHBOARD)
async def dashboard(request: web.Request) -> web.StreamResponse:
    """Counts of problems, unacknowledged changes, due complaints, unreachable carers and late applications."""
    async with request.app[DATABASE].transaction() as session:
        readings = await read_dashboard(session, now=request.app[CLOCK]())
    return render_page(request, "staff/dashboard.html", {"readings": readings})
