"""Sign in and sign out."""

from __future__ import annotations

import secrets

from aiohttp import web

from services.staff.sessions import SignInOutcome, sign_in, sign_out
from web.auth.access import public, signed_in
from web.auth.keys import CLOCK, SESSION_POLICY
from web.auth.middleware import (
    SESSION_COOKIE,
    SIGN_IN_CSRF_COOKIE,
    cookie_is_secure,
    set_session_cookie,
    set_sign_in_csrf_cookie,
)
from web.auth.principal import client_ip_of, origin_of, principal_of, require_principal
from web.keys import DATABASE
from web.staff.rendering import render_page

OPERATOR_HOME = "/operator"
REFUSED_MESSAGE = "Enter a correct email address and password"
THROTTLED_MESSAGE = (
    "You have tried to sign in too many times. Wait {minutes} minutes, then try again."
)


def safe_next(value: str | None) -> str:
    """Only a path on this site may follow sign-in (no open redirects)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/dashboard"


@public
async def sign_in_page(request: web.Request) -> web.StreamResponse:
    """The sign-in form."""
    if principal_of(request) is not None:
        return web.Response(status=303, headers={"Location": safe_next(request.query.get("next"))})
    notice = None
    if request.query.get("signed_out"):
        notice = "You have been signed out because you were inactive or your session ended. Sign in again to continue."
    elif request.query.get("left"):
        notice = "You have signed out."
    return _form(request, next_path=safe_next(request.query.get("next")), notice=notice)


@public
async def sign_in_submit(request: web.Request) -> web.StreamResponse:
    """Check the email and password; start a session or explain what to do."""
    form = await request.post()
    email = str(form.get("email", "")).strip()
    password = str(form.get("password", ""))
    next_path = safe_next(str(form.get("next", "")))
    errors = []
    if not email:
        errors.append(("email", "Enter your email address"))
    if not password:
        errors.append(("password", "Enter your password"))
    if errors:
        return _form(request, next_path=next_path, email=email, errors=errors)
    policy = request.app[SESSION_POLICY]
    async with request.app[DATABASE].transaction() as session:
        result = await sign_in(
            session,
            email=email[:254],
            password=password[:1024],
            client_ip=client_ip_of(request),
            now=request.app[CLOCK](),
            policy=policy,
            origin=origin_of(request),
        )
    if result.outcome is SignInOutcome.THROTTLED:
        minutes = int(policy.failure_window.total_seconds() // 60)
        return _form(
            request,
            next_path=next_path,
            email=email,
            errors=[("email", THROTTLED_MESSAGE.format(minutes=minutes))],
            status=429,
        )
    if result.outcome is SignInOutcome.REFUSED or result.session_id is None:
        return _form(request, next_path=next_path, email=email, errors=[("email", REFUSED_MESSAGE)])
    if result.user is not None and result.user.operator_id is not None and next_path == "/dashboard":
        next_path = OPERATOR_HOME  # operators have no dashboard: their front door is the report page
    response = web.Response(status=303, headers={"Location": next_path})
    set_session_cookie(response, session_id=result.session_id, secure=cookie_is_secure(request))
    response.del_cookie(SIGN_IN_CSRF_COOKIE, path="/sign-in")
    return response


@signed_in
async def sign_out_submit(request: web.Request) -> web.StreamResponse:
    """End the session and go back to the sign-in page."""
    principal = require_principal(request)
    if principal.live_session is not None:
        async with request.app[DATABASE].transaction() as session:
            await sign_out(
                session,
                live=principal.live_session,
                now=request.app[CLOCK](),
                origin=origin_of(request),
            )
    response = web.Response(status=303, headers={"Location": "/sign-in?left=1"})
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


@signed_in
async def home(request: web.Request) -> web.StreamResponse:
    """The service's front door: the dashboard, or an operator's report page."""
    principal = require_principal(request)
    location = OPERATOR_HOME if principal.operator_id is not None else "/dashboard"
    return web.Response(status=303, headers={"Location": location})


def _form(
    request: web.Request,
    *,
    next_path: str,
    email: str = "",
    errors: list[tuple[str, str]] | None = None,
    notice: str | None = None,
    status: int = 200,
) -> web.Response:
    token = request.cookies.get(SIGN_IN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = render_page(
        request,
        "staff/sign_in.html",
        {
            "sign_in_csrf_token": token,
            "next_path": next_path,
            "email": email,
            "errors": errors or [],
            "notice": notice,
            "idle_minutes": int(request.app[SESSION_POLICY].idle_timeout.total_seconds() // 60),
        },
        status=status,
    )
    set_sign_in_csrf_cookie(response, token=token, secure=cookie_is_secure(request))
    return response
