"""End to end: an operator's report reaches each family's phone (the Telegram emulator) through the delivery engine."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from carerline.service import CarerlineService
from db.models.staff import StaffRole
from db.types import utc_now
from sandbox.emulator import BotApiEmulator
from services.staff.audit import Actor
from services.staff.accounts import create_api_token
from tests.conftest import make_settings
from tests.messaging.conftest import fast_delivery
from tests.support.operators import make_operator_world, operator_token
from tests.support.api_client import Api

DUTY_GROUP = -100_777
NOTICE_TIMEOUT_S = 20
CHATS = (82_001, 82_002, 82_003)


@pytest.fixture
async def running(database_url: str, emulator: BotApiEmulator) -> AsyncIterator[CarerlineService]:
    """The whole service (bot, web, delivery) with quick delivery and a Telegram duty group."""
    emulator.add_group(chat_id=DUTY_GROUP, title="SEN transport duty")
    service = CarerlineService(
        settings=make_settings(database_url=database_url, emulator=emulator, duty_telegram_chat_id=DUTY_GROUP),
        delivery=fast_delivery(),
    )
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


async def test_running_late_reaches_each_family_in_their_language_and_back_on_time_keeps_the_promise(
    running: CarerlineService, emulator: BotApiEmulator
) -> None:
    database = running.database
    assert database is not None
    for chat_id, language in zip(CHATS, ("en", "pl", "en"), strict=True):
        emulator.add_user(user_id=chat_id, first_name=f"Carer{chat_id}", language_code=language, has_started=True)
    world = await make_operator_world(database, chat_ids=CHATS)
    api = Api(running.http_url, await operator_token(database, operator_id=world.operator_a))
    try:
        status, late = await api.call(
            "POST", "/api/v1/operator/disruptions",
            json={"route_id": world.route_a.id, "kind": "running_late", "minutes_late": 20, "note": "Road closed at Coxheath"},
        )
        assert status == 201 and late["carers_told"] == 2
        english = await emulator.wait_for_bot_message(chat_id=CHATS[0], after_message_id=0, timeout_s=NOTICE_TIMEOUT_S)
        polish = await emulator.wait_for_bot_message(chat_id=CHATS[1], after_message_id=0, timeout_s=NOTICE_TIMEOUT_S)
        assert "about 20 minutes late" in (english.text or "") and "Sam" in (english.text or "")
        assert "Road closed at Coxheath" in (english.text or "") and "We'll tell you when it's resolved." in (english.text or "")
        assert "około 20 minut" in (polish.text or "") and "Ola" in (polish.text or "")
        assert english.callback_data_values(), "the notice carries the I've seen this button"
        status, resolved = await api.call(
            "POST", "/api/v1/operator/disruptions/{disruption_id}/resolve",
            path=f"/api/v1/operator/disruptions/{late['id']}/resolve", json={"resolution": "back_on_time"},
        )
        assert status == 200 and resolved["status"] == "resolved"
        follow_up = await emulator.wait_for_bot_message(chat_id=CHATS[0], after_message_id=english.message_id, timeout_s=NOTICE_TIMEOUT_S)
        assert "Back on time" in (follow_up.text or "")
        await emulator.wait_for_bot_message(chat_id=CHATS[1], after_message_id=polish.message_id, timeout_s=NOTICE_TIMEOUT_S)
        assert emulator.bot_messages(chat_id=CHATS[2]) == []  # another operator's route: that family hears nothing
        assert len(emulator.bot_messages(chat_id=CHATS[0])) == 2
    finally:
        await api.http.close()


async def test_a_cancelled_run_pages_the_duty_group_and_families_hear_only_when_an_officer_confirms(
    running: CarerlineService, emulator: BotApiEmulator
) -> None:
    database = running.database
    assert database is not None
    for chat_id in CHATS:
        emulator.add_user(user_id=chat_id, first_name=f"Carer{chat_id}", language_code="en", has_started=True)
    world = await make_operator_world(database, chat_ids=CHATS)
    operator = Api(running.http_url, await operator_token(database, operator_id=world.operator_a))
    async with database.transaction() as session:
        officer_token = (
            await create_api_token(session, name="Officer", role=StaffRole.OFFICER, actor=Actor.system("tests"), now=utc_now())
        ).plain_token
    officer = Api(running.http_url, officer_token)
    try:
        status, cancelled = await operator.call(
            "POST", "/api/v1/operator/disruptions", json={"route_id": world.route_a.id, "kind": "run_cancelled", "run": "afternoon"}
        )
        assert status == 201 and cancelled["status"] == "awaiting_officer"
        await emulator.wait_until(lambda: bool(emulator.bot_messages(chat_id=DUTY_GROUP)), timeout_s=NOTICE_TIMEOUT_S, description="the duty alert")
        alert = emulator.bot_messages(chat_id=DUTY_GROUP)[0].text or ""
        assert cancelled["reference"] in alert and "OPA-1" in alert and "Sam" not in alert
        status, seen = await officer.call("GET", "/api/v1/disruptions/{disruption_id}", path=f"/api/v1/disruptions/{cancelled['id']}")
        assert status == 200 and seen["report"]["families_told_at"] is None
        assert emulator.bot_messages(chat_id=CHATS[0]) == []
        status, confirmed = await officer.call(
            "POST", "/api/v1/disruptions/{disruption_id}/confirm", path=f"/api/v1/disruptions/{cancelled['id']}/confirm",
            json={"reason": "No driver this afternoon. We are sending a taxi."},
        )
        assert status == 200 and confirmed["draft"]["status"] == "confirmed"
        notice = await emulator.wait_for_bot_message(chat_id=CHATS[0], after_message_id=0, timeout_s=NOTICE_TIMEOUT_S)
        assert "taxi" in (notice.text or "")
        await emulator.wait_for_bot_message(chat_id=CHATS[1], after_message_id=0, timeout_s=NOTICE_TIMEOUT_S)
        status, reviewed = await officer.call("GET", "/api/v1/disruptions/{disruption_id}", path=f"/api/v1/disruptions/{cancelled['id']}")
        assert reviewed["report"]["duty_paged_at"] is not None
    finally:
        await operator.http.close()
        await officer.http.close()
