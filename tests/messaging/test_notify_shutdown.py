"""SIGTERM to a `carerline deliver` process sending texts through Notify: exit 0, nothing left mid-send, none twice."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path

from db.dao.delivery.outbox import count_outbox_by_state
from db.engine import Database
from db.models import OutboxChannel
from messaging.outbox import EnqueueResult
from sandbox.notify import NotifyEmulator
from tests.messaging.notify_support import Family, family_notice, notice_rows, sent_once_by_reference
from tests.messaging.test_notify_crash import _start_deliver, _unfinished_is_zero
from tests.support.waiting import wait_for_condition

AUDIENCE = 40


async def _states(database: Database) -> dict[str, int]:
    async with database.transaction() as session:
        return await count_outbox_by_state(session)


async def test_sigterm_mid_send_hands_back_and_a_restart_sends_each_text_exactly_once(
    notify: NotifyEmulator, make_families: Callable[..., Awaitable[list[Family]]],
    enqueue: Callable[..., Awaitable[EnqueueResult]], database: Database, database_url: str, tmp_path: Path,
) -> None:
    families = await make_families(AUDIENCE)
    keys = [f"t:{index}" for index in range(AUDIENCE)]
    await enqueue([family_notice(family, key=key, first=OutboxChannel.SMS) for family, key in zip(families, keys)])
    log = tmp_path / "deliver.log"
    first = _start_deliver(database_url=database_url, notify=notify, log=log)
    try:
        # 10 texts a second, claimed a second ahead: at SIGTERM some are sent and some are claimed but not yet tried.
        await wait_for_condition(lambda: _sent_at_least(notify, 5), timeout_s=60, description="the first texts")
        first.send_signal(signal.SIGTERM)
        # Generous: the grace period is 8 s; this only keeps a hung process from hanging the suite.
        code = await asyncio.to_thread(first.wait, 60)
    finally:
        if first.poll() is None:
            first.kill()
    assert code == 0, log.read_text()
    states = await _states(database)
    assert states.get("sending", 0) == 0 and states.get("queued", 0) > 0, (states, log.read_text())
    assert "handed back" in log.read_text()

    second = _start_deliver(database_url=database_url, notify=notify, log=log)
    try:
        await wait_for_condition(lambda: _unfinished_is_zero(database), timeout_s=60, description="every row finished")
        second.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(second.wait, 60) == 0, log.read_text()
    finally:
        if second.poll() is None:
            second.kill()
    assert notify.sent_count() == AUDIENCE and sent_once_by_reference(notify, [f"{key}#sms" for key in keys])
    for key in keys:
        [row] = await notice_rows(database, key)
        assert row.state == "sent"


async def _sent_at_least(notify: NotifyEmulator, count: int) -> bool:
    return notify.sent_count() >= count
