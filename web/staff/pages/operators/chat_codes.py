"""A one-time code to link a Telegram chat to the bot's operator flow: the operator's own, or one an officer makes."""

from __future__ import annotations

from aiohttp import web

from services.operators.chats import issue_chat_code
from services.staff.permissions import Permission
from web.auth.access import require
from web.auth.keys import CLOCK
from web.auth.principal import origin_of, require_principal
from web.keys import DATABASE, SETTINGS
from web.staff.rendering import render_page


async def _issue(request: web.Request, *, operator_id: int, back_path: str) -> web.StreamResponse:
    try:
        async with request.app[DATABASE].transaction() as session:
            issued = await issue_chat_code(
                session, operator_id=operator_id, actor=require_principal(request).actor, now=request.app[CLOCK](),
                origin=origin_of(request),
            )
    except LookupError:
        raise web.HTTPNotFound() from None
    context = {
        "issued": issued, "deep_link": issued.deep_link(bot_username=request.app[SETTINGS].bot_username),
        "back_path": back_path,
    }
    return render_page(request, "staff/operator_chat_code.html", context, status=201)


@require(Permission.REPORT_DISRUPTIONS)
async def own_chat_code_submit(request: web.Request) -> web.StreamResponse:
    """The signed-in operator links one of their own chats."""
    operator_id = require_principal(request).operator_id
    if operator_id is None:
        raise web.HTTPForbidden()
    return await _issue(request, operator_id=operator_id, back_path="/operator")


@require(Permission.MANAGE_OPERATOR_ACCOUNTS)
async def operator_chat_code_submit(request: web.Request) -> web.StreamResponse:
    """An officer or admin makes a code for an operator's person."""
    raw = request.match_info["operator_id"]
    if not raw.isdigit() or not 0 < int(raw) < 2**31:
        raise web.HTTPNotFound()
    return await _issue(request, operator_id=int(raw), back_path="/operators")
