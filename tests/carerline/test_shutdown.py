"""SIGTERM on a real `carerline serve` process: stop taking work, finish what is in flight, exit 0."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import aiohttp

from db.dao.delivery.message_log import fetch_messages_for_chat
from db.engine import Database
from db.models import MessageDirection
from sandbox.emulator import BotApiEmulator
from tests.conftest import TEST_TOKEN
from tests.support.postgres import free_port
from tests.support.waiting import wait_for_condition

SHUTDOWN_LIMIT_S = 10


async def _is_healthy(url: str) -> bool:
    try:
        async with aiohttp.ClientSession() as http, http.get(f"{url}/healthz") as response:
            return response.status == 200
    except aiohttp.ClientError:
        return False


async def test_sigterm_finishes_the_reply_in_flight_and_exits_0_within_10s(
    database_url: str, emulator: BotApiEmulator, tmp_path: Path
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARERLINE_")}
    env.update(
        CARERLINE_DATABASE_URL=database_url,
        CARERLINE_BOT_TOKEN=TEST_TOKEN,
        CARERLINE_BOT_API_URL=emulator.url,
        CARERLINE_HTTP_PORT=str(port),
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "carerline", "serve", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        await wait_for_condition(lambda: _is_healthy(f"http://127.0.0.1:{port}"), timeout_s=60, description="/healthz")
        emulator.add_user(user_id=801, first_name="Priya", language_code="en")
        # Slow every Bot API call but getUpdates, so the bot's reply is still in flight at SIGTERM.
        emulator.set_faults(latency_ms=1500)
        sends_before = emulator.stats.requests_by_method.get("sendMessage", 0)
        await emulator.send_text(user_id=801, text="/start")
        await emulator.wait_until(
            lambda: emulator.stats.requests_by_method.get("sendMessage", 0) > sends_before,
            timeout_s=20, description="the bot's reply to reach the emulator",
        )
        assert emulator.bot_messages(chat_id=801) == []  # still in flight
        signalled_at = time.monotonic()
        process.send_signal(signal.SIGTERM)
        return_code = await asyncio.wait_for(process.wait(), timeout=SHUTDOWN_LIMIT_S + 5)
        took_s = time.monotonic() - signalled_at
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    stderr = (await process.stderr.read()).decode() if process.stderr else ""
    assert return_code == 0, stderr
    assert took_s < SHUTDOWN_LIMIT_S, f"took {took_s:.1f}s"
    assert "Traceback" not in stderr
    delivered = emulator.bot_messages(chat_id=801)
    assert len(delivered) == 1
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            history = await fetch_messages_for_chat(session, chat_id=801)
    finally:
        await database.dispose()
    outbound = [record for record in history if record.direction == MessageDirection.OUTBOUND]
    assert [record.telegram_message_id for record in outbound] == [delivered[0].message_id]
