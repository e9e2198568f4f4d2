"""POST /telegram/webhook: Telegram delivers updates here in webhook mode."""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from web.keys import LIFECYCLE, METRICS, SETTINGS

logger = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1_000_000
BOT_APPLICATION = web.AppKey("bot_application", Application)


async def receive_update(request: web.Request) -> web.Response:
    """Check the secret in constant time, parse the Update, queue it for the bot."""
    metrics = request.app[METRICS]
    expected = request.app[SETTINGS].webhook_secret
    given = request.headers.get(SECRET_HEADER, "")
    if expected is None or not hmac.compare_digest(
        given.encode("utf-8"), expected.get_secret_value().encode("utf-8")
    ):
        metrics.webhook_rejected.labels(reason="secret").inc()
        return web.json_response({"error": "unauthorised"}, status=401)
    if request.content_length is not None and request.content_length > MAX_UPDATE_BYTES:
        metrics.webhook_rejected.labels(reason="too_large").inc()
        return web.json_response({"error": "update too large"}, status=413)
    update = await _parse_update(request)
    if update is None:
        metrics.webhook_rejected.labels(reason="malformed").inc()
        return web.json_response({"error": "body is not a Telegram Update"}, status=400)
    if not await request.app[LIFECYCLE].accept_update(update):
        # Telegram retries a non-2xx delivery, so an update refused while we drain is not lost.
        return web.json_response({"error": "shutting down"}, status=503)
    metrics.updates_received.labels(source="webhook").inc()
    return web.json_response({"ok": True})


async def _parse_update(request: web.Request) -> Update | None:
    try:
        payload = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
        return None
    try:
        return Update.de_json(payload, request.app[BOT_APPLICATION].bot)
    except (KeyError, TypeError, ValueError, AttributeError):
        logger.warning("webhook body looked like an update but did not parse", exc_info=True)
        return None
