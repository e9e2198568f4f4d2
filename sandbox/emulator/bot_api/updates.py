"""getUpdates and the webhook methods."""

from __future__ import annotations

import re
from typing import Any

from sandbox.emulator import errors
from sandbox.emulator.errors import ApiError
from sandbox.emulator.bot_api.registry import MethodContext, MethodSpec, method_table
from sandbox.emulator.state import WebhookSettings

_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def _allowed_updates(ctx: MethodContext) -> list[str] | None:
    value = ctx.params.json_value("allowed_updates")
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise errors.bad_request("can't parse allowed_updates JSON array")
    return value


async def get_updates(ctx: MethodContext) -> list[dict[str, Any]]:
    """getUpdates with offset confirmation, limit 1-100 and long polling."""
    limit = ctx.params.int_value("limit", default=100) or 100
    return await ctx.dispatcher.get_updates(
        offset=ctx.params.int_value("offset"),
        limit=min(max(limit, 1), 100),
        timeout_s=ctx.params.float_value("timeout", default=0.0) or 0.0,
        allowed_updates=_allowed_updates(ctx),
    )


async def set_webhook(ctx: MethodContext) -> bool:
    """setWebhook (plain http and any port are accepted, unlike Telegram, for local use)."""
    state = ctx.state
    url = ctx.params.str_value("url") or ""
    secret = ctx.params.str_value("secret_token")
    if secret and not _SECRET_TOKEN.match(secret):
        raise ApiError(400, errors.SECRET_TOKEN_INVALID)
    if url and not re.match(r"^https?://[^\s/]+", url):
        raise errors.bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    allowed_updates = _allowed_updates(ctx)
    if ctx.params.bool_value("drop_pending_updates"):
        state.pending_updates.clear()
    previous = state.webhook
    state.webhook = WebhookSettings(
        url=url,
        secret_token=secret or None,
        allowed_updates=allowed_updates
        if allowed_updates is not None
        else previous.allowed_updates,
        max_connections=ctx.params.int_value("max_connections", default=40) or 40,
        last_error_date=previous.last_error_date if previous.url == url else None,
        last_error_message=previous.last_error_message if previous.url == url else None,
    )
    if url:
        ctx.dispatcher.supersede_pollers(reason=errors.SET_WEBHOOK_CONFLICT)
    ctx.dispatcher.restart_webhook_delivery()
    state.feed.bump()
    return True


async def delete_webhook(ctx: MethodContext) -> bool:
    """deleteWebhook."""
    if ctx.params.bool_value("drop_pending_updates"):
        ctx.state.pending_updates.clear()
    ctx.state.webhook = WebhookSettings()
    ctx.dispatcher.restart_webhook_delivery()
    ctx.state.feed.bump()
    return True


async def get_webhook_info(ctx: MethodContext) -> dict[str, Any]:
    """getWebhookInfo."""
    return webhook_info_dict(ctx.state.webhook, pending_update_count=len(ctx.state.pending_updates))


def webhook_info_dict(webhook: WebhookSettings, *, pending_update_count: int) -> dict[str, Any]:
    """Build a WebhookInfo object."""
    info: dict[str, Any] = {
        "url": webhook.url,
        "has_custom_certificate": False,
        "pending_update_count": pending_update_count,
    }
    if webhook.url:
        info["max_connections"] = webhook.max_connections
        if webhook.allowed_updates is not None:
            info["allowed_updates"] = webhook.allowed_updates
        if webhook.last_error_date is not None:
            info["last_error_date"] = webhook.last_error_date
            info["last_error_message"] = webhook.last_error_message
    return info


UPDATE_METHODS = method_table(
    MethodSpec("getUpdates", get_updates),
    MethodSpec("setWebhook", set_webhook),
    MethodSpec("deleteWebhook", delete_webhook),
    MethodSpec("getWebhookInfo", get_webhook_info),
)
