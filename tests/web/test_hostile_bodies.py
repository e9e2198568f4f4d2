"""Hostile bodies and updates at the webhook and the API: each is answered 4xx (or 200 to Telegram), none crashes."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from sqlmodel import select

from carerline.service import CarerlineService
from db.dao.delivery.message_log import fetch_messages_for_chat
from db.models import MessageDirection, MessageRecord
from db.models.staff import StaffRole
from sandbox.emulator import BotApiEmulator
from services.staff.permissions import ROLE_PERMISSIONS
from tests.support.factories import make_carer
from tests.support.logs import no_tracebacks_logged
from tests.support.phone import visible
from tests.support.staff import StaffWeb
from tests.support.waiting import wait_for_condition
from tests.web.test_telegram_webhook import SECRET, start_update, webhook_service
from web.api.registry import OPERATIONS
from web.views.telegram_webhook import SECRET_HEADER

__all__ = ["no_tracebacks_logged", "webhook_service"]  # fixtures used here
pytestmark = pytest.mark.usefixtures("no_tracebacks_logged")
HEADERS = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
FIVE_MB = 5 * 1024 * 1024


def deeply_nested(depth: int) -> bytes:
    """An update whose extra field nests `depth` arrays deep."""
    return b'{"update_id": 77, "junk": ' + b"[" * depth + b"]" * depth + b"}"


async def streamed(total: int, *, chunk: bytes = b" " * 65536) -> AsyncIterator[bytes]:
    """A body sent chunked, without Content-Length."""
    sent = 0
    while sent < total:
        yield chunk
        sent += len(chunk)


async def post_webhook(service: CarerlineService, data: Any) -> tuple[int, Any]:
    async with aiohttp.ClientSession(service.http_url) as http:
        async with http.post("/telegram/webhook", data=data, headers=HEADERS) as response:
            return response.status, await response.json()


async def test_a_streamed_webhook_body_over_the_limit_gets_413_as_a_declared_one_does(
    webhook_service: CarerlineService,
) -> None:
    status, _ = await post_webhook(webhook_service, streamed(FIVE_MB))
    assert status == 413
    status, _ = await post_webhook(webhook_service, b" " * (FIVE_MB))
    assert status == 413


@pytest.mark.parametrize("depth", [65, 50_000])
async def test_json_nested_too_deep_gets_400_at_the_webhook(webhook_service: CarerlineService, depth: int) -> None:
    status, body = await post_webhook(webhook_service, deeply_nested(depth))
    assert status == 400 and "nested" in body["error"]


async def test_json_nested_within_the_bound_is_read(webhook_service: CarerlineService) -> None:
    status, _ = await post_webhook(webhook_service, deeply_nested(40))
    assert status == 200


def _message(**changes: Any) -> dict[str, Any]:
    update = start_update(update_id=0, user_id=603)["message"]
    assert isinstance(update, dict)
    return {**update, **changes}


HOSTILE_UPDATES: dict[str, dict[str, Any]] = {
    "chat id beyond 64 bits": {"message": _message(chat={"id": 2**70, "type": "private", "first_name": "X"})},
    "message id of 400 digits": {"message": _message(message_id=10**400)},
    "date far in the future": {"message": _message(date=10**12)},
    "date before 1970": {"message": _message(date=-(10**12))},
    "text that is a number": {"message": _message(text=12345)},
    "chat that is a string": {"message": _message(chat="private")},
    "sender id that is a string": {"message": _message(**{"from": {"id": "603", "is_bot": False, "first_name": "X"}})},
    "message that is a list": {"message": [1, 2, 3]},
    "callback data that is a number": {
        "callback_query": {"id": "1", "chat_instance": "1", "data": 12345, "from": {"id": 603, "is_bot": False, "first_name": "X"}}
    },
    "edited date out of range": {"edited_message": _message(edit_date=2**62)},
    "reply with a date out of range": {"message": _message(reply_to_message=_message(date=10**13))},
}


@pytest.mark.parametrize("name", list(HOSTILE_UPDATES))
async def test_an_update_we_cannot_read_gets_200_a_warning_and_is_recorded_without_reaching_a_handler(
    webhook_service: CarerlineService, emulator: BotApiEmulator, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    update_id = 800_000 + list(HOSTILE_UPDATES).index(name)
    emulator.add_user(user_id=603, first_name="Direct", language_code="en")
    with caplog.at_level(logging.WARNING, logger="messaging.channels.telegram_updates"):
        status, _ = await post_webhook(webhook_service, json.dumps({"update_id": update_id, **HOSTILE_UPDATES[name]}))
    assert status == 200
    assert any("no handler sees it" in record.getMessage() for record in caplog.records)
    assert webhook_service.database is not None

    async def recorded() -> MessageRecord | None:
        async with webhook_service.database.transaction() as session:  # type: ignore[union-attr]
            return (await session.exec(select(MessageRecord).where(MessageRecord.update_id == update_id))).first()

    await wait_for_condition(recorded, timeout_s=10, description="the update to be recorded")
    record = await recorded()
    assert record is not None and record.kind == "unreadable" and record.chat_id is None
    # Nothing was said to anyone, and the service still answers the next good update.
    await emulator.send_text(user_id=603, text="/start")
    reply = await emulator.wait_for_bot_message(chat_id=603, timeout_s=10)
    assert "welcome to Carerline" in reply.text
    assert len(emulator.bot_messages(chat_id=603)) == 1


async def test_an_update_id_beyond_64_bits_gets_200_and_is_not_recorded(webhook_service: CarerlineService) -> None:
    status, _ = await post_webhook(webhook_service, json.dumps(start_update(update_id=2**64, user_id=604)))
    assert status == 200


@pytest.mark.parametrize(
    ("words", "kept"), [("lone \ud800 surrogate", "lone \ufffd surrogate"), ("\udfff\ud800\x00!", "\ufffd\ufffd\ufffd!")]
)
async def test_lone_surrogates_are_answered_and_kept_replaced_and_flagged(
    webhook_service: CarerlineService, emulator: BotApiEmulator, words: str, kept: str
) -> None:
    emulator.add_user(user_id=605, first_name="Direct", language_code="en")
    database = webhook_service.database
    assert database is not None
    async with database.transaction() as session:
        await make_carer(session, chat_id=605, first_name="Direct")  # has consented, so the words are kept
    opened = await emulator.send_text(user_id=605, text="plain words")  # the person has opened the chat
    await emulator.wait_for_bot_message(chat_id=605, after_message_id=opened["message_id"], timeout_s=10)
    before = emulator.state.last_message_id(605)
    update = start_update(update_id=810_001, user_id=605)
    update["message"] = {**update["message"], "text": words, "entities": []}  # type: ignore[dict-item]
    # json.dumps writes a lone surrogate as the escape "\ud800", as a client in any language can.
    status, _ = await post_webhook(webhook_service, json.dumps(update))
    assert status == 200
    reply = await emulator.wait_for_bot_message(chat_id=605, after_message_id=before, timeout_s=10)
    assert reply.text == visible("common.not_understood", language="en")
    async with database.transaction() as session:
        inbound = [m for m in await fetch_messages_for_chat(session, chat_id=605) if m.direction == MessageDirection.INBOUND]
    assert [(m.text, m.has_replaced_characters) for m in inbound] == [("plain words", False), (kept, True)]


# --- the API ---------------------------------------------------------------------------------

API_POSTS = ["/api/v1/transport/changes", "/api/v1/applications", "/api/v1/broadcasts/1/schedule", "/api/v1/users"]


def role_allowed_to(method: str, path: str) -> StaffRole:
    """A role whose permissions reach past the check, so the body is read."""
    pattern = re.sub(r"/\d+(?=/|$)", "/{id}", path)
    operation = next(o for o in OPERATIONS if o.method == method and re.sub(r"{[a-z_]+}", "{id}", o.full_path) == pattern)
    return next(role for role, granted in ROLE_PERMISSIONS.items() if operation.permission in granted)


@pytest.fixture
async def http_for(staff_web: StaffWeb) -> AsyncIterator[Callable[[str, str], Awaitable[aiohttp.ClientSession]]]:
    """An API client whose token's role may call this method on this path."""
    opened: list[aiohttp.ClientSession] = []

    async def open_for(method: str, path: str) -> aiohttp.ClientSession:
        token = await staff_web.add_token(role_allowed_to(method, path), name=f"Hostile client {len(opened)}")
        http = aiohttp.ClientSession(staff_web.url, headers={"Authorization": f"Bearer {token}"})
        opened.append(http)
        return http

    yield open_for
    for http in opened:
        await http.close()


async def api_post(http: aiohttp.ClientSession, path: str, data: Any) -> tuple[int, dict[str, Any]]:
    async with http.post(path, data=data, headers={"Content-Type": "application/json"}) as response:
        return response.status, await response.json()


@pytest.mark.parametrize("path", API_POSTS)
async def test_api_posts_refuse_deep_json_with_400_and_streamed_giants_with_413(
    http_for: Callable[[str, str], Awaitable[aiohttp.ClientSession]], path: str
) -> None:
    http = await http_for("POST", path)
    status, body = await api_post(http, path, b"[" * 50_000 + b"]" * 50_000)
    assert status == 400 and body["error"] == "bad_request" and "nested" in body["message"]
    status, body = await api_post(http, path, b'{"a": ' + b"{" * 65 + b"}" * 65 + b"}")
    assert status == 400
    status, body = await api_post(http, path, streamed(FIVE_MB))
    assert status == 413 and body["error"] == "payload_too_large"
    status, body = await api_post(http, path, b"{not json")
    assert status == 422  # as the API has always answered invalid JSON


@pytest.mark.parametrize("path", API_POSTS)
async def test_api_integers_beyond_64_bits_never_reach_the_database(
    http_for: Callable[[str, str], Awaitable[aiohttp.ClientSession]], path: str
) -> None:
    http = await http_for("POST", path)
    for number in (2**63, -(2**63) - 1, 10**30):
        document = {"route_id": number, "child_id": number, "school_id": number, "reference": "A1", "kind": "x"}
        status, _ = await api_post(http, path, json.dumps(document))
        assert 400 <= status < 500


@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("GET", "/api/v1/users/99999999999999999999999", "user_id"),
        ("POST", "/api/v1/complaints/99999999999999999999999/acknowledge", "complaint_id"),
        ("POST", "/api/v1/broadcasts/9223372036854775808/schedule", "broadcast_id"),
    ],
)
async def test_api_path_ids_beyond_64_bits_get_422_naming_the_field(
    http_for: Callable[[str, str], Awaitable[aiohttp.ClientSession]], method: str, path: str, field: str
) -> None:
    http = await http_for(method, path)
    async with http.request(method, path, json={"send_at": "2030-01-01T09:00:00Z"}) as response:
        assert response.status == 422
        assert field in {problem["field"] for problem in (await response.json())["fields"]}
