"""Injected faults, rate caps, exactly-once counting and the HTTP control API."""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections.abc import Callable

import aiohttp
import pytest
from aiolimiter import AsyncLimiter
from telegram import Bot
from telegram.error import NetworkError, RetryAfter

from sandbox.emulator import BotApiEmulator

pytestmark = [
    pytest.mark.asyncio,
    # Reading RetryAfter.retry_after as int warns in PTB 22; the helper accepts both types.
    pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning"),
]

PARENT_ID = 1001


async def start_many(emulator: BotApiEmulator, count: int) -> list[int]:
    """Add `count` parents who pressed Start; return their ids."""
    ids = [5000 + index for index in range(count)]
    for user_id in ids:
        emulator.add_user(user_id=user_id, first_name=f"Parent {user_id}", has_started=True)
    return ids


async def test_injected_429_surfaces_as_retry_after(
    bot: Bot, emulator: BotApiEmulator, retry_after_seconds: Callable[[int | dtm.timedelta], int]
) -> None:
    emulator.set_faults(rate_limit_fraction=1.0, rate_limit_retry_after_s=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(PARENT_ID, "hello")
    assert retry_after_seconds(caught.value.retry_after) == 7
    assert emulator.stats.sent_count(PARENT_ID) == 0
    assert emulator.stats.rejected_by_code[429] == 1
    assert emulator.stats.faults_injected["rate_limit"] == 1
    emulator.reset_faults()
    await bot.send_message(PARENT_ID, "hello")
    assert emulator.stats.sent_count(PARENT_ID) == 1


@pytest.mark.parametrize(
    ("setting", "description"),
    [("server_error_fraction", "Internal Server Error"), ("bad_gateway_fraction", "Bad Gateway")],
)
async def test_injected_5xx_surfaces_as_network_error(
    bot: Bot, emulator: BotApiEmulator, setting: str, description: str
) -> None:
    emulator.set_faults(**{setting: 1.0})
    with pytest.raises(NetworkError, match=description):
        await bot.send_message(PARENT_ID, "hello")
    assert emulator.stats.total_sent == 0


async def test_drop_after_records_the_message_exactly_once(
    bot: Bot, emulator: BotApiEmulator
) -> None:
    emulator.set_faults(drop_after_fraction=1.0)
    with pytest.raises(NetworkError):
        await bot.send_message(PARENT_ID, "Your visit is confirmed")
    assert emulator.stats.sent_count(PARENT_ID) == 1
    assert emulator.bot_messages(chat_id=PARENT_ID)[0].text == "Your visit is confirmed"
    emulator.reset_faults()
    await bot.send_message(PARENT_ID, "Your visit is confirmed")  # a naive retry
    assert emulator.stats.duplicate_texts() == [(PARENT_ID, "Your visit is confirmed")]


async def test_drop_before_records_nothing(bot: Bot, emulator: BotApiEmulator) -> None:
    emulator.set_faults(drop_before_fraction=1.0)
    with pytest.raises(NetworkError):
        await bot.send_message(PARENT_ID, "lost")
    assert emulator.stats.total_sent == 0
    assert emulator.stats.faults_injected["drop_before"] == 1
    assert await bot.get_me()  # faults only apply to sends


async def test_fractions_are_repeatable_with_a_seed() -> None:
    decisions = []
    for _ in range(2):
        emulator = BotApiEmulator(seed=7, server_error_fraction=0.3, drop_after_fraction=0.2)
        decisions.append([emulator.fault_injector.decide().value for _ in range(50)])
    assert decisions[0] == decisions[1]
    assert {"server_error", "drop_after", "none"} == set(decisions[0])
    with pytest.raises(ValueError, match="add up to at most 1"):
        BotApiEmulator(server_error_fraction=0.7, drop_after_fraction=0.7)


async def test_latency_holds_a_request_before_the_emulator_acts_on_it(bot: Bot, emulator: BotApiEmulator) -> None:
    emulator.set_faults(latency_min_ms=1_500, latency_max_ms=1_500)
    send = asyncio.create_task(bot.send_message(PARENT_ID, "slow"))
    await emulator.wait_until(lambda: emulator.stats.requests_by_method["sendMessage"] >= 1, description="the send")
    sent_while_held = emulator.stats.total_sent
    await send

    assert (sent_while_held, emulator.stats.total_sent) == (0, 1)


async def test_global_cap_rejects_bursts(
    emulator: BotApiEmulator, bot_factory: Callable[..., Bot]
) -> None:
    chats = await start_many(emulator, 40)
    loop = asyncio.get_running_loop()

    async def send(chat_id: int) -> str:
        try:
            await bot.send_message(chat_id, "broadcast")
        except RetryAfter:
            return "429"
        return "ok"

    # A low cap keeps the test independent of how fast a loaded machine fires the burst.
    emulator.set_faults(global_rate_per_s=2, per_chat_rate_per_s=None)
    async with bot_factory(emulator, pool_size=40) as bot:
        # Open the 40 connections first so the burst itself is not slowed by TCP setup.
        await asyncio.gather(*(bot.get_me(api_kwargs={"warm": index}) for index in range(40)))
        started = loop.time()
        results = await asyncio.gather(*(send(chat_id) for chat_id in chats))
        elapsed = loop.time() - started
    refilled = int(2 * elapsed) + 1
    assert 2 <= results.count("ok") <= 2 + refilled
    assert results.count("429") == emulator.stats.rejected_by_code[429] > 0


async def test_smooth_pacing_at_the_cap_is_never_rejected(
    bot: Bot, emulator: BotApiEmulator
) -> None:
    chats = await start_many(emulator, 45)
    evenly_at_the_cap = AsyncLimiter(max_rate=1, time_period=1 / 30)  # 30 messages a second, one at a time
    for chat_id in chats:
        async with evenly_at_the_cap:
            await bot.send_message(chat_id, "paced")
    assert emulator.stats.total_sent == 45
    assert emulator.stats.rejected_by_code[429] == 0
    times = [record.monotonic_time for record in emulator.stats.send_log]
    assert len(times) == 45 and times == sorted(times)


async def test_per_chat_cap_allows_a_short_burst(
    bot: Bot, emulator: BotApiEmulator, retry_after_seconds: Callable[[int | dtm.timedelta], int]
) -> None:
    for text in ("one", "two", "three"):
        await bot.send_message(PARENT_ID, text)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(PARENT_ID, "four")
    assert retry_after_seconds(caught.value.retry_after) == 1
    [other_chat] = await start_many(emulator, 1)
    await bot.send_message(other_chat, "other chats are unaffected")
    emulator.set_faults(per_chat_rate_per_s=None)
    await bot.send_message(PARENT_ID, "caps off")


async def test_paid_broadcast_raises_the_global_cap(
    emulator: BotApiEmulator, bot_factory: Callable[..., Bot]
) -> None:
    chats = await start_many(emulator, 60)
    emulator.set_faults(per_chat_rate_per_s=None)
    async with bot_factory(emulator, pool_size=60) as bot:
        await asyncio.gather(
            *(bot.send_message(chat_id, "paid", allow_paid_broadcast=True) for chat_id in chats)
        )
    assert emulator.stats.total_sent == 60


async def test_control_api_stats_and_faults_over_http(bot: Bot, emulator: BotApiEmulator) -> None:
    async with aiohttp.ClientSession(base_url=emulator.url) as http:
        async with http.post("/_emulator/faults", json={"server_error_fraction": 1.0}) as response:
            assert response.status == 200
            assert (await response.json())["server_error_fraction"] == 1.0
        with pytest.raises(NetworkError):
            await bot.send_message(PARENT_ID, "x")
        async with http.post("/_emulator/faults", json={"reset": True}) as response:
            assert (await response.json())["server_error_fraction"] == 0.0
        async with http.post("/_emulator/faults", json={"nonsense": 1}) as response:
            assert response.status == 400
        await bot.send_message(PARENT_ID, "y")
        async with http.get("/_emulator/stats") as response:
            stats = await response.json()
        assert stats["sent_by_chat"] == {str(PARENT_ID): 1}
        assert stats["rejected_by_code"] == {"500": 1}
        assert stats["requests_by_method"]["sendMessage"] == 2
        async with http.post("/_emulator/reset-stats") as response:
            assert response.status == 200
        assert emulator.stats.total_sent == 0
