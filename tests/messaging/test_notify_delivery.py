"""The Notify worker against the Notify emulator over HTTP: each channel, the link, recipients, limits, 5xx, holds."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import update

from db.engine import Database
from db.models import FamilyContact, OutboxChannel
from db.types import utc_now
from messaging.delivery.notify_worker import NotifyDeliveryWorker, next_midnight_utc
from messaging.outbox import EnqueueResult
from sandbox.emulator import BotApiEmulator
from sandbox.notify import NotifyEmulator
from tests.messaging.notify_support import (
    Family,
    bucket_pauses,
    family_notice,
    notice_rows,
    sent_once_by_reference,
)
from tests.support.waiting import wait_for_condition

SMS, EMAIL, LETTER = OutboxChannel.SMS, OutboxChannel.EMAIL, OutboxChannel.LETTER
DUTY_GROUP = -100_555_000
Families = Callable[..., Awaitable[list[Family]]]
Start = Callable[..., Awaitable[NotifyDeliveryWorker]]
Enqueue = Callable[..., Awaitable[EnqueueResult]]


async def _states(database: Database, keys: list[str]) -> list[str]:
    return [row.state for key in keys for row in await notice_rows(database, key)]


async def _all_in(database: Database, keys: list[str], states: set[str]) -> bool:
    found = await _states(database, keys)
    return bool(found) and set(found) <= states


async def test_each_channel_sends_with_its_reference_link_and_notify_id(
    notify: NotifyEmulator, make_families: Families, start_notify_worker: Start, enqueue: Enqueue, database: Database
) -> None:
    [family] = await make_families(1, address=True)
    await enqueue([family_notice(family, key=f"n:{channel}", first=channel) for channel in (SMS, EMAIL, LETTER)])
    await start_notify_worker()
    keys = [f"n:{channel}" for channel in (SMS, EMAIL, LETTER)]
    await wait_for_condition(lambda: _all_in(database, keys, {"sent"}), timeout_s=10, description="three sent")
    for channel in (SMS, EMAIL, LETTER):
        [row] = await notice_rows(database, f"n:{channel}")
        [accepted] = notify.find_by_reference(f"n:{channel}#{channel}")
        assert (row.channel, row.idempotency_key, row.notify_id) == (channel, f"n:{channel}#{channel}", accepted.id)
        assert accepted.type == channel and "{ack_link}" not in accepted.body
        if channel != LETTER:
            assert "https://carerline.example.org/seen/" in accepted.body
    assert notify.messages_for(family.contact.mobile_e164)[0].body.startswith("Sam's pick-up")  # type: ignore[arg-type]
    assert notify.find_by_reference("n:email#email")[0].subject == "Sam's transport is changing"


async def test_a_number_notify_refuses_fails_for_good_and_the_email_goes(
    notify: NotifyEmulator, make_families: Families, start_notify_worker: Start, enqueue: Enqueue, database: Database
) -> None:
    [family] = await make_families(1, mobile="+441622000111")  # a landline: not a UK mobile
    await enqueue([family_notice(family, key="bad", first=SMS, plan=(EMAIL,))])
    await start_notify_worker()
    await wait_for_condition(lambda: _states_are(database, "bad", ["failed", "sent"]), timeout_s=10,
                             description="text failed, email sent")
    text, mail = await notice_rows(database, "bad")
    assert "InvalidPhoneError" in (text.last_error or "") and text.fallback_queued_at is not None
    assert (mail.channel, mail.fallback_of_id, mail.idempotency_key) == ("email", text.id, "bad#email")
    assert notify.find_by_reference("bad#sms") == [] and len(notify.find_by_reference("bad#email")) == 1


@pytest.mark.parametrize(("change", "states"), [
    ({"mobile_e164": None}, ["failed", "sent"]),  # the number removed: the email still goes
    ({"erased_at": utc_now()}, ["failed", "skipped"]),  # the family erased: nothing goes, the notice is exhausted
])
async def test_the_contact_is_read_at_send_time_so_a_removal_or_erasure_wins(
    notify: NotifyEmulator, make_families: Families, start_notify_worker: Start, enqueue: Enqueue, database: Database,
    change: dict[str, object], states: list[str],
) -> None:
    [family] = await make_families(1)
    await enqueue([family_notice(family, key="gone", first=SMS, plan=(EMAIL,))])
    async with database.transaction() as session:
        await session.exec(update(FamilyContact).where(FamilyContact.id == family.contact.id)  # type: ignore[arg-type]
                           .values(**change))
    await start_notify_worker()
    await wait_for_condition(lambda: _states_are(database, "gone", states), timeout_s=10, description=str(states))
    text, mail = await notice_rows(database, "gone")
    assert (text.last_error or "").startswith("no_contact") and notify.sent_count("sms") == 0
    assert mail.fallback_of_id == text.id and notify.sent_count("email") == (1 if states[1] == "sent" else 0)


async def test_a_5xx_storm_is_retried_and_nothing_is_sent_twice(
    notify: NotifyEmulator, make_families: Families, start_notify_worker: Start, enqueue: Enqueue, database: Database
) -> None:
    families = await make_families(12)
    keys = [f"s:{index}" for index in range(12)]
    await enqueue([family_notice(family, key=key, first=SMS) for family, key in zip(families, keys)])
    notify.set_faults(server_error_fraction=0.6)
    await start_notify_worker()
    await wait_for_condition(lambda: notify.rejected["Exception"] >= 5, timeout_s=10, description="5xx")
    notify.reset_faults()
    await wait_for_condition(lambda: _all_in(database, keys, {"sent"}), timeout_s=20, description="all sent")
    assert sent_once_by_reference(notify, [f"{key}#sms" for key in keys])
    assert notify.sent_count("sms") == 12 and notify.requests["get_notifications"] >= 1  # in doubt: asked first


async def test_the_days_limit_holds_texts_until_midnight_and_emails_carry_on(
    notify: NotifyEmulator, make_families: Families, start_notify_worker: Start, enqueue: Enqueue, database: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    notify.set_faults(daily_limits={"sms": 2, "email": 100, "letter": 10})
    families = await make_families(5)
    await enqueue([family_notice(family, key=f"d:{index}", first=SMS) for index, family in enumerate(families)]
                  + [family_notice(family, key=f"e:{index}", first=EMAIL) for index, family in enumerate(families)])
    caplog.set_level(logging.WARNING, logger="messaging.delivery.notify_worker")
    await start_notify_worker()
    emails = [f"e:{index}" for index in range(5)]
    await wait_for_condition(lambda: _all_in(database, emails, {"sent"}), timeout_s=10, description="emails sent")
    await wait_for_condition(lambda: _held(database, "notify:sms"), timeout_s=10, description="texts held")
    texts = await _states(database, [f"d:{index}" for index in range(5)])
    assert sorted(texts) == ["queued", "queued", "queued", "sent", "sent"] and notify.sent_count("sms") == 2
    midnight = next_midnight_utc(utc_now())
    assert (await bucket_pauses(database))["notify:sms"] == pytest.approx(midnight.timestamp())
    held = [record for record in caplog.records if "daily limit for sms" in record.getMessage()]
    assert len(held) == 1 and "00:00 UTC" in held[0].getMessage()


async def test_a_refused_key_holds_every_channel_with_one_error_and_one_duty_alert_not_a_storm(
    emulator: BotApiEmulator, notify: NotifyEmulator, make_families: Families, start_notify_worker: Start,
    enqueue: Enqueue, database: Database, caplog: pytest.LogCaptureFixture,
) -> None:
    families = await make_families(6)
    await enqueue([family_notice(family, key=f"k:{index}", first=SMS if index % 2 else EMAIL)
                   for index, family in enumerate(families)])
    notify.revoke_api_key("carerline-live")
    emulator.add_group(chat_id=DUTY_GROUP, title="Transport duty")
    caplog.set_level(logging.ERROR, logger="messaging.delivery.notify_worker")
    await start_notify_worker(duty_alert_channel="telegram", duty_telegram_chat_id=DUTY_GROUP)
    await wait_for_condition(lambda: _held(database, "notify:sms", "notify:email", "notify:letter"), timeout_s=10,
                             description="every channel held")
    keys = [f"k:{index}" for index in range(6)]
    await wait_for_condition(lambda: _all_in(database, keys, {"queued"}), timeout_s=10, description="all queued again")
    assert "failed" not in await _states(database, keys) and notify.sent_count() == 0
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert 1 <= len(errors) <= 3 and all("DUTY" in message and "API key revoked" in message for message in errors)
    assert notify.requests["post_sms"] + notify.requests["post_email"] <= 6  # no retry storm while held
    await wait_for_condition(lambda: len(emulator.bot_messages(chat_id=DUTY_GROUP)) >= 1, timeout_s=10,
                             description="duty alert")
    [alert] = emulator.bot_messages(chat_id=DUTY_GROUP)
    assert "GOV.UK Notify refused" in alert.text and "API key revoked" in alert.text


async def _states_are(database: Database, key: str, states: list[str]) -> bool:
    return [row.state for row in await notice_rows(database, key)] == states


async def _held(database: Database, *names: str) -> bool:
    pauses = await bucket_pauses(database)
    return all(pauses.get(name, 0.0) > time.time() + 60 for name in names)


async def test_stopping_finishes_the_send_in_flight_and_hands_back_rows_not_started(
    notify: NotifyEmulator, make_families: Families, start_notify_worker: Start, enqueue: Enqueue, database: Database
) -> None:
    families = await make_families(4)
    keys = [f"h:{index}" for index in range(4)]
    await enqueue([family_notice(family, key=key, first=SMS) for family, key in zip(families, keys)])
    # 4 a second with a 1 s horizon: one claim takes all four, a quarter of a second apart.
    worker = await start_notify_worker(notify_rate_per_minute=240, delivery={"horizon_s": 1.0})
    await wait_for_condition(lambda: notify.sent_count() >= 1, timeout_s=10, description="the first text")
    await worker.stop(grace_s=2)
    rows = [row for key in keys for row in await notice_rows(database, key)]
    sent = [row for row in rows if row.state == "sent"]
    handed_back = [row for row in rows if row.state == "queued"]
    assert len(sent) + len(handed_back) == 4 and handed_back and notify.sent_count() == len(sent)
    assert all(row.notify_id == notify.find_by_reference(row.idempotency_key)[0].id for row in sent)
    assert all((row.attempts, row.lease_owner, row.is_in_doubt) == (0, None, False) for row in handed_back)
