"""The crowd and reply-clock control API: many people act in one instant, the emulator times the answers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from sandbox.emulator import BotApiEmulator

pytestmark = pytest.mark.asyncio

PARENT_ID = 1001
OTHER_ID = 1003


@pytest_asyncio.fixture
async def http(emulator: BotApiEmulator) -> AsyncIterator[aiohttp.ClientSession]:
    emulator.add_user(user_id=OTHER_ID, first_name="Cara")
    async with aiohttp.ClientSession(base_url=emulator.url) as session:
        yield session


async def _post(http: aiohttp.ClientSession, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    async with http.post(f"/_emulator{path}", json=body) as response:
        return response.status, await response.json()


async def _turns(http: aiohttp.ClientSession, turn_ids: list[int], timeout: float = 0) -> dict[int, dict[str, Any]]:
    status, body = await _post(http, "/turns", {"turn_ids": turn_ids, "timeout": timeout})
    assert status == 200
    return {turn["turn_id"]: turn for turn in body["turns"]}


async def test_a_crowd_is_queued_in_one_go_and_each_turn_closes_at_the_bot_answer(
    http: aiohttp.ClientSession, bot: Bot
) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="yes")]])
    question = await bot.send_message(PARENT_ID, "Confirm?", reply_markup=keyboard)
    await bot.get_updates(timeout=0)
    actions = [
        {"user_id": PARENT_ID, "message_id": question.message_id, "callback_data": "yes"},
        {"user_id": OTHER_ID, "text": "/start"},
    ]
    status, body = await _post(http, "/crowd", {"actions": actions})
    assert status == 200
    press_id, start_id = body["turn_ids"]
    updates = await bot.get_updates(timeout=0, offset=-2)
    assert [bool(update.callback_query) for update in updates] == [True, False]
    assert all(turn["reply_s"] is None for turn in (await _turns(http, [press_id, start_id])).values())

    waiting = asyncio.create_task(_turns(http, [press_id, start_id], timeout=5))
    await bot.send_message(PARENT_ID, "Something unrelated arriving meanwhile")
    await updates[0].callback_query.answer()
    await bot.send_message(OTHER_ID, "Welcome")
    turns = await asyncio.wait_for(waiting, timeout=5)
    assert turns[press_id]["answered_by"] == "message"
    assert turns[start_id]["answered_by"] == "message"
    assert all(turn["reply_s"] >= 0 for turn in turns.values())
    assert all(turn["shown_s"] == turn["reply_s"] for turn in turns.values())  # what answered them was shown


async def test_a_press_answered_first_is_shown_at_the_next_message(http: aiohttp.ClientSession, bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("I agree", callback_data="agree")]])
    notice = await bot.send_message(PARENT_ID, "Privacy notice", reply_markup=keyboard)
    await bot.get_updates(timeout=0)
    _, body = await _post(http, "/crowd", {"actions": [
        {"user_id": PARENT_ID, "message_id": notice.message_id, "callback_data": "agree"},
    ]})
    [turn_id] = body["turn_ids"]
    [update] = await bot.get_updates(timeout=0, offset=-1)
    await update.callback_query.answer()
    answered = (await _turns(http, [turn_id]))[turn_id]
    assert answered["answered_by"] == "answer" and answered["shown_s"] is None

    waiting = asyncio.create_task(_post(http, "/turns", {"turn_ids": [turn_id], "timeout": 5, "until": "shown"}))
    await bot.send_message(PARENT_ID, "Thank you")
    status, body = await asyncio.wait_for(waiting, timeout=10)
    [shown] = body["turns"]
    assert status == 200 and shown["answered_by"] == "answer" and shown["reply_s"] == answered["reply_s"]
    assert shown["shown_s"] is not None and shown["shown_s"] >= shown["reply_s"]


async def test_a_press_is_answered_by_its_own_answer_or_an_edit_of_its_message(
    http: aiohttp.ClientSession, bot: Bot
) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Seen", callback_data="seen")]])
    first = await bot.send_message(PARENT_ID, "Notice one", reply_markup=keyboard)
    second = await bot.send_message(PARENT_ID, "Notice two", reply_markup=keyboard)
    await bot.get_updates(timeout=0)
    _, body = await _post(http, "/crowd", {"actions": [
        {"user_id": PARENT_ID, "message_id": first.message_id, "callback_data": "seen"},
        {"user_id": PARENT_ID, "message_id": second.message_id, "callback_data": "seen"},
    ]})
    first_turn, second_turn = body["turn_ids"]
    updates = await bot.get_updates(timeout=0, offset=-2)

    await bot.edit_message_text("Notice two - seen", chat_id=PARENT_ID, message_id=second.message_id)
    turns = await _turns(http, [first_turn, second_turn])
    assert turns[first_turn]["reply_s"] is None, "an edit of another message does not answer this press"
    assert turns[second_turn]["answered_by"] == "edit"
    await updates[0].callback_query.answer()
    assert (await _turns(http, [first_turn]))[first_turn]["answered_by"] == "answer"


async def test_a_bad_crowd_queues_nothing_and_says_which_action(
    http: aiohttp.ClientSession, bot: Bot
) -> None:
    earlier = await bot.get_updates(timeout=0)
    offset = earlier[-1].update_id + 1
    bad_crowds = [
        ({"actions": []}, "non-empty"),
        ({"actions": [{"user_id": PARENT_ID, "text": "hi"}, {"text": "no one"}]}, "actions[1]"),
        ({"actions": [{"user_id": PARENT_ID, "text": "hi"}, {"user_id": PARENT_ID, "text": "  "}]}, "actions[1]"),
        ({"actions": [{"user_id": PARENT_ID, "message_id": 999, "callback_data": "x"}]}, "actions[0]"),
    ]
    for body, named in bad_crowds:
        status, answer = await _post(http, "/crowd", body)
        assert status == 400 and named in answer["error"], answer
    status, _ = await _post(http, "/crowd", {"actions": [{"user_id": 424242, "text": "hi"}]})
    assert status == 404
    assert await bot.get_updates(timeout=0, offset=offset) == ()
    status, _ = await _post(http, "/turns", {"turn_ids": [987654]})
    assert status == 404
    status, answer = await _post(http, "/turns", {"turn_ids": [], "until": "read"})
    assert status == 400 and "until" in answer["error"]
