"""Update delivery: getUpdates long polling, webhooks, and a real PTB Application."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Conflict
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from sandbox.emulator import BotApiEmulator

pytestmark = pytest.mark.asyncio

PARENT_ID = 1001


@dataclass
class WebhookReceiver:
    """A tiny local webhook endpoint that records what it receives."""

    url: str = ""
    received: list[tuple[dict[str, Any], str | None]] = field(default_factory=list)
    failures_left: int = 0


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    state = WebhookReceiver()

    async def handle(request: web.Request) -> web.Response:
        if state.failures_left > 0:
            state.failures_left -= 1
            return web.Response(status=500)
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        state.received.append((await request.json(), secret))
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    state.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield state
    await runner.cleanup()


async def test_get_updates_offset_confirms(bot: Bot, emulator: BotApiEmulator) -> None:
    await emulator.send_text(user_id=PARENT_ID, text="one")
    updates = await bot.get_updates(timeout=0)
    assert [u.message.text for u in updates if u.message] == ["/start", "one"]
    first_start = updates[0].message
    assert first_start is not None and first_start.entities[0].type == "bot_command"
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [u.update_id for u in updates]  # not confirmed yet
    confirmed = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    assert confirmed == ()
    assert emulator.pending_updates == []
    await emulator.send_text(user_id=PARENT_ID, text="two")
    await emulator.send_text(user_id=PARENT_ID, text="three")
    limited = await bot.get_updates(limit=1, timeout=0)
    assert [u.message.text for u in limited if u.message] == ["two"]


async def test_long_poll_returns_as_soon_as_an_update_arrives(
    bot: Bot, emulator: BotApiEmulator
) -> None:
    await bot.get_updates(offset=-1)
    last = (await bot.get_updates(timeout=0))[-1].update_id
    await bot.get_updates(offset=last + 1, timeout=0)
    # Ten minutes: the poll can only come back within the test because the update arrived.
    poll = asyncio.create_task(bot.get_updates(offset=last + 1, timeout=600))
    await emulator.wait_until(
        lambda: emulator.stats.requests_by_method["getUpdates"] >= 4,
        description="the long poll to reach the emulator",
    )
    await emulator.send_text(user_id=PARENT_ID, text="wake up")
    updates = await asyncio.wait_for(poll, timeout=30)  # a guard against hanging, not a measurement
    assert [u.message.text for u in updates if u.message] == ["wake up"]


async def test_an_empty_long_poll_ends_empty_at_its_timeout(bot: Bot, emulator: BotApiEmulator) -> None:
    last = (await bot.get_updates(timeout=0))[-1].update_id
    assert await asyncio.wait_for(bot.get_updates(offset=last + 1, timeout=1), timeout=30) == ()


async def test_webhook_delivery_with_secret_and_conflict(
    bot: Bot, emulator: BotApiEmulator, receiver: WebhookReceiver
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)secret token contains unallowed characters"):
        await bot.set_webhook(receiver.url, secret_token="not allowed!")
    receiver.failures_left = 1
    assert await bot.set_webhook(receiver.url, secret_token="s3cret_-Token")
    await emulator.wait_until(
        lambda: len(receiver.received) == 1, description="the pending /start via webhook"
    )
    await emulator.send_text(user_id=PARENT_ID, text="via webhook")
    await emulator.wait_until(lambda: len(receiver.received) == 2, description="second update")
    texts = [update["message"]["text"] for update, _ in receiver.received]
    assert texts == ["/start", "via webhook"]
    assert {secret for _, secret in receiver.received} == {"s3cret_-Token"}
    info = await bot.get_webhook_info()
    assert info.url == receiver.url and info.pending_update_count == 0
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook()
    assert await bot.get_updates(timeout=0) == ()


async def test_set_webhook_ends_a_waiting_long_poll(
    bot: Bot, bot_factory: Callable[..., Bot], emulator: BotApiEmulator, receiver: WebhookReceiver
) -> None:
    last = (await bot.get_updates(timeout=0))[-1].update_id
    await bot.get_updates(offset=last + 1, timeout=0)
    poll = asyncio.create_task(bot.get_updates(offset=last + 1, timeout=5))
    await emulator.wait_until(lambda: emulator.stats.requests_by_method["getUpdates"] >= 3)
    async with bot_factory(emulator) as other_bot:
        await other_bot.set_webhook(receiver.url)
    with pytest.raises(Conflict, match="terminated by setWebhook request"):
        await asyncio.wait_for(poll, timeout=3)


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_html(
        f"Hello <b>{update.effective_user.first_name}</b>! Code: {' '.join(context.args)}",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data="ok")]]),
    )


async def _pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer("Noted")
    await update.callback_query.edit_message_text("Thanks!")


async def test_ptb_application_polling_end_to_end(emulator: BotApiEmulator) -> None:
    application = (
        Application.builder()
        .token(emulator.token)
        .base_url(f"{emulator.url}/bot")
        .base_file_url(emulator.file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", _start))
    application.add_handler(CallbackQueryHandler(_pressed))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            reply = await emulator.wait_for_bot_message(chat_id=PARENT_ID, after_message_id=1)
            assert reply.text == "Hello Anna! Code:"  # trailing space trimmed like Telegram
            start = await emulator.send_text(user_id=PARENT_ID, text="/start ABC123")
            reply = await emulator.wait_for_bot_message(
                chat_id=PARENT_ID, after_message_id=start["message_id"]
            )
            assert reply.text == "Hello Anna! Code: ABC123"
            assert reply.raw_text == "Hello <b>Anna</b>! Code: ABC123"
            await emulator.press_button(
                user_id=PARENT_ID, message_id=reply.message_id, callback_data="ok"
            )
            await emulator.wait_until(
                lambda: (
                    reply.text == "Thanks!" and bool(emulator.callback_answers(user_id=PARENT_ID))
                ),
                description="the bot to answer the button and edit its message",
            )
            assert emulator.callback_answers(user_id=PARENT_ID)[0].text == "Noted"
            assert reply.reply_markup is None
        finally:
            await application.updater.stop()
            await application.stop()


async def test_wait_for_bot_message_times_out_with_transcript(emulator: BotApiEmulator) -> None:
    with pytest.raises(TimeoutError, match=r"(?s)no message from the bot.*#1 user 1001: '/start'"):
        await emulator.wait_for_bot_message(chat_id=PARENT_ID, timeout_s=0.2)
