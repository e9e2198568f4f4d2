"""Notify's receipts on the outbox rows: posted by the emulator with a good or a wrong token, matched by reference."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest

from db.engine import Database
from db.models import OutboxChannel
from messaging.delivery.notify_worker import NotifyDeliveryWorker
from messaging.outbox import EnqueueResult
from sandbox.notify import NotifyEmulator
from tests.messaging.notify_support import (
    CALLBACK_TOKEN,
    Family,
    family_notice,
    notice_rows,
)
from tests.support.staff import SettableClock, StaffWeb, running_staff_web
from tests.support.waiting import wait_for_condition

SMS, EMAIL = OutboxChannel.SMS, OutboxChannel.EMAIL
Families = Callable[..., Awaitable[list[Family]]]
Enqueue = Callable[..., Awaitable[EnqueueResult]]
Start = Callable[..., Awaitable[NotifyDeliveryWorker]]


@pytest.fixture
async def web(database_url: str, clock: SettableClock) -> AsyncIterator[StaffWeb]:
    """The web side with the callback token set."""
    async with running_staff_web(database_url=database_url, clock=clock, notify_callback_token=CALLBACK_TOKEN) as running:
        yield running


@pytest.mark.parametrize("outcome", ["delivered", "temporary-failure", "technical-failure"])
async def test_the_emulators_receipt_with_our_token_lands_on_the_row(
    notify: NotifyEmulator, web: StaffWeb, make_families: Families, enqueue: Enqueue, start_notify_worker: Start,
    database: Database, outcome: str,
) -> None:
    notify.set_callbacks(status_url=f"{web.url}/notify/callbacks/status", status_token=CALLBACK_TOKEN)
    [family] = await make_families(1)
    notify.set_outcome(recipient=family.contact.mobile_e164 or "", status=outcome)
    await enqueue([family_notice(family, key="r", first=SMS, plan=(EMAIL,))])
    await start_notify_worker()
    await wait_for_condition(lambda: _status_of_first(database, "r", outcome), timeout_s=10, description="receipt")
    rows = await notice_rows(database, "r")
    if outcome == "delivered":
        assert [(row.channel, row.state) for row in rows] == [("sms", "sent")]
    else:  # Notify has stopped trying: this channel failed for good, the email goes
        await wait_for_condition(lambda: _states(database, "r", ["failed", "sent"]), timeout_s=10, description="email")
        text, _ = await notice_rows(database, "r")
        assert text.last_error == f"Notify: {outcome}" and text.notify_status_at is not None


async def test_a_receipt_with_a_wrong_token_is_refused_and_changes_nothing(
    notify: NotifyEmulator, web: StaffWeb, make_families: Families, enqueue: Enqueue, start_notify_worker: Start,
    database: Database,
) -> None:
    notify.set_callbacks(status_url=f"{web.url}/notify/callbacks/status", status_token="not-our-token",
                         retry_delay_s=0.01)
    [family] = await make_families(1)
    notify.set_outcome(recipient=family.contact.mobile_e164 or "", status="permanent-failure")
    await enqueue([family_notice(family, key="w", first=SMS, plan=(EMAIL,))])
    await start_notify_worker()
    await wait_for_condition(lambda: _states(database, "w", ["sent"]), timeout_s=10, description="sent")
    await wait_for_condition(lambda: [a.status_code for a in notify.callbacks.attempts].count(401) >= 2, timeout_s=10,
                             description="refused callbacks")
    [row] = await notice_rows(database, "w")
    assert (row.state, row.notify_status) == ("sent", None)


async def test_a_receipt_before_the_row_knows_its_notify_id_is_matched_by_reference(
    web: StaffWeb, make_families: Families, enqueue: Enqueue, database: Database,
) -> None:
    [family] = await make_families(1)
    await enqueue([family_notice(family, key="early", first=SMS, plan=(EMAIL,))])
    body = {"id": "740e5834-3a29-46b4-9a6f-16142fde533a", "reference": "early#sms", "to": family.contact.mobile_e164,
            "status": "permanent-failure", "created_at": "2026-12-07T09:00:00.000000Z",
            "completed_at": "2026-12-07T09:00:05.000000Z", "sent_at": "2026-12-07T09:00:01.000000Z",
            "notification_type": "sms", "template_id": "f33517ff-2a88-4f6e-b855-c550268ce08a", "template_version": 1}
    headers = {"Authorization": f"Bearer {CALLBACK_TOKEN}"}
    async with aiohttp.ClientSession() as http:
        for _ in range(2):  # Notify retries callbacks: a repeat changes nothing more
            async with http.post(f"{web.url}/notify/callbacks/status", json=body, headers=headers) as response:
                assert response.status == 200
    text, mail = await notice_rows(database, "early")
    assert (text.state, text.notify_status, text.notify_id) == ("failed", "permanent-failure", body["id"])
    assert (mail.channel, mail.state, mail.fallback_of_id) == ("email", "queued", text.id)


async def _status_of_first(database: Database, key: str, status: str) -> bool:
    rows = await notice_rows(database, key)
    return bool(rows) and rows[0].notify_status == status


async def _states(database: Database, key: str, states: list[str]) -> bool:
    return [row.state for row in await notice_rows(database, key)] == states
