"""The same broadcast without Carerline's engine: a plain PTB send loop, and PTB's AIORateLimiter."""

from __future__ import annotations

import asyncio
import time

from telegram import Bot
from telegram.error import NetworkError, RetryAfter
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

MAX_RETRIES = 3


def _seconds(value: object) -> float:
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else float(value)  # type: ignore[arg-type]


async def run_plain_loop(*, api_root: str, token: str, chat_ids: list[int]) -> float:
    """What most bots do: send one after another; on 429 sleep retry_after; retry errors a few times."""
    started = time.monotonic()
    async with Bot(token, base_url=f"{api_root}/bot", request=HTTPXRequest(connection_pool_size=4)) as bot:
        for chat_id in chat_ids:
            for _ in range(MAX_RETRIES + 1):
                try:
                    await bot.send_message(chat_id=chat_id, text=f"Hello <b>{chat_id}</b>", parse_mode="HTML")
                    break
                except RetryAfter as error:
                    await asyncio.sleep(_seconds(error.retry_after))
                except NetworkError:
                    continue
    return time.monotonic() - started


async def run_aio_rate_limiter(*, api_root: str, token: str, chat_ids: list[int]) -> float:
    """PTB's AIORateLimiter (30/s overall, retries 429s) with every send started at once, errors retried."""
    limiter = AIORateLimiter(overall_max_rate=30, overall_time_period=1, max_retries=MAX_RETRIES)
    bot = ExtBot(token, base_url=f"{api_root}/bot", request=HTTPXRequest(connection_pool_size=64), rate_limiter=limiter)
    started = time.monotonic()
    semaphore = asyncio.Semaphore(256)

    async def send(chat_id: int) -> None:
        async with semaphore:
            for _ in range(MAX_RETRIES + 1):
                try:
                    await bot.send_message(chat_id=chat_id, text=f"Hello <b>{chat_id}</b>", parse_mode="HTML")
                    return
                except RetryAfter:
                    return  # the limiter already retried max_retries times
                except NetworkError:
                    continue

    async with bot:
        await asyncio.gather(*(send(chat_id) for chat_id in chat_ids))
    return time.monotonic() - started
