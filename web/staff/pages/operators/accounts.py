"""Officers and admins add operators' accounts and tokens: each sees only its own operator's routes (audited)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from db.models.staff import StaffRole
from services.operators.routes import list_operators
from services.staff.accounts import AccountError, AccountNotFound, create_api_token, create_user
from services.staff.permissions import Permission
from web.auth.access import require
from web.auth.keys import CLOCK
from web.auth.principal import origin_of, require_principal
from web.keys import DATABASE
from web.staff.rendering import render_page


def _operator_id(request: web.Request) -> int:
    raw = request.match_info["operator_id"]
    if not raw.isdigit() or not 0 < int(raw) < 2**31:
        raise web.HTTPNotFound()
    return int(raw)


async def _render(request: web.Request, *, errors: list[tuple[str, str]], values: dict[str, Any], status: int = 200) -> web.Response:
    async with request.app[DATABASE].transaction() as session:
        operators = await list_operators(session)
    context = {"operators": operators, "values": values, "errors": errors, "notice": request.query.get("notice")}
    return render_page(request, "staff/operator_accounts.html", context, status=status)


@require(Permission.MANAGE_OPERATOR_ACCOUNTS)
async def operator_accounts_page(request: web.Request) -> web.StreamResponse:
    """Every operator, with forms to add a person's account or a dispatch system's token."""
    return await _render(request, errors=[], values={})


@require(Permission.MANAGE_OPERATOR_ACCOUNTS)
async def new_operator_account_submit(request: web.Request) -> web.StreamResponse:
    """Add an operator account, or show the field at fault."""
    values = {key: str(value) for key, value in (await request.post()).items() if key != "csrf_token"}
    try:
        async with request.app[DATABASE].transaction() as session:
            user = await create_user(
                session, email=values.get("email", ""), display_name=values.get("display_name", ""),
                role=StaffRole.OPERATOR, password=values.get("password", ""), actor=require_principal(request).actor,
                origin=origin_of(request), now=request.app[CLOCK](), operator_id=_operator_id(request),
            )
    except AccountNotFound:
        raise web.HTTPNotFound() from None
    except AccountError as error:
        return await _render(request, errors=[(error.field or "email", error.message)], values=values, status=422)
    raise web.HTTPSeeOther(location="/operators?" + urlencode({"notice": f"Account added for {user.email}"}))


@require(Permission.MANAGE_OPERATOR_ACCOUNTS)
async def new_operator_token_submit(request: web.Request) -> web.StreamResponse:
    """Issue a token for an operator's dispatch system; shown once."""
    values = {key: str(value) for key, value in (await request.post()).items() if key != "csrf_token"}
    try:
        async with request.app[DATABASE].transaction() as session:
            issued = await create_api_token(
                session, name=values.get("name", ""), role=StaffRole.OPERATOR, actor=require_principal(request).actor,
                now=request.app[CLOCK](), origin=origin_of(request), operator_id=_operator_id(request),
            )
    except AccountNotFound:
        raise web.HTTPNotFound() from None
    except AccountError as error:
        return await _render(request, errors=[("name", error.message)], values=values, status=422)
    context = {"issued": issued, "back_path": "/operators", "back_label": "operators"}
    return render_page(request, "staff/token_created.html", context, status=201)
