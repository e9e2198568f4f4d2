"""PTB's `telegram.Bot` over an aiohttp connection pool, for the delivery engine and the reply bot.

PTB lets any networking backend sit under `Bot` through `telegram.request.BaseRequest` (ptbcontrib's
`aiohttp_request` is the community version; it is not on PyPI). We use aiohttp (already our web server)
because on our 2-core servers httpx spent 1-4 ms of CPU per request against 0.2 ms for aiohttp, which
alone would cap a worker below 1,000 messages/s, and because httpcore's pool slows down sharply with
hundreds of requests in flight (200 at once took 0.3-4.5 s against 7-25 ms for aiohttp; httpcore's
`_assign_requests_to_connections` is O(connections x requests), encode/httpcore#1035), which is exactly
a crowd of parents being answered at once.
Connection failures are raised as `ConnectionLost`, so the worker can tell "the request may have
reached Telegram" (lost connection, timeout) from "Telegram refused it" (an HTTP status).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any

import aiohttp
import yarl
from telegram import Bot, Update
from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram._utils.types import JSONDict, ODVInput, TimePeriod
from telegram.ext import ExtBot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import BaseRequest, RequestData

from messaging.channels.telegram_updates import read_updates

USER_AGENT = "Carerline delivery (python-telegram-bot)"


class ConnectionLost(NetworkError):
    """The connection failed after the request may have been sent: the outcome is unknown."""


class AiohttpRequest(BaseRequest):
    """PTB request backend over one aiohttp session with a bounded connection pool."""

    def __init__(self, *, connection_pool_size: int = 128, timeout_s: float = 10.0) -> None:
        self._pool_size = connection_pool_size
        self._timeout_s = timeout_s
        self._session: aiohttp.ClientSession | None = None
        # PTB builds the same few URLs again and again; parsing each once saves time on every request.
        self._urls: dict[str, yarl.URL] = {}

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout."""
        return self._timeout_s

    async def initialize(self) -> None:
        """Open the connection pool."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=self._pool_size)
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=self._timeout_s),
                headers={"User-Agent": USER_AGENT},
                cookie_jar=aiohttp.DummyCookieJar(),
            )

    async def shutdown(self) -> None:
        """Close the connection pool."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one Bot API request; (HTTP status, body). Timeouts PTB passes for this call (getUpdates
        adds its long-poll time to the read timeout) replace the pool's default total timeout."""
        if self._session is None:
            raise RuntimeError("AiohttpRequest is not initialized")
        data: aiohttp.FormData | bytes | None = None
        headers: dict[str, str] = {}
        if request_data is not None and request_data.contains_files:
            form = aiohttp.FormData()
            for name, value in request_data.json_parameters.items():
                form.add_field(name, value)
            for name, part in request_data.multipart_data.items():
                filename, content, *rest = part
                form.add_field(name, content, filename=filename, content_type=rest[0] if rest else None)
            data = form
        elif request_data is not None:
            # A JSON body: the Bot API accepts it, and it is cheaper to build than a form.
            data = request_data.json_payload
            headers["Content-Type"] = "application/json"
        try:
            parsed = self._urls.get(url)
            if parsed is None:
                parsed = self._urls.setdefault(url, yarl.URL(url))
            timeout = self._timeout_for(read_timeout=read_timeout, connect_timeout=connect_timeout, pool_timeout=pool_timeout)
            per_call = {} if timeout is None else {"timeout": timeout}
            async with self._session.request(method, parsed, data=data, headers=headers, **per_call) as response:
                return response.status, await response.read()
        except asyncio.TimeoutError as error:
            raise TimedOut("the Bot API did not answer in time") from error
        except aiohttp.ClientError as error:
            raise ConnectionLost(f"connection lost: {error.__class__.__name__}: {error}") from error


    def _timeout_for(
        self, *, read_timeout: object, connect_timeout: object, pool_timeout: object
    ) -> aiohttp.ClientTimeout | None:
        given = (read_timeout, connect_timeout, pool_timeout)
        if all(value is BaseRequest.DEFAULT_NONE for value in given):
            return None  # the session's own total timeout

        def chosen(value: object) -> float | None:
            return self._timeout_s if value is BaseRequest.DEFAULT_NONE else value  # type: ignore[return-value]

        return aiohttp.ClientTimeout(
            total=None, connect=chosen(pool_timeout), sock_connect=chosen(connect_timeout), sock_read=chosen(read_timeout)
        )


def _html_message(
    *, chat_id: int, text: str, reply_markup: str | None, allow_paid_broadcast: bool = False
) -> dict[str, Any]:
    """sendMessage's fields for HTML text; strings pass through PTB's request building as they are."""
    data: dict[str, Any] = {"chat_id": str(chat_id), "text": text, "parse_mode": "HTML"}
    if reply_markup is not None:
        data["reply_markup"] = reply_markup
    if allow_paid_broadcast:
        data["allow_paid_broadcast"] = "true"
    return data


class DeliveryBot(Bot):
    """PTB's Bot with one lean call for the outbox: send HTML, get the message id back.

    `Bot.send_message` turns every answer into a `telegram.Message` (about 0.1-0.5 ms of CPU each); the
    worker needs only the message id. Everything else (request building, error mapping to
    RetryAfter, Forbidden, BadRequest, ...) is PTB's own `_post` path.
    """

    async def send_html(
        self, *, chat_id: int, text: str, reply_markup: str | None, allow_paid_broadcast: bool = False
    ) -> int:
        """sendMessage with parse_mode HTML and a keyboard given as JSON text; the new message's id."""
        data = _html_message(chat_id=chat_id, text=text, reply_markup=reply_markup, allow_paid_broadcast=allow_paid_broadcast)
        result = await self._post("sendMessage", data)
        return int(result["message_id"])


@dataclass(frozen=True)
class SentText:
    """A message the bot sent: its id and its text as Telegram shows it (the HTML tags taken out)."""

    message_id: int
    text: str | None


class ReplyBot(ExtBot[None]):
    """The conversation bot's `telegram.ext.ExtBot`, with the same lean send for replies, and getUpdates screened.

    A reply needs only the new message's id and text (for the message log), not a parsed `telegram.Message`.
    PTB's own getUpdates parses the batch as a whole: one update it cannot parse (a date out of range)
    fails the batch, and the poller fetches the same batch again for ever. Ours screens and parses each
    update once (messaging/channels/telegram_updates.py): an unreadable one becomes a stub that is
    recorded and skipped.
    """

    async def get_updates(  # noqa: PLR0913 - PTB's signature
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: TimePeriod | None = None,
        allowed_updates: Sequence[str] | None = None,
        *,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
        api_kwargs: JSONDict | None = None,
    ) -> tuple[Update, ...]:
        """As `Bot.get_updates`, each update screened and parsed on its own."""
        data: JSONDict = {"timeout": timeout, "offset": offset, "limit": limit, "allowed_updates": allowed_updates}
        # As PTB does: the long-poll time is added to the read timeout.
        base_s = (self._request[0].read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout) or 0
        wait_s = timeout.total_seconds() if isinstance(timeout, timedelta) else (timeout or 0)
        result = await self._post(
            "getUpdates", data, read_timeout=base_s + wait_s, write_timeout=write_timeout,
            connect_timeout=connect_timeout, pool_timeout=pool_timeout, api_kwargs=api_kwargs,
        )
        updates = read_updates(result, bot=self)
        for update in updates:
            self.insert_callback_data(update)
        return tuple(updates)

    async def send_html_text(self, *, chat_id: int, text: str, reply_markup: str | None) -> SentText:
        """sendMessage with parse_mode HTML and a keyboard given as JSON text."""
        result = await self._post("sendMessage", _html_message(chat_id=chat_id, text=text, reply_markup=reply_markup))
        return SentText(message_id=int(result["message_id"]), text=result.get("text"))

    async def edit_html_text(self, *, chat_id: int, message_id: int, text: str, reply_markup: str | None) -> None:
        """editMessageText with parse_mode HTML and a keyboard given as JSON text (the edited message is not parsed)."""
        data = _html_message(chat_id=chat_id, text=text, reply_markup=reply_markup)
        data["message_id"] = str(message_id)
        await self._post("editMessageText", data)


def build_delivery_bot(*, token: str, api_root: str, connection_pool_size: int, timeout_s: float) -> DeliveryBot:
    """A PTB Bot for the delivery engine; call `await bot.initialize()` before use."""
    return DeliveryBot(
        token,
        base_url=f"{api_root}/bot",
        base_file_url=f"{api_root}/file/bot",
        request=AiohttpRequest(connection_pool_size=connection_pool_size, timeout_s=timeout_s),
        get_updates_request=AiohttpRequest(connection_pool_size=1, timeout_s=timeout_s),
    )


class SendOutcome(Enum):
    """How one failed Bot API call is handled."""

    RATE_LIMITED = "rate_limited"  # 429: try again after retry_after
    UNREACHABLE = "unreachable"  # 403 or chat not found: the carer cannot get messages from us
    REJECTED = "rejected"  # any other 400: this message can never be sent
    SERVER_ERROR = "server_error"  # 5xx: not sent; back off and try again
    IN_DOUBT = "in_doubt"  # connection lost or timed out: may have been delivered


def classify_error(error: TelegramError) -> SendOutcome:
    """Sort a Bot API error into what the worker does next."""
    if isinstance(error, RetryAfter):
        return SendOutcome.RATE_LIMITED
    if isinstance(error, Forbidden):
        return SendOutcome.UNREACHABLE
    if isinstance(error, BadRequest):
        if "chat not found" in error.message.lower():
            return SendOutcome.UNREACHABLE
        return SendOutcome.REJECTED
    if isinstance(error, (ConnectionLost, TimedOut)):
        return SendOutcome.IN_DOUBT
    return SendOutcome.SERVER_ERROR


def retry_after_s(error: RetryAfter) -> float:
    """RetryAfter's wait in seconds (PTB gives an int or a timedelta)."""
    value = error.retry_after
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else float(value)
