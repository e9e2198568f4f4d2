"""Property-based: random Telegram updates and random JSON at the webhook and the API; never a 500, never a traceback."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carerline.service import CarerlineService
from sandbox.emulator import BotApiEmulator
from tests.conftest import TEST_TOKEN, make_settings
from tests.support.logs import no_tracebacks_logged
from tests.support.postgres import free_port
from tests.support.staff import StaffWeb
from tests.web.test_hostile_bodies import role_allowed_to
from tests.web.test_telegram_webhook import SECRET
from web.views.telegram_webhook import SECRET_HEADER

__all__ = ["no_tracebacks_logged"]  # a fixture used here
pytestmark = pytest.mark.usefixtures("no_tracebacks_logged")
PEOPLE = [701, 702, 703]  # chats the emulator knows, so every reply the bot sends has somewhere to go
EXAMPLES = 150
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
)

any_character = st.characters(codec=None, exclude_categories=())  # lone surrogates and NUL included
texts = st.text(alphabet=any_character, max_size=30)
beyond_64_bits = st.one_of(st.integers(min_value=2**63), st.integers(max_value=-(2**63) - 1))
not_an_int = st.one_of(texts, st.none(), st.booleans(), st.floats())
person_id = st.one_of(st.sampled_from(PEOPLE), beyond_64_bits, not_an_int)
any_id = st.one_of(st.integers(), not_an_int)
dates = st.one_of(st.integers(min_value=1_600_000_000, max_value=1_900_000_000), st.integers(), not_an_int)
words = st.one_of(texts, st.sampled_from(["/start", "/menu", "/help", "/start ABC123", "/settings", "/nope"]), st.integers())
button_data = st.one_of(
    texts, st.just(""), st.integers(), st.sampled_from(["ack:1", "menu:main", "menu:help", "cmp:child:1", "set:lang:pl", "fb:rate:journey:5"])
)
users = st.fixed_dictionaries(
    {"id": person_id, "is_bot": st.one_of(st.booleans(), texts), "first_name": st.one_of(texts, st.integers())},
    optional={"language_code": st.one_of(st.sampled_from(["en", "pl", "xx"]), st.integers())},
)
chats = st.fixed_dictionaries({"id": person_id, "type": st.one_of(st.sampled_from(["private", "group"]), texts)})
messages = st.fixed_dictionaries(
    {"message_id": any_id, "date": dates, "chat": chats, "from": users},
    optional={"text": words, "caption": words, "edit_date": dates},
)
callback_queries = st.fixed_dictionaries(
    {"id": st.text(max_size=5), "from": users, "chat_instance": st.just("1"), "data": button_data},
    optional={"message": messages},
)
updates = st.fixed_dictionaries(
    {"update_id": st.one_of(st.integers(min_value=1, max_value=2**40), st.integers())},
    optional={"message": messages, "edited_message": messages, "callback_query": callback_queries},
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), texts)
any_json = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4), max_leaves=25
)
bodies = st.one_of(
    updates.map(lambda value: json.dumps(value).encode()),
    any_json.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=200),
)


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    """Without the per-chat cap: the fuzz sends faster than any parent (429s have their own test)."""
    async with BotApiEmulator(token=TEST_TOKEN, bot_username="CarerlineTestBot", per_chat_rate_per_s=None) as running:
        for person in PEOPLE:
            running.add_user(user_id=person, first_name="Fuzz", language_code="en")
        yield running


@pytest.fixture
async def webhook_service(database_url: str, emulator: BotApiEmulator) -> AsyncIterator[CarerlineService]:
    port = free_port()
    overrides: dict[str, Any] = {"public_url": f"http://127.0.0.1:{port}", "webhook_secret": SECRET, "http_port": port}
    running = CarerlineService(
        settings=make_settings(database_url=database_url, emulator=emulator, chat_flood_max_updates=10_000, **overrides)
    )
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


def throw_at_webhook(url: str) -> list[int]:
    """Hypothesis in a thread: each random body once; the statuses seen."""
    seen: list[int] = []
    with httpx.Client(base_url=url, timeout=30) as http:

        @FUZZ_SETTINGS
        @given(body=bodies)
        def post(body: bytes) -> None:
            response = http.post(
                "/telegram/webhook", content=body, headers={SECRET_HEADER: SECRET, "Content-Type": "application/json"}
            )
            seen.append(response.status_code)
            assert response.status_code in (200, 400), response.text

        post()
    return seen


@pytest.mark.timeout(300)
async def test_random_updates_and_json_at_the_webhook_never_500_and_nothing_crashes(
    webhook_service: CarerlineService, emulator: BotApiEmulator
) -> None:
    seen = await asyncio.to_thread(throw_at_webhook, webhook_service.http_url)
    assert len(seen) >= EXAMPLES and 200 in seen and 400 in seen
    # Every chat has finished what it was sent: one more message each, answered after all the rest.
    for person in PEOPLE:
        sent = await emulator.send_text(user_id=person, text="/help")
        await emulator.wait_for_bot_message(chat_id=person, after_message_id=sent["message_id"], timeout_s=30)
    application = webhook_service.bot_application
    assert application is not None
    await emulator.wait_until(lambda: application.update_queue.empty(), timeout_s=30)


API_TARGETS = ["/api/v1/transport/changes", "/api/v1/applications", "/api/v1/broadcasts/1/schedule", "/api/v1/users"]


def throw_at_api(url: str, tokens: dict[str, str]) -> list[int]:
    """Random JSON (and bytes) at a few API routes; the statuses seen."""
    seen: list[int] = []
    with httpx.Client(base_url=url, timeout=30) as http:

        @FUZZ_SETTINGS
        @given(path=st.sampled_from(sorted(API_TARGETS)), body=st.one_of(any_json.map(json.dumps), st.binary(max_size=100)))
        def post(path: str, body: str | bytes) -> None:
            headers = {"Authorization": f"Bearer {tokens[path]}", "Content-Type": "application/json"}
            response = http.post(path, content=body, headers=headers)
            seen.append(response.status_code)
            assert response.status_code < 500, response.text

        post()
    return seen


@pytest.mark.timeout(300)
async def test_random_json_at_the_api_never_500_and_nothing_crashes(staff_web: StaffWeb) -> None:
    tokens = {path: await staff_web.add_token(role_allowed_to("POST", path), name=f"fuzz {path}") for path in API_TARGETS}
    seen = await asyncio.to_thread(throw_at_api, staff_web.url, tokens)
    assert len(seen) >= EXAMPLES and 422 in seen
