"""Fallback down a notice's channel plan with real workers: Telegram -> SMS -> email -> exhausted, receipts included."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy import update

from db.engine import Database
from db.models import FamilyContact, OutboxChannel
from db.types import utc_now
from messaging.delivery.engine import DeliveryEngine
from messaging.delivery.notify_worker import NotifyDeliveryWorker
from messaging.fallback import exhausted_notices, fall_back
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

TELEGRAM, SMS, EMAIL = OutboxChannel.TELEGRAM, OutboxChannel.SMS, OutboxChannel.EMAIL
Families = Callable[..., Awaitable[list[Family]]]


@pytest.fixture
async def receipts_web(database_url: str, clock: SettableClock, notify: NotifyEmulator) -> AsyncIterator[StaffWeb]:
    """The web side taking Notify's receipts, and the emulator posting them to it with the right token."""
    async with running_staff_web(database_url=database_url, clock=clock, notify_callback_token=CALLBACK_TOKEN) as web:
        notify.set_callbacks(status_url=f"{web.url}/notify/callbacks/status", status_token=CALLBACK_TOKEN)
        yield web


async def _channels_and_states(database: Database, key: str) -> list[tuple[str, str]]:
    return [(row.channel, row.state) for row in await notice_rows(database, key)]


async def test_blocked_then_a_bad_number_then_a_failed_email_leaves_the_notice_exhausted(
    notify: NotifyEmulator, receipts_web: StaffWeb, make_families: Families, enqueue: Callable[..., Awaitable[EnqueueResult]],
    start_engine: Callable[..., Awaitable[DeliveryEngine]], start_notify_worker: Callable[..., Awaitable[NotifyDeliveryWorker]],
    database: Database,
) -> None:
    [family] = await make_families(1, chat="blocked", mobile="+441622000111")
    notify.set_outcome(recipient=family.contact.email or "", status="permanent-failure")
    await enqueue([family_notice(family, key="chain", first=TELEGRAM, plan=(SMS, EMAIL))])
    await start_engine()
    await start_notify_worker()
    expected = [("telegram", "failed"), ("sms", "failed"), ("email", "failed")]
    await wait_for_condition(lambda: _is(database, "chain", expected), timeout_s=15, description="three channels failed")
    telegram, text, mail = await notice_rows(database, "chain")
    assert "blocked" in (telegram.last_error or "") and "InvalidPhoneError" in (text.last_error or "")
    assert (mail.notify_status, mail.last_error) == ("permanent-failure", "Notify: permanent-failure")
    assert (text.fallback_of_id, mail.fallback_of_id) == (telegram.id, text.id)
    assert mail.notify_id == notify.find_by_reference("chain#email")[0].id
    async with database.transaction() as session:
        assert await exhausted_notices(session, notice_keys=["chain"]) == {"chain"}


async def test_chat_not_found_goes_by_text_and_the_delivered_receipt_is_recorded(
    notify: NotifyEmulator, receipts_web: StaffWeb, make_families: Families, enqueue: Callable[..., Awaitable[EnqueueResult]],
    start_engine: Callable[..., Awaitable[DeliveryEngine]], start_notify_worker: Callable[..., Awaitable[NotifyDeliveryWorker]],
    database: Database,
) -> None:
    [family] = await make_families(1, chat="not_found")
    await enqueue([family_notice(family, key="nf", first=TELEGRAM, plan=(SMS, EMAIL))])
    await start_engine()
    await start_notify_worker()
    await wait_for_condition(lambda: _text_delivered(database, "nf"), timeout_s=15, description="text delivered")
    telegram, text = await notice_rows(database, "nf")
    assert "chat not found" in (telegram.last_error or "").lower() and text.channel == "sms" and text.state == "sent"
    assert notify.find_by_reference("nf#email") == []
    async with database.transaction() as session:
        assert await exhausted_notices(session, notice_keys=["nf"]) == set()


async def test_a_carer_known_unreachable_goes_straight_to_the_next_channel_at_enqueue(
    make_families: Families, enqueue: Callable[..., Awaitable[EnqueueResult]], database: Database,
) -> None:
    [family] = await make_families(1, chat="ok")
    assert family.carer is not None
    family.carer.unreachable_since = utc_now()
    result = await enqueue([family_notice(family, key="u", first=TELEGRAM, plan=(SMS,))])
    assert result.skipped == {"unreachable": 1}
    assert await _channels_and_states(database, "u") == [("telegram", "skipped"), ("sms", "queued")]


async def test_fall_back_is_idempotent_and_passes_over_a_channel_no_longer_held(
    make_families: Families, enqueue: Callable[..., Awaitable[EnqueueResult]], database: Database,
) -> None:
    [family] = await make_families(1, chat="ok")
    result = await enqueue([family_notice(family, key="na", first=TELEGRAM, plan=(SMS, EMAIL))])
    async with database.transaction() as session:
        await session.exec(update(FamilyContact).where(FamilyContact.id == family.contact.id)  # type: ignore[arg-type]
                           .values(mobile_e164=None))
    for _ in range(2):  # services call it when the reminder window passes unacknowledged; twice changes nothing
        async with database.transaction() as session:
            await fall_back(session, row_ids=[result.outbox_ids["na"]], reason="not acknowledged", now=utc_now())
    assert await _channels_and_states(database, "na") == [("telegram", "queued"), ("sms", "skipped"), ("email", "queued")]
    _, text, mail = await notice_rows(database, "na")
    assert (text.last_error, mail.fallback_of_id, mail.family_contact_id) == ("no_contact", text.id, family.contact.id)
    assert mail.text is not None and "{ack_link}" in mail.text and mail.subject == "Sam's transport is changing"


async def test_without_a_plan_nothing_is_queued(
    make_families: Families, enqueue: Callable[..., Awaitable[EnqueueResult]], database: Database,
) -> None:
    [family] = await make_families(1)
    result = await enqueue([family_notice(family, key="alone", first=SMS)])
    async with database.transaction() as session:
        assert await fall_back(session, row_ids=[result.outbox_ids["alone"]], reason="test", now=utc_now()) == {}
    assert len(await notice_rows(database, "alone")) == 1


async def _is(database: Database, key: str, expected: list[tuple[str, str]]) -> bool:
    return await _channels_and_states(database, key) == expected


async def _text_delivered(database: Database, key: str) -> bool:
    rows = await notice_rows(database, key)
    return len(rows) == 2 and rows[1].notify_status == "delivered"

