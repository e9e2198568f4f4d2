"""kill -9 of a `carerline deliver` process sending texts through Notify, then a restart: none twice, none lost."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from db.dao.delivery.claims import count_unfinished_rows
from db.dao.delivery.outbox import count_outbox_by_state
from db.engine import Database
from db.models import OutboxChannel
from messaging.outbox import EnqueueResult
from sandbox.notify import NotifyEmulator
from sandbox.notify.emulator import GENERIC_TEMPLATE_IDS
from tests.messaging.notify_support import (
    ACK_SECRET,
    Family,
    family_notice,
    notice_rows,
    sent_once_by_reference,
)
from tests.messaging.test_crash_recovery import _outbox_writes_blocked
from tests.support.waiting import wait_for_condition

AUDIENCE = 30


def _start_deliver(*, database_url: str, notify: NotifyEmulator, log: Path) -> subprocess.Popen[bytes]:
    """`carerline deliver` with a Notify key and no bot token: a Notify worker alone."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CARERLINE_")}
    env.update(
        CARERLINE_DATABASE_URL=database_url,
        CARERLINE_NOTIFY_API_KEY=notify.api_key,
        CARERLINE_NOTIFY_BASE_URL=notify.url,
        CARERLINE_NOTIFY_TIMEOUT_S="2",
        CARERLINE_NOTIFY_RATE_PER_MINUTE="300",
        CARERLINE_NOTIFY_GENERIC_SMS_TEMPLATE_ID=GENERIC_TEMPLATE_IDS["sms"],
        CARERLINE_ACK_LINK_SECRET=ACK_SECRET,
        CARERLINE_PUBLIC_URL="https://carerline.example.org",
        CARERLINE_DELIVERY_HORIZON_S="5.0",
        CARERLINE_DELIVERY_REQUEST_TIMEOUT_S="2",
        CARERLINE_DELIVERY_LEASE_S="13",
        CARERLINE_DELIVERY_POLL_INTERVAL_S="0.05",
        CARERLINE_DELIVERY_REAP_INTERVAL_S="0.2",
        CARERLINE_DELIVERY_BACKOFF_BASE_S="0.1",
    )
    with log.open("ab") as handle:
        return subprocess.Popen([sys.executable, "-m", "carerline", "deliver"], env=env, stdout=handle, stderr=handle)


async def _unfinished_is_zero(database: Database) -> bool:
    async with database.transaction() as session:
        return await count_unfinished_rows(session) == 0


async def _claimed(database: Database, *, at_least: int) -> bool:
    async with database.transaction() as session:
        return (await count_outbox_by_state(session)).get("sending", 0) >= at_least


async def _recorded(database: Database) -> int:
    async with database.transaction() as session:
        return (await count_outbox_by_state(session)).get("sent", 0)


async def test_sigkill_mid_send_then_restart_sends_each_text_exactly_once(
    notify: NotifyEmulator, make_families: Callable[..., Awaitable[list[Family]]],
    enqueue: Callable[..., Awaitable[EnqueueResult]], database: Database, database_url: str, tmp_path: Path,
) -> None:
    families = await make_families(AUDIENCE)
    keys = [f"c:{index}" for index in range(AUDIENCE)]
    await enqueue([family_notice(family, key=key, first=OutboxChannel.SMS) for family, key in zip(families, keys)])
    log = tmp_path / "deliver.log"
    first = _start_deliver(database_url=database_url, notify=notify, log=log)
    try:
        # One claim takes 25 of the 30 texts (a 5 s horizon at 5 texts a second: 5 s of sends), so however slow
        # this machine is, most texts are still to go, and need no database write, when writes are blocked.
        await wait_for_condition(lambda: _claimed(database, at_least=5), timeout_s=30, description="a claimed batch")
        async with _outbox_writes_blocked(database):
            # From here Notify accepts the worker's texts but the worker cannot record them.
            landed_before = notify.sent_count()
            await wait_for_condition(lambda: notify.sent_count() >= landed_before + 2, timeout_s=30,
                                     description="unrecorded texts")
            first.send_signal(signal.SIGKILL)
            await asyncio.to_thread(first.wait, 10)
        landed_at_kill = notify.sent_count()
    finally:
        if first.poll() is None:
            first.kill()
    recorded_at_kill = await _recorded(database)
    assert recorded_at_kill < landed_at_kill < AUDIENCE, log.read_text()
    lookups_before = notify.requests["get_notifications"]

    second = _start_deliver(database_url=database_url, notify=notify, log=log)
    try:
        await wait_for_condition(lambda: _unfinished_is_zero(database), timeout_s=60, description="every row finished")
        second.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(second.wait, 20) == 0, log.read_text()
    finally:
        if second.poll() is None:
            second.kill()

    assert notify.sent_count() == AUDIENCE and sent_once_by_reference(notify, [f"{key}#sms" for key in keys])
    # Every row left mid-send was settled by asking Notify for its reference, not by sending again.
    assert notify.requests["get_notifications"] - lookups_before >= landed_at_kill - recorded_at_kill
    for key in keys:
        [row] = await notice_rows(database, key)
        [accepted] = notify.find_by_reference(f"{key}#sms")
        assert (row.state, row.notify_id) == ("sent", accepted.id)
