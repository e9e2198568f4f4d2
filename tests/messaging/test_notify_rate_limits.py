"""A storm of Notify 429s slows the Notify channel only: Telegram messages keep flowing at their own pace."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from db.engine import Database
from db.models import Carer, OutboxChannel
from messaging.delivery.engine import DeliveryEngine
from messaging.delivery.notify_worker import NotifyDeliveryWorker
from messaging.outbox import EnqueueResult
from sandbox.emulator import BotApiEmulator
from sandbox.notify import NotifyEmulator
from tests.messaging.conftest import outgoing, sent_exactly_once
from tests.messaging.notify_support import (
    Family,
    bucket_pauses,
    family_notice,
    notice_rows,
    sent_once_by_reference,
)
from tests.support.waiting import wait_for_condition


async def test_a_429_storm_holds_back_texts_while_telegram_messages_keep_flowing(
    emulator: BotApiEmulator, notify: NotifyEmulator, make_audience: Callable[..., Awaitable[list[Carer]]],
    make_families: Callable[..., Awaitable[list[Family]]], enqueue: Callable[..., Awaitable[EnqueueResult]],
    start_engine: Callable[..., Awaitable[DeliveryEngine]],
    start_notify_worker: Callable[..., Awaitable[NotifyDeliveryWorker]], database: Database,
) -> None:
    carers = await make_audience(20)
    families = await make_families(10)
    keys = [f"t:{index}" for index in range(10)]
    notify.set_faults(rate_limit_fraction=1.0)  # every Notify request: 429 RateLimitError
    await enqueue([outgoing(carer) for carer in carers]
                  + [family_notice(family, key=key, first=OutboxChannel.SMS) for family, key in zip(families, keys)])
    await start_engine()
    await start_notify_worker(notify_rate_limit_max_pause_s=2.0)
    await wait_for_condition(lambda: notify.rejected["RateLimitError"] >= 5, timeout_s=10, description="429s")
    await wait_for_condition(lambda: sent_exactly_once(emulator, carers), timeout_s=15, description="Telegram sent")
    pauses = await bucket_pauses(database)
    assert notify.sent_count() == 0 and pauses.get("notify", 0.0) > 0.0
    assert pauses.get("telegram", 0.0) == 0.0  # Telegram's schedule was never paused
    assert emulator.stats.rejected_by_code[429] == 0
    texts = [row for key in keys for row in await notice_rows(database, key)]
    assert {row.state for row in texts} <= {"queued", "sending"} and all(row.failed_at is None for row in texts)

    notify.reset_faults()
    await wait_for_condition(lambda: notify.sent_count("sms") == 10, timeout_s=20, description="texts after the storm")
    assert sent_once_by_reference(notify, [f"{key}#sms" for key in keys])
    await wait_for_condition(lambda: _all_sent(database, keys), timeout_s=10, description="texts recorded")


async def _all_sent(database: Database, keys: list[str]) -> bool:
    for key in keys:
        if [row.state for row in await notice_rows(database, key)] != ["sent"]:
            return False
    return True
