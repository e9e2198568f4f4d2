"""The accessibility statement, public so that someone who cannot sign in can still read how to get help."""

from __future__ import annotations

from aiohttp import web

from web.auth.access import public
from web.keys import SETTINGS
from web.staff.rendering import render_page

STATEMENT_PREPARED = "23 November 2026"
STATEMENT_REVIEWED = "23 November 2026"


@public
async def accessibility_statement(request: web.Request) -> web.StreamResponse:
    """How accessible the staff pages are, how to report a problem, and the enforcement procedure."""
    settings = request.app[SETTINGS]
    return render_page(
        request,
        "staff/accessibility.html",
        {
            "prepared_on": STATEMENT_PREPARED,
            "reviewed_on": STATEMENT_REVIEWED,
            "phone": settings.council_transport_phone,
            "phone_hours": settings.council_transport_hours,
        },
    )
