"""POST /notify/callbacks/status and /notify/callbacks/inbound: GOV.UK Notify's receipts and received texts."""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import web

from db.types import utc_now
from messaging.notify_receipts import record_status_callback
from services.changes.acknowledgements import receive_text_reply
from web.auth.keys import CLOCK
from web.keys import DATABASE, SETTINGS

MAX_CALLBACK_BYTES = 64 * 1024
Recorder = Callable[..., Awaitable[Any]]


async def receive_status(request: web.Request) -> web.Response:
    """A delivery receipt: delivered, permanent-failure, temporary-failure, technical-failure..."""
    return await _receive(request, record_status_callback)


async def receive_inbound(request: web.Request) -> web.Response:
    """A text a family sent to the council's inbound number; a YES acknowledges their latest text."""
    return await _receive(request, receive_text_reply)


def _has_token(request: web.Request) -> bool:
    expected = request.app[SETTINGS].notify_callback_token
    given = request.headers.get("Authorization", "")
    if expected is None or not given.startswith("Bearer "):
        return False
    return hmac.compare_digest(given[7:].encode("utf-8"), expected.get_secret_value().encode("utf-8"))


async def _receive(request: web.Request, record: Recorder) -> web.Response:
    """Token in constant time (401), body checked (400), recorded in one transaction."""
    if not _has_token(request):
        return web.json_response({"error": "unauthorised"}, status=401)
    if request.content_length is not None and request.content_length > MAX_CALLBACK_BYTES:
        return web.json_response({"error": "body too large"}, status=413)
    try:
        payload = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError):
        return web.json_response({"error": "body is not JSON"}, status=400)
    now: datetime = request.app.get(CLOCK, utc_now)()
    try:
        async with request.app[DATABASE].transaction() as session:
            await record(session, payload=payload, now=now)
    except ValueError as error:
        return web.json_response({"error": str(error)}, status=400)
    return web.json_response({"ok": True})
