"""POST /telegram/webhook: the secret is checked, junk is refused, and the service keeps serving."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
import pytest

from carerline.service import CarerlineService
from db.dao.delivery.message_log import count_messages
from db.models import MessageDirection
from sandbox.emulator import BotApiEmulator
from tests.conftest import make_settings
from tests.support.postgres import free_port
from web.views.telegram_webhook import SECRET_HEADER

SECRET = "s3cret-Token_for-tests"


@pytest.fixture
async def webhook_service(database_url: str, emulator: BotApiEmulator) -> AsyncIterator[CarerlineService]:
    port = free_port()
    settings = make_settings(
        database_url=database_url,
        emulator=emulator,
        http_port=port,
        public_url=f"http://127.0.0.1:{port}",
        webhook_secret=SECRET,
    )
    running = CarerlineService(settings=settings)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


def start_update(*, update_id: int, user_id: int) -> dict[str, object]:
    user = {"id": user_id, "is_bot": False, "first_name": "Direct", "language_code": "en"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": "Direct"},
            "from": user,
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def inbound_count(service: CarerlineService) -> int:
    assert service.database is not None
    async with service.database.transaction() as session:
        return await count_messages(session, direction=MessageDirection.INBOUND)


async def test_the_service_registers_its_webhook_with_the_secret(
    webhook_service: CarerlineService, emulator: BotApiEmulator
) -> None:
    assert emulator.webhook_info["url"] == f"{webhook_service.http_url}/telegram/webhook"
    assert emulator.state.webhook.secret_token == SECRET


@pytest.mark.parametrize("headers", [{}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: ""}, {SECRET_HEADER: SECRET + "x"}])
async def test_wrong_or_missing_secret_gets_401_and_nothing_is_handled(
    webhook_service: CarerlineService, headers: dict[str, str]
) -> None:
    async with aiohttp.ClientSession(webhook_service.http_url) as http:
        async with http.post("/telegram/webhook", json=start_update(update_id=1, user_id=9), headers=headers) as response:
            assert response.status == 401
    assert await inbound_count(webhook_service) == 0


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b"null", b'{"no_update_id": 1}', b'{"update_id": "seven"}', b'{"update_id": true}'],
)
async def test_malformed_update_gets_400_and_the_next_good_update_is_handled(
    webhook_service: CarerlineService, emulator: BotApiEmulator, body: bytes
) -> None:
    async with aiohttp.ClientSession(webhook_service.http_url) as http:
        async with http.post(
            "/telegram/webhook", data=body, headers={SECRET_HEADER: SECRET, "Content-Type": "application/json"}
        ) as response:
            assert response.status == 400
    emulator.add_user(user_id=601, first_name="Nadia", language_code="en")
    await emulator.send_text(user_id=601, text="/start")
    reply = await emulator.wait_for_bot_message(chat_id=601, timeout_s=10)
    assert "welcome to Carerline" in reply.text


async def test_an_update_posted_with_the_right_secret_is_handled_once(
    webhook_service: CarerlineService, emulator: BotApiEmulator
) -> None:
    emulator.add_user(user_id=602, first_name="Direct", language_code="en")
    await emulator.send_text(user_id=602, text="hi")  # the person has started the bot
    await emulator.wait_for_bot_message(chat_id=602, timeout_s=10)
    before = len(emulator.bot_messages(chat_id=602))
    body = json.dumps(start_update(update_id=900_001, user_id=602))
    async with aiohttp.ClientSession(webhook_service.http_url) as http:
        for _ in range(2):  # a redelivery of the same update is handled once
            async with http.post(
                "/telegram/webhook", data=body, headers={SECRET_HEADER: SECRET, "Content-Type": "application/json"}
            ) as response:
                assert response.status == 200
    await emulator.wait_until(lambda: len(emulator.bot_messages(chat_id=602)) > before, timeout_s=10)
    await emulator.wait_until(lambda: webhook_service.metrics.updates_duplicate._value.get() == 1, timeout_s=10)
    assert len(emulator.bot_messages(chat_id=602)) == before + 1
