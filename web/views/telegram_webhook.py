"""POST /telegram/webhook: Telegram delivers updates here in webhook mode."""

from __future__ import annotations

import hmac
import logging

from aiohttp import web
from telegram.ext import Application

from messaging.channels.telegram_updates import is_unreadable, read_update
from web.json_bodies import BodyRefused, read_json_body
from web.keys import LIFECYCLE, METRICS, SETTINGS

logger = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1_000_000
BOT_APPLICATION = web.AppKey("bot_application", Application)


async def receive_update(request: web.Request) -> web.Response:
    """Check the secret in constant time, read and screen the Update, queue it for the bot."""
    metrics = request.app[METRICS]
    expected = request.app[SETTINGS].webhook_secret
    given = request.headers.get(SECRET_HEADER, "")
    if expected is None or not hmac.compare_digest(
        given.encode("utf-8"), expected.get_secret_value().encode("utf-8")
    ):
        metrics.webhook_rejected.labels(reason="secret").inc()
        return web.json_response({"error": "unauthorised"}, status=401)
    try:
        payload = await read_json_body(request, max_bytes=MAX_UPDATE_BYTES)
    except BodyRefused as refused:
        metrics.webhook_rejected.labels(reason=refused.reason).inc()
        return web.json_response({"error": refused.message}, status=refused.status)
    if not isinstance(payload, dict) or type(payload.get("update_id")) is not int:
        metrics.webhook_rejected.labels(reason="malformed").inc()
        return web.json_response({"error": "body is not a Telegram Update"}, status=400)
    # An update we cannot read still answers 200 (Telegram would only retry it) and is recorded as a stub.
    update = read_update(payload, bot=request.app[BOT_APPLICATION].bot)
    if is_unreadable(update):
        metrics.webhook_rejected.labels(reason="unreadable").inc()
    if not await request.app[LIFECYCLE].accept_update(update):
        # Telegram retries a non-2xx delivery, so an update refused while we drain is not lost.
        return web.json_response({"error": "shutting down"}, status=503)
    metrics.updates_received.labels(source="webhook").inc()
    return web.json_response({"ok": True})
