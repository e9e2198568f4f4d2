"""POST /notify/callbacks/status and /inbound: the bearer token in constant time, bodies checked, each status kept."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from notifications_python_client.notifications import NotificationsAPIClient

from db.dao.delivery.notify_receipts import count_inbound_texts, fetch_receipt, fetch_receipts_by_reference
from sandbox.notify import NotifyEmulator
from sandbox.notify.emulator import GENERIC_TEMPLATE_IDS
from tests.support.staff import SettableClock, StaffWeb, running_staff_web
from tests.support.waiting import wait_for_condition

TOKEN = "notify-callback-token-for-tests"
NOTIFY_ID = "740e5834-3a29-46b4-9a6f-16142fde533a"


def receipt(**changes: Any) -> dict[str, Any]:
    """A delivery receipt as Notify posts it."""
    body: dict[str, Any] = {
        "id": NOTIFY_ID, "reference": "change:12:carer:3:sms", "to": "+447700900001", "status": "delivered",
        "created_at": "2026-12-07T09:00:00.000000Z", "completed_at": "2026-12-07T09:00:05.000000Z",
        "sent_at": "2026-12-07T09:00:01.000000Z", "notification_type": "sms",
        "template_id": "f33517ff-2a88-4f6e-b855-c550268ce08a", "template_version": 1,
    }
    body.update(changes)
    return body


@pytest.fixture
async def web_side(database_url: str, clock: SettableClock) -> AsyncIterator[StaffWeb]:
    """The web app with a Notify callback token set."""
    async with running_staff_web(database_url=database_url, clock=clock, notify_callback_token=TOKEN) as running:
        yield running


async def post(web_side: StaffWeb, path: str, body: Any, *, token: str | None = TOKEN) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    async with aiohttp.ClientSession() as http, http.post(f"{web_side.url}{path}", json=body, headers=headers) as response:
        return response.status


async def test_a_receipt_with_the_token_is_recorded_and_a_repeat_updates_it(web_side: StaffWeb) -> None:
    assert await post(web_side, "/notify/callbacks/status", receipt(status="temporary-failure")) == 200
    assert await post(web_side, "/notify/callbacks/status", receipt(status="permanent-failure")) == 200
    async with web_side.database.transaction() as session:
        held = await fetch_receipt(session, notify_id=NOTIFY_ID)
        by_reference = await fetch_receipts_by_reference(session, reference="change:12:carer:3:sms")
    assert held is not None and held.status == "permanent-failure" and held.notification_type == "sms"
    assert held.completed_at is not None and held.completed_at.isoformat().startswith("2026-12-07T09:00:05")
    assert [item.notify_id for item in by_reference] == [NOTIFY_ID]


@pytest.mark.parametrize("token", [None, "wrong-token", TOKEN + "x", ""])
async def test_a_wrong_or_missing_token_is_401_and_nothing_is_kept(web_side: StaffWeb, token: str | None) -> None:
    assert await post(web_side, "/notify/callbacks/status", receipt(), token=token) == 401
    inbound = {"id": NOTIFY_ID, "source_number": "447700900001", "destination_number": "07700900123",
               "message": "YES", "date_received": "2026-12-07T09:30:00.000000Z"}
    assert await post(web_side, "/notify/callbacks/inbound", inbound, token=token) == 401
    async with web_side.database.transaction() as session:
        assert await fetch_receipt(session, notify_id=NOTIFY_ID) is None
        assert await count_inbound_texts(session) == 0


async def test_without_a_configured_token_every_callback_is_401(database_url: str, clock: SettableClock) -> None:
    async with running_staff_web(database_url=database_url, clock=clock) as unconfigured:
        assert await post(unconfigured, "/notify/callbacks/status", receipt()) == 401


@pytest.mark.parametrize(
    "body",
    [[1, 2], "delivered", receipt(status="lost"), receipt(id="not-a-uuid"), receipt(notification_type="fax"),
     receipt(completed_at="yesterday"), {k: v for k, v in receipt().items() if k != "status"}],
)
async def test_a_bad_body_is_400(web_side: StaffWeb, body: Any) -> None:
    assert await post(web_side, "/notify/callbacks/status", body) == 400


async def test_a_body_that_is_not_json_is_400(web_side: StaffWeb) -> None:
    async with aiohttp.ClientSession() as http, http.post(
        f"{web_side.url}/notify/callbacks/inbound", data=b"{not json", headers={"Authorization": f"Bearer {TOKEN}"}
    ) as response:
        assert response.status == 400


async def test_the_emulator_posts_receipts_and_texts_that_are_recorded(web_side: StaffWeb) -> None:
    async with NotifyEmulator(seed=5) as notify:
        notify.set_faults(callback_delay_s=0.05)
        notify.set_callbacks(status_url=f"{web_side.url}/notify/callbacks/status", status_token=TOKEN,
                             inbound_url=f"{web_side.url}/notify/callbacks/inbound", inbound_token=TOKEN)
        notify.set_outcome(recipient="+447700900002", status="permanent-failure")
        client = NotificationsAPIClient(notify.api_key, base_url=notify.url)
        good = await asyncio.to_thread(client.send_sms_notification, "07700900001", GENERIC_TEMPLATE_IDS["sms"],
                                       {"body": "x"}, "ref-good")
        bad = await asyncio.to_thread(client.send_sms_notification, "07700900002", GENERIC_TEMPLATE_IDS["sms"],
                                      {"body": "x"}, "ref-bad")
        await notify.receive_text(source_number="447700900001", message="YES")

        async def all_recorded() -> bool:
            async with web_side.database.transaction() as session:
                held = [await fetch_receipt(session, notify_id=item["id"]) for item in (good, bad)]
                return all(held) and await count_inbound_texts(session) == 1

        await wait_for_condition(all_recorded, description="both receipts and the text recorded")
        assert all(attempt.status_code == 200 for attempt in notify.callbacks.attempts)
    async with web_side.database.transaction() as session:
        statuses = {(await fetch_receipt(session, notify_id=item["id"])).status for item in (good, bad)}  # type: ignore[union-attr]
    assert statuses == {"delivered", "permanent-failure"}
