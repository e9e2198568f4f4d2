"""Errors answered the GOV.UK way on pages and as JSON on the API, never leaking internals."""

from __future__ import annotations

import logging

from aiohttp import web
from jinja2 import TemplateError

from web.auth.keys import REQUEST_ID
from web.auth.middleware import CsrfRejected, is_api_path
from web.staff.rendering import render_page

logger = logging.getLogger(__name__)

# (page title, what the person can do) for each status the staff pages show.
PAGE_MESSAGES: dict[int, tuple[str, str]] = {
    401: ("You need to sign in", "Sign in to use this service."),
    403: (
        "You do not have permission to see this page",
        "Ask an administrator if you think you should have access.",
    ),
    404: (
        "Page not found",
        "If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address.",
    ),
    405: ("Page not found", "This address does not accept that kind of request."),
    413: ("The file or form is too large", "Go back and try again with less."),
    500: (
        "Sorry, there is a problem with the service",
        "Try again later. If it keeps happening, contact the transport team.",
    ),
}
CSRF_MESSAGE = (
    "This form has expired",
    "Go back to the page, refresh it and try again. Nothing you entered was saved.",
)
API_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorised",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    500: "internal_error",
}


def api_error(
    status: int,
    message: str,
    *,
    fields: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """A JSON error body: {"error": code, "message": text, "fields": [...]}."""
    body = {"error": API_CODES.get(status, "error"), "message": message, "fields": fields or []}
    return web.json_response(body, status=status, headers=headers)


@web.middleware
async def error_middleware(request: web.Request, handler: web.Handler) -> web.StreamResponse:
    """Turn HTTP errors and crashes into GOV.UK error pages or JSON bodies."""
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        return _error_response(
            request,
            error.status,
            headers=_kept_headers(error),
            is_csrf=isinstance(error, CsrfRejected),
        )
    except Exception:
        logger.exception(
            "unhandled error on %s %s (request %s)",
            request.method,
            request.path,
            request.get(REQUEST_ID),
        )
        return _error_response(request, 500, headers={}, is_csrf=False)


def _kept_headers(error: web.HTTPException) -> dict[str, str]:
    return {
        name: value
        for name, value in error.headers.items()
        if name in ("Allow", "WWW-Authenticate", "Set-Cookie")
    }


def _error_response(
    request: web.Request, status: int, *, headers: dict[str, str], is_csrf: bool
) -> web.Response:
    if is_api_path(request.path) or request.path in ("/healthz", "/readyz", "/telegram/webhook"):
        message = "The CSRF token is missing or wrong" if is_csrf else _api_message(status)
        return api_error(status, message, headers=headers)
    title, advice = (
        CSRF_MESSAGE
        if is_csrf
        else PAGE_MESSAGES.get(status, PAGE_MESSAGES[500 if status >= 500 else 404])
    )
    try:
        response = render_page(
            request,
            "staff/error.html",
            {"status": status, "title": title, "advice": advice},
            status=status,
        )
    except (TemplateError, KeyError):
        logger.exception("error page failed to render")
        response = web.Response(text=f"{title}. {advice}", status=status, content_type="text/plain")
    response.headers.update(headers)
    return response


def _api_message(status: int) -> str:
    return {
        401: "Sign in or send an API token as Authorization: Bearer",
        403: "Your role does not allow this",
        404: "Not found",
        405: "Method not allowed",
        413: "Request body too large",
        500: "Something went wrong; it has been logged",
    }.get(status, "Request failed")
