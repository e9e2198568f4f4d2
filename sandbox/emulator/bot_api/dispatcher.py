"""Hands queued updates to the bot: long-polling getUpdates or webhook POSTs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import aiohttp

from sandbox.emulator import errors
from sandbox.emulator.errors import ApiError
from sandbox.emulator.state import EmulatorState

LOGGER = logging.getLogger(__name__)
MAX_POLL_TIMEOUT_S = 50.0


class UpdateDispatcher:
    """Owns the long-poll bookkeeping and the webhook delivery task."""

    def __init__(self, *, state: EmulatorState, retry_initial_s: float, retry_max_s: float) -> None:
        self.state = state
        self.retry_initial_s = retry_initial_s
        self.retry_max_s = retry_max_s
        self._poll_generation = 0
        self._superseded_reason = errors.OTHER_GETUPDATES_CONFLICT
        self.stopping = False
        self._webhook_task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    # --- long polling -----------------------------------------------------------------

    def supersede_pollers(self, *, reason: str) -> None:
        """End any waiting getUpdates with a 409 carrying `reason`."""
        self._poll_generation += 1
        self._superseded_reason = reason
        self.state.feed.bump()

    async def get_updates(
        self,
        *,
        offset: int | None,
        limit: int,
        timeout_s: float,
        allowed_updates: list[str] | None,
    ) -> list[dict[str, Any]]:
        """Return pending updates, waiting up to timeout_s for the first one to arrive."""
        state = self.state
        if state.webhook.url:
            raise ApiError(409, errors.WEBHOOK_ACTIVE_CONFLICT)
        if allowed_updates is not None:
            state.allowed_updates = allowed_updates
        if offset is not None:
            state.confirm_updates_below(offset)
        self.supersede_pollers(reason=errors.OTHER_GETUPDATES_CONFLICT)
        generation = self._poll_generation
        deadline = time.monotonic() + min(max(timeout_s, 0.0), MAX_POLL_TIMEOUT_S)
        while True:
            state.drop_disallowed_updates(state.allowed_updates)
            if state.pending_updates:
                handed_over = state.pending_updates[:limit]
                state.reply_clock.updates_fetched([update["update_id"] for update in handed_over])
                return handed_over
            if generation != self._poll_generation:
                raise ApiError(409, self._superseded_reason)
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.stopping:
                return []
            await state.feed.wait_for_change(after_version=state.feed.version, timeout_s=remaining)

    # --- webhook ----------------------------------------------------------------------

    def restart_webhook_delivery(self) -> None:
        """(Re)start delivering to state.webhook.url, or stop when it is empty."""
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            self._webhook_task = None
        if self.state.webhook.url and not self.stopping:
            self._webhook_task = asyncio.create_task(
                self._deliver_forever(self.state.webhook.url), name="emulator-webhook"
            )

    async def _deliver_forever(self, url: str) -> None:
        state = self.state
        backoff_s = self.retry_initial_s
        while state.webhook.url == url and not self.stopping:
            state.drop_disallowed_updates(state.webhook.allowed_updates)
            if not state.pending_updates:
                await state.feed.wait_for_change(after_version=state.feed.version, timeout_s=1.0)
                continue
            update = state.pending_updates[0]
            error = await self._post_update(url, update)
            if error is None:
                state.reply_clock.updates_fetched([update["update_id"]])
                state.pending_updates = [
                    u for u in state.pending_updates if u["update_id"] != update["update_id"]
                ]
                state.feed.bump()
                backoff_s = self.retry_initial_s
                continue
            state.webhook.last_error_date = int(time.time())
            state.webhook.last_error_message = error
            state.feed.bump()
            LOGGER.info(
                "webhook delivery to %s failed: %s; retrying in %.1fs", url, error, backoff_s
            )
            await asyncio.sleep(backoff_s)
            backoff_s = min(backoff_s * 2, self.retry_max_s)

    async def _post_update(self, url: str, update: dict[str, Any]) -> str | None:
        """POST one update; return None on 2xx, else Telegram-like error text."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        headers = {}
        if self.state.webhook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.state.webhook.secret_token
        try:
            async with self._session.post(url, json=update, headers=headers) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except TimeoutError:
            return "Read timeout expired"
        except aiohttp.ClientConnectorError:
            return "Connection refused"
        except aiohttp.ClientError as exc:
            return f"Connection error: {exc.__class__.__name__}"

    async def close(self) -> None:
        """Stop polling waits and webhook delivery, and close the HTTP client."""
        self.stopping = True
        self.state.feed.bump()
        for chat_feed in list(self.state.chat_feeds.values()):  # end the phone page's long polls too
            chat_feed.bump()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._webhook_task
            self._webhook_task = None
        if self._session is not None:
            await self._session.close()
            self._session = None
