"""GET and POST /seen/<token>: the signed "I've seen this" link in texts and emails, no sign-in.

GET only shows the notice (link previews and email scanners open links); POST records it. The form's token is
checked by the access middleware against a cookie set on this path (the same double submit as the sign-in form).
"""

from __future__ import annotations

import secrets
from functools import partial
from typing import Any

from aiohttp import web

from core.i18n import DEFAULT_LANGUAGE, plain_text
from messaging.ack_links import PATH_PREFIX, AckLinkError, read_ack_token
from services.changes.acknowledgements import (
    SeenNotice,
    acknowledge_outbox_row,
    is_about_a_change,
    row_language,
    seen_notice,
)
from web.auth.access import public
from web.auth.keys import CLOCK
from web.auth.middleware import SIGN_IN_CSRF_COOKIE
from web.keys import DATABASE, SETTINGS
from web.staff.rendering import JINJA, ORGANISATION_NAME, SERVICE_NAME

TEMPLATE = "public/seen.html"


def add_seen_routes(app: web.Application) -> None:
    """The link's page and its one button."""
    app.router.add_get(PATH_PREFIX + "{token}", show_notice)
    app.router.add_post(PATH_PREFIX + "{token}", record_seen)


@public
async def show_notice(request: web.Request) -> web.StreamResponse:
    """The notice and one button; expired, not right or already seen pages otherwise. Never acknowledges."""
    outcome = await _read(request)
    if isinstance(outcome, web.Response):
        return outcome
    async with request.app[DATABASE].transaction() as session:
        notice = await seen_notice(session, outbox_id=outcome)
    if notice is None:
        return _page(request, state="tampered", language=_browser_language(request), status=404)
    if notice.is_acknowledged:
        return _page(request, state="already", language=notice.language)
    return _notice_page(request, notice=notice)


@public
async def record_seen(request: web.Request) -> web.StreamResponse:
    """Record the acknowledgement exactly as the Telegram button does; a second press says it is already known."""
    outcome = await _read(request)
    if isinstance(outcome, web.Response):
        return outcome
    async with request.app[DATABASE].transaction() as session:
        status = await acknowledge_outbox_row(session, outbox_id=outcome, now=request.app[CLOCK]())
        language = await row_language(session, outbox_id=outcome)
    if status == "not_found":
        return _page(request, state="tampered", language=_browser_language(request), status=404)
    return _page(request, state="recorded" if status == "recorded" else "already", language=language)


async def _read(request: web.Request) -> int | web.Response:
    """The outbox id the link names, or the page for an expired or altered link."""
    settings = request.app[SETTINGS]
    try:
        return read_ack_token(request.match_info["token"], now=request.app[CLOCK](), settings=settings)
    except AckLinkError as error:
        if error.reason == "tampered":
            return _page(request, state="tampered", language=_browser_language(request), status=404)
        language, is_change = DEFAULT_LANGUAGE, True
        if error.outbox_id is not None:  # the signature was good, so the row it names is the family's
            async with request.app[DATABASE].transaction() as session:
                language = await row_language(session, outbox_id=error.outbox_id)
                is_change = await is_about_a_change(session, outbox_id=error.outbox_id)
        body = _text("seen_page.expired.body" if is_change else "seen_page.expired.body_other", language=language)
        return _page(request, state="expired", language=language, status=410, body=body)


def _browser_language(request: web.Request) -> str:
    """Polish when the browser puts Polish before English, else English (an altered link names no family)."""
    for part in request.headers.get("Accept-Language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in ("en", "pl"):
            return code
    return DEFAULT_LANGUAGE


def _notice_page(request: web.Request, *, notice: SeenNotice) -> web.Response:
    token = secrets.token_urlsafe(32)
    paragraphs = [block.splitlines() for block in notice.text.split("\n\n") if block.strip()]
    response = _page(request, state="notice", language=notice.language, paragraphs=paragraphs,
                     csrf_token=token, form_action=request.path)
    settings = request.app[SETTINGS]
    response.set_cookie(SIGN_IN_CSRF_COOKIE, token, path=PATH_PREFIX, httponly=True, secure=settings.cookie_secure,
                        samesite="Strict")
    return response


def _page(request: web.Request, *, state: str, language: str, status: int = 200, **extra: Any) -> web.Response:
    settings = request.app[SETTINGS]
    t = partial(_text, language=language)
    heading = t("seen_page.heading" if state == "notice" else f"seen_page.{state}.heading")
    values: dict[str, Any] = {
        "language": language, "t": t, "state": state, "heading": heading,
        "body": "" if state in ("notice", "expired") else t(f"seen_page.{state}.body"),
        "service_name": SERVICE_NAME, "organisation_name": ORGANISATION_NAME,
        "privacy_url": settings.privacy_notice_url,
        "phone": settings.council_transport_phone, "hours": settings.council_transport_hours,
        "paragraphs": [], "csrf_token": "", "form_action": "", **extra,
    }
    body = request.app[JINJA].get_template(TEMPLATE).render(values)
    response = web.Response(text=body, status=status, content_type="text/html", charset="utf-8")
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _text(key: str, *, language: str, **values: object) -> str:
    return plain_text(key, language=language, **values)

