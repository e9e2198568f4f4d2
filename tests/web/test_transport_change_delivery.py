"""A change recorded over /api/v1 reaches each linked carer through the delivery engine, and the call list names who has not seen it."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import select

from carerline.service import CarerlineService
from db.models import Child
from db.models.staff import StaffRole
from db.types import utc_now
from messaging.quiet_hours import UK
from sandbox.emulator import BotApiEmulator
from services.staff.audit import Actor
from services.staff.accounts import create_api_token
from tests.conftest import make_settings
from tests.messaging.conftest import fast_delivery
from tests.support.factories import make_carer
from tests.support.api_client import Api
from tests.support.waiting import wait_for_condition

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
BROKEN = (
    "council_reference,child_name,school_code,school_name,district,phase,route_code,operator_code,operator_name,"
    "operator_phone,vehicle_type,stop_sequence,stop_name,pickup_from,pickup_to\n"
    "KCC-900001,Zoe,SCH-NEW,New School,Dover,primary,,,,,,,,,\n"
    "KCC-900002,Zoe Anne Smith,SCH-NEW,New School,Dover,primary,,,,,,,,,\n"
    "KCC-900003,Max,SCH-NEW,New School,Dover,nursery,,,,,,,,,\n"
    f"KCC-900004,Max,SCH-LONG,{'Long ' * 50},Dover,primary,,,,,,,,,\n"
)
NOTICE_TIMEOUT_S = 20


@pytest.fixture
async def running(database_url: str, emulator: BotApiEmulator) -> AsyncIterator[CarerlineService]:
    """The whole service (bot, web, delivery) with quick delivery."""
    service = CarerlineService(
        settings=make_settings(database_url=database_url, emulator=emulator),
        delivery=fast_delivery(),
    )
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


async def test_a_change_recorded_through_the_api_reaches_each_linked_carer_and_the_call_list_names_who_has_not_seen_it(
    running: CarerlineService, emulator: BotApiEmulator
) -> None:
    database = running.database
    assert database is not None
    async with database.transaction() as session:
        token = (
            await create_api_token(
                session,
                name="Route planning",
                role=StaffRole.OFFICER,
                actor=Actor.system("tests"),
                now=utc_now(),
            )
        ).plain_token
    api = Api(running.http_url, token)
    try:
        sample = (SAMPLES / "transport_export.csv").read_bytes()
        assert (
            await api.call(
                "POST",
                "/api/v1/transport/imports",
                data=sample,
                headers={"Content-Type": "text/csv"},
            )
        )[0] == 200
        chat_ids = {"KCC-100001": 84_001, "KCC-100002": 84_002}
        async with database.transaction() as session:
            for reference, chat_id in chat_ids.items():
                child = (
                    await session.exec(select(Child).where(Child.council_reference == reference))
                ).one()
                emulator.add_user(
                    user_id=chat_id,
                    first_name=f"Carer{chat_id}",
                    language_code="en",
                    has_started=True,
                )
                await make_carer(
                    session, chat_id=chat_id, first_name=f"Carer{chat_id}", children=[child]
                )
        today = utc_now().astimezone(UK).date().isoformat()
        change = {
            "kind": "cancelled_today",
            "route_code": "MA-101",
            "effective_from": today,
            "reason": "The minibus broke down",
        }
        status, recorded = await api.call("POST", "/api/v1/transport/changes", json=change)
        # Two carers in Telegram, and the contacts the import holds: Anna and Piotr, Emma, Ola's mum.
        assert status == 201 and recorded["carers"] == 2 and recorded["queued"] == 6
        notices = {}
        for chat_id in chat_ids.values():
            notices[chat_id] = await emulator.wait_for_bot_message(
                chat_id=chat_id, timeout_s=NOTICE_TIMEOUT_S
            )
            assert "Sam" in (notices[chat_id].text or "") or "A.J." in (notices[chat_id].text or "")
        seen_button = notices[84_001].callback_data_values()[0]
        await emulator.press_button(
            user_id=84_001, message_id=notices[84_001].message_id, callback_data=seen_button
        )
        await emulator.wait_until(
            lambda: bool(emulator.bot_messages(chat_id=84_001)[-1].edits), timeout_s=10
        )
        assert [len(emulator.bot_messages(chat_id=chat_id)) for chat_id in chat_ids.values()] == [
            1,
            1,
        ]
        change_path = f"/api/v1/transport/changes/{recorded['id']}"

        async def both_recorded_as_sent() -> bool:
            found = (await api.call("GET", "/api/v1/transport/changes/{change_id}", path=change_path))[1]
            telegram = next(row for row in found["channels"] if row["channel"] == "telegram")
            return (telegram["sent"], telegram["acknowledged"], found["figures"]["acknowledged"]) == (2, 1, 1)

        await wait_for_condition(
            both_recorded_as_sent,
            timeout_s=NOTICE_TIMEOUT_S,
            description="both notices recorded as sent",
        )
        status, call_list = await api.call("GET", "/api/v1/transport/call-list")
        assert status == 200
        on_list = {(item["council_reference"], item["reason"]) for item in call_list["items"]}
        assert ("KCC-100002", "not_acknowledged") in on_list
        # Ola's family has no carer in Telegram but a mobile: a text went (or is going), so they are no stranger.
        assert {reason for reference, reason in on_list if reference == "KCC-100003"} <= {"not_yet_sent", "not_acknowledged"}
        assert not any(reference == "KCC-100001" for reference, _ in on_list)
        status, text = await api.call("GET", "/api/v1/transport/call-list.csv")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert (
            status == 200 and {(row["council_reference"], row["reason"]) for row in rows} == on_list
        )
        status, one = await api.call(
            "GET", "/api/v1/transport/changes/{change_id}", path=change_path
        )
        assert one["figures"]["families"] == 6 and one["figures"]["unreachable"] == 0
    finally:
        await api.http.close()
