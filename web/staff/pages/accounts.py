"""Staff accounts and API tokens (admins only)."""

from __future__ import annotations

from aiohttp import web

from db.models.staff import StaffRole
from services.staff.permissions import ROLE_LABELS, Permission
from services.staff.accounts import (
    AccountError,
    AccountNotFound,
    create_api_token,
    create_user,
    deactivate_user,
    list_api_tokens,
    list_users,
    revoke_api_token,
)
from web.auth.access import require
from web.auth.keys import CLOCK
from web.auth.principal import origin_of, require_principal
from web.keys import DATABASE
from web.staff.rendering import render_page

ROLE_HINTS = {
    StaffRole.PACT_COORDINATOR: "Broadcasts, surveys, figures and the parental-views section. Never sees who complained.",
    StaffRole.OFFICER: "Transport changes, link codes, complaints and incidents, exports.",
    StaffRole.ADMIN: "Accounts, API tokens and the audit log.",
}


def role_options() -> list[tuple[str, str, str]]:
    """Radio options for choosing a role (operator accounts are added on the Operators' accounts page)."""
    return [(role.value, ROLE_LABELS[role], ROLE_HINTS[role]) for role in StaffRole if role is not StaffRole.OPERATOR]


def _record_id(request: web.Request, name: str) -> int:
    raw = request.match_info[name]
    if not raw.isdigit() or not 0 < int(raw) < 2**31:
        raise web.HTTPNotFound()
    return int(raw)


@require(Permission.MANAGE_ACCOUNTS)
async def accounts_page(request: web.Request) -> web.StreamResponse:
    """Every staff account, with a way to deactivate each."""
    async with request.app[DATABASE].transaction() as session:
        users = await list_users(session)
    return render_page(
        request, "staff/accounts.html", {"users": users, "notice": request.query.get("notice")}
    )


@require(Permission.MANAGE_ACCOUNTS)
async def new_account_page(request: web.Request) -> web.StreamResponse:
    """The form to add an account."""
    return render_page(
        request, "staff/account_new.html", {"form": {}, "role_options": role_options()}
    )


@require(Permission.MANAGE_ACCOUNTS)
async def new_account_submit(request: web.Request) -> web.StreamResponse:
    """Add an account or show what to fix."""
    form = await request.post()
    values = {
        name: str(form.get(name, "")) for name in ("email", "display_name", "role", "password")
    }
    errors: list[tuple[str, str]] = []
    if not values["email"].strip():
        errors.append(("email", "Enter the person's email address"))
    if not values["display_name"].strip():
        errors.append(("display_name", "Enter the person's name"))
    if values["role"] not in {role.value for role in StaffRole}:
        errors.append(("role", "Choose a role"))
    if not values["password"]:
        errors.append(("password", "Enter a first password for the account"))
    if not errors:
        try:
            async with request.app[DATABASE].transaction() as session:
                user = await create_user(
                    session,
                    email=values["email"],
                    display_name=values["display_name"],
                    role=StaffRole(values["role"]),
                    password=values["password"],
                    actor=require_principal(request).actor,
                    origin=origin_of(request),
                    now=request.app[CLOCK](),
                )
        except AccountError as error:
            errors.append((error.field or "email", error.message))
        else:
            return web.Response(
                status=303, headers={"Location": f"/accounts?notice=created-{user.id}"}
            )
    values["password"] = ""
    return render_page(
        request,
        "staff/account_new.html",
        {"form": values, "role_options": role_options(), "errors": errors},
    )


@require(Permission.MANAGE_ACCOUNTS)
async def deactivate_account_submit(request: web.Request) -> web.StreamResponse:
    """Stop an account signing in."""
    user_id = _record_id(request, "user_id")
    principal = require_principal(request)
    try:
        async with request.app[DATABASE].transaction() as session:
            await deactivate_user(
                session,
                user_id=user_id,
                actor=principal.actor,
                now=request.app[CLOCK](),
                origin=origin_of(request),
            )
    except AccountNotFound:
        raise web.HTTPNotFound() from None
    except AccountError as error:
        return await _accounts_with_error(request, error.message)
    return web.Response(status=303, headers={"Location": "/accounts?notice=deactivated"})


async def _accounts_with_error(request: web.Request, message: str) -> web.Response:
    async with request.app[DATABASE].transaction() as session:
        users = await list_users(session)
    return render_page(
        request, "staff/accounts.html", {"users": users, "notice": None, "errors": [("", message)]}
    )


@require(Permission.MANAGE_ACCOUNTS)
async def tokens_page(request: web.Request) -> web.StreamResponse:
    """Every API token, with a way to revoke each."""
    async with request.app[DATABASE].transaction() as session:
        tokens = await list_api_tokens(session)
    return render_page(
        request, "staff/tokens.html", {"tokens": tokens, "notice": request.query.get("notice")}
    )


@require(Permission.MANAGE_ACCOUNTS)
async def new_token_page(request: web.Request) -> web.StreamResponse:
    """The form to issue a token."""
    return render_page(
        request, "staff/token_new.html", {"form": {}, "role_options": role_options()}
    )


@require(Permission.MANAGE_ACCOUNTS)
async def new_token_submit(request: web.Request) -> web.StreamResponse:
    """Issue a token and show it once; it cannot be shown again."""
    form = await request.post()
    values = {name: str(form.get(name, "")) for name in ("name", "role")}
    errors: list[tuple[str, str]] = []
    if not values["name"].strip():
        errors.append(("name", "Enter a name for the token, like Route planning system"))
    if values["role"] not in {role.value for role in StaffRole}:
        errors.append(("role", "Choose a role"))
    if not errors:
        try:
            async with request.app[DATABASE].transaction() as session:
                issued = await create_api_token(
                    session,
                    name=values["name"],
                    role=StaffRole(values["role"]),
                    actor=require_principal(request).actor,
                    now=request.app[CLOCK](),
                    origin=origin_of(request),
                )
        except AccountError as error:
            errors.append((error.field or "name", error.message))
        else:
            return render_page(request, "staff/token_created.html", {"issued": issued}, status=201)
    return render_page(
        request,
        "staff/token_new.html",
        {"form": values, "role_options": role_options(), "errors": errors},
    )


@require(Permission.MANAGE_ACCOUNTS)
async def revoke_token_submit(request: web.Request) -> web.StreamResponse:
    """Revoke a token; clients using it get 401 from now on."""
    token_id = _record_id(request, "token_id")
    try:
        async with request.app[DATABASE].transaction() as session:
            await revoke_api_token(
                session,
                token_id=token_id,
                actor=require_principal(request).actor,
                now=request.app[CLOCK](),
                origin=origin_of(request),
            )
    except AccountNotFound:
        raise web.HTTPNotFound() from None
    return web.Response(status=303, headers={"Location": "/tokens?notice=revoked"})
