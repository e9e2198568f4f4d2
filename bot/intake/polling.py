"""Long polling's request backend: every getUpdates batch is screened before python-telegram-bot parses it.

Without this, one update PTB cannot parse (a date out of range) fails the whole batch, and the poller
fetches the same batch again for ever; with it, the update becomes a stub that is recorded and skipped.
"""

from __future__ import annotations

from typing import Any

from telegram.request import RequestData

from messaging.channels.telegram import AiohttpRequest
from messaging.channels.telegram_updates import screen_updates


class ScreenedUpdatesRequest(AiohttpRequest):
    """Our HTTP backend for getUpdates, with each returned update screened."""

    async def post(self, url: str, request_data: RequestData | None = None, *args: Any, **kwargs: Any) -> Any:
        """Fetch as usual; screen the updates when the method was getUpdates."""
        result = await super().post(url, request_data, *args, **kwargs)
        if url.endswith("/getUpdates") and isinstance(result, list):
            return screen_updates(result)
        return result
