"""The duty officers' alert when GOV.UK Notify refuses our configuration (the Notify worker holds the channel)."""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable

from core.errors import ConfigurationError
from core.settings import Settings
from services.casework.duty_alerts import RenderedMessage, duty_notifier_from_settings

logger = logging.getLogger(__name__)
SUBJECT = "Carerline: GOV.UK Notify refused our configuration"


def notify_duty_alert(settings: Settings) -> Callable[[str], Awaitable[None]] | None:
    """A sender of Notify alerts to the duty channels, or None when no duty channel is configured."""
    try:
        settings.require_duty_alert_settings()
    except ConfigurationError:
        return None

    async def send(text: str) -> None:
        message = RenderedMessage(subject=SUBJECT, text=text, html=f"<p>{html.escape(text)}</p>",
                                  telegram_html=f"<b>{html.escape(SUBJECT)}</b>\n{html.escape(text)}")
        async with duty_notifier_from_settings(settings) as notifier:
            outcomes = await notifier.send(message)
        if not any(outcome.is_sent for outcome in outcomes):
            logger.error("the duty alert about GOV.UK Notify reached no duty channel: %s", outcomes)

    return send
