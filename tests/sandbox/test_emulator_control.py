"""The control API the phone page uses, and the phone page itself."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile

from sandbox.emulator import BotApiEmulator

pytestmark = pytest.mark.asyncio

PARENT_ID = 1001


@pytest_asyncio.fixture
async def http(emulator: BotApiEmulator) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=emulator.url) as session:
        yield session


async def test_phone_page_is_served(http: aiohttp.ClientSession) -> None:
    for path in ("/", "/phone/"):
        async with http.get(path) as response:
            assert response.status == 200
            page = await response.text()
            assert '<html lang="en">' in page and "/phone/app.js" in page
    for path, content_type in (("/phone/app.js", "javascript"), ("/phone/styles.css", "text/css")):
        async with http.get(path) as response:
            assert response.status == 200
            assert content_type in response.headers["Content-Type"]


async def test_users_can_be_listed_added_and_blocked(
    http: aiohttp.ClientSession, emulator: BotApiEmulator, bot: Bot
) -> None:
    async with http.get("/_emulator/users") as response:
        users = await response.json()
    assert [user["first_name"] for user in users] == ["Anna", "Bob"]
    async with http.post(
        "/_emulator/users", json={"first_name": "Kasia", "language_code": "pl"}
    ) as response:
        assert response.status == 201
        kasia = await response.json()
    assert emulator.user(user_id=kasia["user_id"]).language_code == "pl"
    async with http.post("/_emulator/users", json={}) as response:
        assert response.status == 400
    async with http.post(f"/_emulator/users/{PARENT_ID}/block", json={"blocked": True}) as response:
        assert (await response.json())["blocked_bot"] is True
    updates = await bot.get_updates(timeout=0)
    member_update = updates[-1].my_chat_member
    assert member_update is not None and member_update.new_chat_member.status == "kicked"
    async with http.post("/_emulator/users/424242/block") as response:
        assert response.status == 404


async def test_chat_long_poll_wakes_on_bot_message_and_edit(
    http: aiohttp.ClientSession, bot: Bot
) -> None:
    async with http.get(f"/_emulator/chats/{PARENT_ID}/messages") as response:
        snapshot = await response.json()
    assert [m["text"] for m in snapshot["messages"]] == ["/start"]
    version = snapshot["version"]

    async def poll(after: int) -> dict:
        url = f"/_emulator/chats/{PARENT_ID}/messages?after_version={after}&timeout=5"
        async with http.get(url) as response:
            return await response.json()

    waiting = asyncio.create_task(poll(version))
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="yes")]])
    sent = await bot.send_message(
        PARENT_ID, "<b>Visit</b> tomorrow?", parse_mode="HTML", reply_markup=markup
    )
    snapshot = await asyncio.wait_for(waiting, timeout=3)
    assert snapshot["version"] > version
    bot_message = snapshot["messages"][-1]
    assert bot_message["from_bot"] and bot_message["text"] == "Visit tomorrow?"
    assert bot_message["entities"] == [{"offset": 0, "length": 5, "type": "bold"}]
    waiting = asyncio.create_task(poll(snapshot["version"]))
    await bot.edit_message_text("Visit confirmed", chat_id=PARENT_ID, message_id=sent.message_id)
    snapshot = await asyncio.wait_for(waiting, timeout=3)
    assert snapshot["messages"][-1]["text"] == "Visit confirmed"
    assert snapshot["messages"][-1]["edit_count"] == 1


async def test_person_actions_over_http_reach_the_bot(
    http: aiohttp.ClientSession, emulator: BotApiEmulator, bot: Bot
) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="yes")]])
    sent = await bot.send_message(PARENT_ID, "Confirm?", reply_markup=markup)
    async with http.post(f"/_emulator/chats/{PARENT_ID}/send", json={"text": "hello"}) as response:
        assert response.status == 200
    payload = {"message_id": sent.message_id, "callback_data": "yes"}
    async with http.post(f"/_emulator/chats/{PARENT_ID}/press", json=payload) as response:
        assert response.status == 200
    payload["callback_data"] = "no"
    async with http.post(f"/_emulator/chats/{PARENT_ID}/press", json=payload) as response:
        assert response.status == 400
    for kind in ("sticker", "photo", "voice", "video", "video_note", "location", "contact"):
        async with http.post(f"/_emulator/chats/{PARENT_ID}/{kind}", json={}) as response:
            assert response.status == 200, kind
    document = {"filename": "a.txt", "content_base64": base64.b64encode(b"hi").decode()}
    async with http.post(f"/_emulator/chats/{PARENT_ID}/document", json=document) as response:
        assert response.status == 200
    async with http.post(f"/_emulator/chats/{PARENT_ID}/hologram", json={}) as response:
        assert response.status == 400
    updates = await bot.get_updates(timeout=0)
    messages = [u.message for u in updates if u.message]
    kinds = [
        m.text or ("Photo" if m.photo else type(m.effective_attachment).__name__) for m in messages
    ]
    assert kinds[1:] == [
        "hello",
        "Sticker",
        "Photo",
        "Voice",
        "Video",
        "VideoNote",
        "Location",
        "Contact",
        "Document",
    ]
    assert [u.callback_query.data for u in updates if u.callback_query] == ["yes"]


async def test_bot_documents_download_from_the_phone(http: aiohttp.ClientSession, bot: Bot) -> None:
    sent = await bot.send_document(PARENT_ID, InputFile(b"%PDF-1.4 plan", filename="care plan.pdf"))
    async with http.get(f"/_emulator/chats/{PARENT_ID}/messages") as response:
        snapshot = await response.json()
    url = snapshot["messages"][-1]["document"]["url"]
    assert url == f"/_emulator/chats/{PARENT_ID}/documents/{sent.message_id}"
    async with http.get(url) as response:
        assert response.status == 200
        assert await response.read() == b"%PDF-1.4 plan"
        assert response.headers["Content-Type"] == "application/pdf"
        assert 'filename="care plan.pdf"' in response.headers["Content-Disposition"]
    async with http.get(f"/_emulator/chats/{PARENT_ID}/documents/1") as response:
        assert response.status == 400
