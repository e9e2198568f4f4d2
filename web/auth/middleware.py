"""Who is calling and may they: sessions and bearer tokens, route access, CSRF, security headers."""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlencode

from aiohttp import web

from db.models.staff import ActorKind, StaffRole
from services.staff.audit import Actor
from services.staff.accounts import authenticate_api_token
from services.staff.sessions import resume_session
from web.auth.access import PUBLIC, Access, declared_access
from web.auth.keys import CLOCK, REQUEST_ID, SESSION_POLICY
from web.auth.principal import PRINCIPAL, Credential, Principal
from web.keys import DATABASE, SETTINGS

SESSION_COOKIE = "carerline_session"
SIGN_IN_CSRF_COOKIE = "carerline_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
API_PREFIX = "/api/"
STATIC_PREFIX = "/static/"
# Routes owned by the platform side: reachable without a session, and never CSRF-checked
# (the webhook proves itself with Telegram's secret header, Notify's callbacks with their bearer token;
# /metrics holds no personal data).
INFRASTRUCTURE_PATHS = frozenset({
    "/healthz", "/readyz", "/metrics", "/telegram/webhook", "/notify/callbacks/status", "/notify/callbacks/inbound",
})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class CsrfRejected(web.HTTPForbidden):
    """A form or API call without the right CSRF token."""


def is_api_path(path: str) -> bool:
    """True for the JSON API, which answers errors in JSON."""
    return path.startswith(API_PREFIX)


def is_infrastructure(request: web.Request) -> bool:
    """Health checks, metrics, the webhook and static assets: no session is looked up for these."""
    return request.path in INFRASTRUCTURE_PATHS or request.path.startswith(STATIC_PREFIX)


@web.middleware
async def security_headers_middleware(
    request: web.Request, handler: web.Handler
) -> web.StreamResponse:
    """Give every response a request id and the headers that stop framing, sniffing and inline scripts."""
    request[REQUEST_ID] = request.headers.get("X-Request-Id", "")[:64] or secrets.token_hex(8)
    response = await handler(request)
    headers = response.headers
    headers["X-Request-Id"] = request[REQUEST_ID]
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if not request.path.startswith(STATIC_PREFIX):
        # Shared council laptops: pages and API answers must not stay in the browser's cache.
        headers.setdefault("Cache-Control", "no-store")
    return response


@web.middleware
async def access_middleware(request: web.Request, handler: web.Handler) -> web.StreamResponse:
    """Find the caller, then enforce the route's access: 401 without credentials, 403 for the wrong role."""
    request[PRINCIPAL] = None
    if (
        is_infrastructure(request)
        or getattr(request.match_info, "http_exception", None) is not None
    ):
        return await handler(request)
    access = declared_access(request.match_info.handler) or Access()
    had_cookie = bool(request.cookies.get(SESSION_COOKIE))
    principal = await _authenticate(request)
    request[PRINCIPAL] = principal
    if access == PUBLIC:
        if request.method in UNSAFE_METHODS:
            await _check_sign_in_csrf(request)
        return await handler(request)
    if principal is None:
        if is_api_path(request.path):
            raise web.HTTPUnauthorized(
                reason="Unauthorized", headers={"WWW-Authenticate": 'Bearer realm="carerline"'}
            )
        return _redirect_to_sign_in(request, session_ended=had_cookie)
    if access.permission is not None and not principal.may(access.permission):
        raise web.HTTPForbidden(reason="Forbidden")
    if request.method in UNSAFE_METHODS and principal.credential is Credential.SESSION:
        await _check_session_csrf(request, expected=principal.csrf_token or "")
    return await handler(request)


async def _authenticate(request: web.Request) -> Principal | None:
    authorization = request.headers.get("Authorization")
    if authorization is not None and is_api_path(request.path):
        return await _authenticate_token(request, authorization)
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    now = request.app[CLOCK]()
    async with request.app[DATABASE].transaction() as session:
        live = await resume_session(
            session, session_id=session_id, now=now, policy=request.app[SESSION_POLICY]
        )
    if live is None:
        return None
    return Principal(
        actor=live.actor,
        role=StaffRole(live.user.role),
        display_name=live.user.display_name,
        credential=Credential.SESSION,
        live_session=live,
        operator_id=live.user.operator_id,
    )


async def _authenticate_token(request: web.Request, authorization: str) -> Principal | None:
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    async with request.app[DATABASE].transaction() as session:
        token = await authenticate_api_token(
            session, plain_token=value.strip(), now=request.app[CLOCK]()
        )
    if token is None:
        return None
    actor = Actor(
        kind=ActorKind.TOKEN,
        id=token.id,
        label=f"token {token.name} ({token.prefix}…)",
        role=str(token.role),
    )
    return Principal(
        actor=actor,
        role=StaffRole(token.role),
        display_name=token.name,
        credential=Credential.TOKEN,
        operator_id=token.operator_id,
    )


def _redirect_to_sign_in(request: web.Request, *, session_ended: bool) -> web.Response:
    query = {"next": request.path_qs if request.method == "GET" else "/dashboard"}
    if session_ended:
        query["signed_out"] = "1"
    response = web.Response(status=303, headers={"Location": f"/sign-in?{urlencode(query)}"})
    if session_ended:
        response.del_cookie(SESSION_COOKIE, path="/")
    return response


async def _submitted_csrf_token(request: web.Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.content_type in FORM_TYPES:
        form = await request.post()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def _check_session_csrf(request: web.Request, *, expected: str) -> None:
    given = await _submitted_csrf_token(request)
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        raise CsrfRejected(reason="CSRF token missing or wrong")


async def _check_sign_in_csrf(request: web.Request) -> None:
    """Before sign-in there is no session: the form's token must match its cookie (double submit)."""
    expected = request.cookies.get(SIGN_IN_CSRF_COOKIE, "")
    given = await _submitted_csrf_token(request)
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        raise CsrfRejected(reason="CSRF token missing or wrong")


def set_session_cookie(response: web.StreamResponse, *, session_id: str, secure: bool) -> None:
    """The session cookie: HttpOnly, SameSite=Lax, Secure unless turned off for plain-http sandboxes."""
    response.set_cookie(
        SESSION_COOKIE, session_id, path="/", httponly=True, secure=secure, samesite="Lax"
    )


def set_sign_in_csrf_cookie(response: web.StreamResponse, *, token: str, secure: bool) -> None:
    """The sign-in form's double-submit cookie."""
    response.set_cookie(
        SIGN_IN_CSRF_COOKIE, token, path="/sign-in", httponly=True, secure=secure, samesite="Strict"
    )


def cookie_is_secure(request: web.Request) -> bool:
    """Whether cookies carry the Secure flag (CARERLINE_COOKIE_SECURE, default true)."""
    return request.app[SETTINGS].cookie_secure
