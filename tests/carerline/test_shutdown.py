"""SIGTERM on a real `carerline serve` process: stop taking work, finish what is in flight, exit 0."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp

from db.dao.delivery.message_log import fetch_messages_for_chat
from db.dao.delivery.outbox import count_outbox_by_state
from db.engine import Database
from db.models import Carer, MessageDirection
from db.types import utc_now
from messaging.outbox import OutgoingMessage, enqueue_messages, seen_button_markup
from sandbox.emulator import BotApiEmulator
from tests.conftest import TEST_TOKEN
from tests.support.postgres import free_port
from tests.support.waiting import wait_for_condition

# Generous: a process that has not exited by itself by then is stuck (the grace itself is the service's business).
EXIT_DEADLINE_S = 60


async def _is_healthy(url: str) -> bool:
    try:
        async with aiohttp.ClientSession() as http, http.get(f"{url}/healthz") as response:
            return response.status == 200
    except aiohttp.ClientError:
        return False


async def test_sigterm_finishes_the_reply_in_flight_and_exits_0_by_itself(
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
        process.send_signal(signal.SIGTERM)
        return_code = await asyncio.wait_for(process.wait(), timeout=EXIT_DEADLINE_S)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    stderr = (await process.stderr.read()).decode() if process.stderr else ""
    assert return_code == 0, stderr
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


BROADCAST_AUDIENCE = 120
FIRST_BROADCAST_CHAT_ID = 880_000


def _serve_env(*, database_url: str, emulator: BotApiEmulator, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARERLINE_")}
    env.update(
        CARERLINE_DATABASE_URL=database_url, CARERLINE_BOT_TOKEN=TEST_TOKEN, CARERLINE_BOT_API_URL=emulator.url,
        CARERLINE_HTTP_PORT=str(port),
    )
    return env


async def _start_serve(*, database_url: str, emulator: BotApiEmulator, folder: Path) -> asyncio.subprocess.Process:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "carerline", "serve", env=_serve_env(database_url=database_url, emulator=emulator, port=port),
        cwd=folder, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    try:
        await wait_for_condition(lambda: _is_healthy(f"http://127.0.0.1:{port}"), timeout_s=60, description="/healthz")
    except BaseException:
        process.kill()
        await process.wait()
        raise
    return process


async def _terminate(process: asyncio.subprocess.Process) -> tuple[int, str]:
    """SIGTERM, then the exit code and stderr; killed (and the test failed) if it does not exit by itself."""
    assert process.stderr is not None
    stderr_read = asyncio.ensure_future(process.stderr.read())
    process.send_signal(signal.SIGTERM)
    try:
        # Generous: the grace period is 8 s; this only stops a hung process from hanging the suite.
        code = await asyncio.wait_for(process.wait(), timeout=60)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError("`carerline serve` did not exit by itself after SIGTERM") from None
    return code, (await stderr_read).decode(errors="replace")


async def _queue_broadcast(database: Database, emulator: BotApiEmulator) -> list[int]:
    """Consenting carers whose chats exist in the emulator, and one broadcast message each in the outbox."""
    chat_ids = list(range(FIRST_BROADCAST_CHAT_ID, FIRST_BROADCAST_CHAT_ID + BROADCAST_AUDIENCE))
    async with database.transaction() as session:
        carers = []
        for chat_id in chat_ids:
            emulator.add_user(user_id=chat_id, first_name="Parent", language_code="en", has_started=True)
            carer = Carer(chat_id=chat_id, first_name="Parent", language="en", consent_notice_version="test",
                          consent_given_at=utc_now())
            session.add(carer)
            carers.append(carer)
        await session.flush()
        await enqueue_messages(session, now=utc_now(), messages=[
            OutgoingMessage(carer=carer, idempotency_key=f"shutdown:{carer.id}", purpose="broadcast",
                            source_type="test", text=f"Coffee morning on Thursday (carer {carer.id})",
                            reply_markup=seen_button_markup("I've seen this"), update_kind="broadcasts")
            for carer in carers
        ])
    return chat_ids


async def _outbox_states(database: Database) -> dict[str, int]:
    async with database.transaction() as session:
        return await count_outbox_by_state(session)


async def test_sigterm_mid_broadcast_exits_0_and_a_restart_sends_each_message_exactly_once(
    database_url: str, emulator: BotApiEmulator, tmp_path: Path
) -> None:
    database = Database(database_url)
    try:
        first = await _start_serve(database_url=database_url, emulator=emulator, folder=tmp_path)
        try:
            chat_ids = await _queue_broadcast(database, emulator)
            await emulator.wait_until(lambda: emulator.stats.total_sent >= 20, timeout_s=60,
                                      description="the broadcast to be under way")
            # Slow Telegram down past the grace period: sends in flight at SIGTERM cannot finish before the exit,
            # though Telegram (the emulator) still delivers them. The next process must find them, not resend.
            emulator.set_faults(latency_ms=9000)
            requests_before = emulator.stats.requests_by_method.get("sendMessage", 0)
            await emulator.wait_until(
                lambda: emulator.stats.requests_by_method.get("sendMessage", 0) >= requests_before + 3,
                timeout_s=20, description="sends in flight",
            )
        except BaseException:
            first.kill()
            await first.wait()
            raise
        code, stderr = await _terminate(first)
        assert code == 0, stderr
        assert "Traceback" not in stderr, stderr
        sent_by_first = emulator.stats.total_sent
        states = await _outbox_states(database)
        # Nothing is left "sending": each row was sent and recorded, handed back, or marked in doubt to be probed.
        assert states.get("sending", 0) == 0, (states, stderr)
        assert 0 < states.get("sent", 0) <= sent_by_first < BROADCAST_AUDIENCE, (states, sent_by_first)

        emulator.reset_faults()
        second = await _start_serve(database_url=database_url, emulator=emulator, folder=tmp_path)
        try:
            await wait_for_condition(
                lambda: _all_sent(database), timeout_s=120, description="every broadcast row recorded as sent"
            )
        finally:
            code, stderr = await _terminate(second)
        assert code == 0, stderr
    finally:
        await database.dispose()
    assert {chat_id: emulator.stats.sent_count(chat_id) for chat_id in chat_ids} == dict.fromkeys(chat_ids, 1)
    assert emulator.stats.duplicate_texts() == []


async def _all_sent(database: Database) -> bool:
    return await _outbox_states(database) == {"sent": BROADCAST_AUDIENCE}
