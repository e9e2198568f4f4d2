"""kill -9 of a real `carerline deliver` process mid-broadcast: after a restart, every message exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from db.dao.delivery.claims import count_unfinished_rows
from db.dao.delivery.outbox import count_outbox_by_state, fetch_outbox_messages
from db.engine import Database
from db.models import Carer
from messaging.outbox import EnqueueResult
from sandbox.emulator import BotApiEmulator
from tests.conftest import TEST_TOKEN
from tests.messaging.conftest import outgoing, sent_exactly_once
from tests.support.waiting import wait_for_condition

AUDIENCE = 30


def _start_deliver(*, database_url: str, emulator: BotApiEmulator, log: Path) -> subprocess.Popen[bytes]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CARERLINE_")}
    env.update(
        CARERLINE_DATABASE_URL=database_url,
        CARERLINE_BOT_TOKEN=TEST_TOKEN,
        CARERLINE_BOT_API_URL=emulator.url,
        CARERLINE_DELIVERY_RATE_PER_S="10",
        CARERLINE_DELIVERY_HORIZON_S="1.0",
        CARERLINE_DELIVERY_REQUEST_TIMEOUT_S="4",
        CARERLINE_DELIVERY_LEASE_S="8",
        CARERLINE_DELIVERY_POLL_INTERVAL_S="0.05",
        CARERLINE_DELIVERY_REAP_INTERVAL_S="0.2",
        CARERLINE_DELIVERY_IN_DOUBT_SETTLE_S="0.2",
        CARERLINE_DELIVERY_BACKOFF_BASE_S="0.1",
    )
    with log.open("ab") as handle:
        return subprocess.Popen([sys.executable, "-m", "carerline", "deliver"], env=env, stdout=handle, stderr=handle)


async def _unfinished(database: Database) -> int:
    async with database.transaction() as session:
        return await count_unfinished_rows(session)


@asynccontextmanager
async def _outbox_writes_blocked(database: Database) -> AsyncIterator[None]:
    """Hold a lock that stops every write to the outbox (the worker can send but not record)."""
    async with database.engine.connect() as connection:
        transaction = await connection.begin()  # SQLite: BEGIN IMMEDIATE, the database's write lock
        if not database.is_sqlite:
            await connection.exec_driver_sql("LOCK TABLE outbox_messages IN EXCLUSIVE MODE")
        try:
            yield
        finally:
            await transaction.rollback()


async def _count_sent_rows(database: Database) -> int:
    async with database.transaction() as session:
        return (await count_outbox_by_state(session)).get("sent", 0)


async def test_sigkill_mid_send_then_restart_delivers_each_message_exactly_once(
    emulator: BotApiEmulator,
    make_audience: Callable[..., Awaitable[list[Carer]]],
    enqueue: Callable[..., Awaitable[EnqueueResult]],
    database: Database,
    database_url: str,
    tmp_path: Path,
) -> None:
    carers = await make_audience(AUDIENCE)
    result = await enqueue([outgoing(carer) for carer in carers])
    emulator.set_faults(latency_ms=400)  # Telegram is slow to answer: sends are in flight when the worker dies
    log = tmp_path / "deliver.log"
    stats = emulator.stats
    first = _start_deliver(database_url=database_url, emulator=emulator, log=log)
    try:
        await emulator.wait_until(lambda: stats.total_sent >= 3, timeout_s=30, description="first sends")
        async with _outbox_writes_blocked(database):
            # From here the worker's sends land in the chats but cannot be recorded.
            landed_before = stats.total_sent
            await emulator.wait_until(
                lambda: stats.total_sent >= landed_before + 2
                and stats.requests_by_method["sendMessage"] > stats.total_sent + stats.rejected_by_code[429],
                timeout_s=30,
                description="unrecorded sends, and one in flight",
            )
            first.send_signal(signal.SIGKILL)
            await asyncio.to_thread(first.wait, 10)
        landed_at_kill = stats.total_sent
    finally:
        if first.poll() is None:
            first.kill()
    recorded_at_kill = await _count_sent_rows(database)
    assert recorded_at_kill < landed_at_kill, "some delivered messages must be unrecorded when the worker dies"
    assert await _unfinished(database) > 0
    emulator.set_faults(latency_ms=None)

    second = _start_deliver(database_url=database_url, emulator=emulator, log=log)
    try:
        await wait_for_condition(lambda: _unfinished_is_zero(database), timeout_s=60, description="every row finished")
        second.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(second.wait, 20) == 0, log.read_text()
    finally:
        if second.poll() is None:
            second.kill()

    assert sent_exactly_once(emulator, carers), (stats.sent_by_chat, log.read_text())
    assert stats.total_sent == AUDIENCE
    assert stats.requests_by_method["editMessageReplyMarkup"] >= landed_at_kill - recorded_at_kill  # in-doubt rows probed
    async with database.transaction() as session:
        rows = await fetch_outbox_messages(session, outbox_ids=list(result.outbox_ids.values()))
    assert {row.state for row in rows} == {"sent"}
    for row in rows:
        [delivered] = emulator.bot_messages(chat_id=row.chat_id)  # type: ignore[arg-type]
        assert row.telegram_message_id == delivered.message_id


async def _unfinished_is_zero(database: Database) -> bool:
    return await _unfinished(database) == 0
