"""SIGTERM to `carerline serve` in the middle of a 10,000-family broadcast: how long it takes to exit, and what it loses.

    python -m benchmarks.shutdown                       # SQLite and PostgreSQL
    python -m benchmarks.shutdown --backends sqlite --families 10000 --sent-before-stop 300

The Telegram emulator runs in its own process with its rate caps (30/s for the bot, 1/s per chat). A real
`carerline serve` sends the broadcast; once `--sent-before-stop` messages have arrived it gets SIGTERM, and the
time to exit is measured. A second `serve` then finishes the broadcast, and the emulator's per-chat counts say
whether any family got nothing or got it twice. The first process's log lines from SIGTERM on are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
from contextlib import nullcontext
from typing import Any

import aiohttp
from sqlalchemy import func, select

from benchmarks.harness import TOKEN, EmulatorProcess, fresh_database, make_carers, postgres_server
from benchmarks.replies import BROADCAST_TEXT, CROWD_FIRST_CHAT_ID, enqueue_for
from benchmarks.reply_crowd import add_new_people
from carerline.cli.delivery import run_fast
from db.engine import Database
from db.models import OutboxMessage
from tests.support.postgres import free_port


def serve_env(*, database_url: str, emulator_url: str, port: int) -> dict[str, str]:
    """Settings for a `carerline serve` on this database and emulator (default grace and delivery settings)."""
    # CARERLINE_DELIVERY_* and CARERLINE_SHUTDOWN_GRACE_S pass through, to try other set-ups.
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("CARERLINE_") or key.startswith(("CARERLINE_DELIVERY_", "CARERLINE_SHUTDOWN_"))}
    env.update(
        CARERLINE_DATABASE_URL=database_url, CARERLINE_BOT_TOKEN=TOKEN, CARERLINE_BOT_API_URL=emulator_url,
        CARERLINE_HTTP_PORT=str(port), CARERLINE_LOG_LEVEL="INFO",
    )
    return env


async def _read_lines(stream: asyncio.StreamReader, lines: list[tuple[float, str]]) -> None:
    async for raw in stream:
        lines.append((time.monotonic(), raw.decode(errors="replace").rstrip()))


async def _sent(emulator: EmulatorProcess, chat_ids: set[int]) -> int:
    stats = await emulator.stats()
    return sum(count for chat, count in stats["sent_by_chat"].items() if int(chat) in chat_ids)


async def _states(database: Database) -> dict[str, int]:
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    async with database.transaction() as session:
        rows = (await session.exec(select(table.c.state, func.count()).group_by(table.c.state))).all()  # type: ignore[call-overload]
    return {str(state): int(count) for state, count in rows}


async def _wait(condition: Any, *, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not await condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout_s:.0f}s for {what}")
        await asyncio.sleep(0.2)


async def one_backend(*, backend: str, postgres: Any, families: int, sent_before_stop: int, restart: bool,
                      latency_ms: int, crowd: int) -> None:
    """Broadcast, SIGTERM, measure, restart, count."""
    async with EmulatorProcess(no_rate_caps=False) as emulator, fresh_database(backend, postgres=postgres) as url:
        audience = await emulator.add_people(families)
        chats = set(audience)
        database = Database(url, pool_size=4)
        carers = await make_carers(database, chat_ids=audience)
        crowd_ids = list(range(CROWD_FIRST_CHAT_ID, CROWD_FIRST_CHAT_ID + crowd))
        await add_new_people(emulator_url=emulator.url, chat_ids=crowd_ids)
        port = free_port()
        env = serve_env(database_url=url, emulator_url=emulator.url, port=port)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "carerline", "serve", env=env, stderr=asyncio.subprocess.PIPE,
        )
        lines: list[tuple[float, str]] = []
        assert process.stderr is not None
        reader = asyncio.create_task(_read_lines(process.stderr, lines))
        await _wait(lambda: _ready(lines), timeout_s=120, what="serve to start")
        await enqueue_for(database, carers=carers, run=f"shutdown-{backend}", urgent=False, text=BROADCAST_TEXT,
                          purpose="broadcast")
        await _wait(lambda: _at_least(emulator, chats, sent_before_stop), timeout_s=300, what="the first sends")
        if crowd:
            await _crowd_sends_start(emulator, chat_ids=crowd_ids)
            await asyncio.sleep(0.3)  # the bot's long poll fetches them
        if latency_ms:
            await emulator.set_faults(latency_ms=latency_ms)
            await asyncio.sleep(1.0)  # let sends pile up in flight
        sent_at_stop = await _sent(emulator, chats)
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)
        code = await process.wait()
        took_s = time.monotonic() - signalled
        await reader
        sent_by_first = await _sent(emulator, chats)
        print(f"\n{backend}: SIGTERM after {sent_at_stop:,} of {families:,} sent; exit code {code} after {took_s:.2f}s; "
              f"{sent_by_first - sent_at_stop} more arrived during shutdown", flush=True)
        for at, line in lines:
            if at >= signalled:
                print(f"  +{at - signalled:6.2f}s {line[:220]}")
        print(f"  outbox after the stop: {await _states(database)}", flush=True)
        if not restart:
            await database.dispose()
            return
        second = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "carerline", "serve", env=serve_env(database_url=url, emulator_url=emulator.url,
                                                                       port=free_port()),
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            await _wait(lambda: _at_least(emulator, chats, families), timeout_s=families / 25 + 120,
                        what="the rest of the broadcast")
            await _wait(lambda: _all_sent(database, families), timeout_s=60, what="every row recorded as sent")
        finally:
            second.send_signal(signal.SIGTERM)
            await second.wait()
        stats = await emulator.stats()
        counts = {int(chat): count for chat, count in stats["sent_by_chat"].items()}
        doubled = sum(1 for chat in chats if counts.get(chat, 0) > 1)
        lost = sum(1 for chat in chats if counts.get(chat, 0) == 0)
        print(f"  after a restart: {sum(counts.get(chat, 0) for chat in chats):,} sent, {doubled} families twice, "
              f"{lost} families never; outbox {await _states(database)}", flush=True)
        await database.dispose()


async def _crowd_sends_start(emulator: EmulatorProcess, *, chat_ids: list[int]) -> None:
    """Each parent sends /start, all at once (the updates are queued at the emulator for the bot)."""
    async with aiohttp.ClientSession(base_url=emulator.url) as http:

        async def send(chat_id: int) -> None:
            async with http.post(f"/_emulator/chats/{chat_id}/send", json={"text": "/start"}) as response:
                response.raise_for_status()

        await asyncio.gather(*(send(chat_id) for chat_id in chat_ids))


async def _ready(lines: list[tuple[float, str]]) -> bool:
    return any("Carerline is running" in line for _, line in lines)


async def _at_least(emulator: EmulatorProcess, chats: set[int], count: int) -> bool:
    return await _sent(emulator, chats) >= count


async def _all_sent(database: Database, families: int) -> bool:
    return (await _states(database)).get("sent", 0) >= families


async def run(args: argparse.Namespace) -> None:
    """Each backend in turn, each with its own emulator."""
    backends = args.backends.split(",")
    with postgres_server() if "postgresql" in backends else nullcontext() as postgres:
        for backend in backends:
            await one_backend(backend=backend, postgres=postgres, families=args.families,
                              sent_before_stop=args.sent_before_stop, restart=not args.no_restart,
                              latency_ms=args.latency_ms, crowd=args.crowd)


def main() -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--families", type=int, default=10_000)
    parser.add_argument("--sent-before-stop", type=int, default=300)
    parser.add_argument("--latency-ms", type=int, default=0, help="slow every Bot API call from SIGTERM on")
    parser.add_argument("--crowd", type=int, default=0, help="new parents who send /start just before SIGTERM")
    parser.add_argument("--no-restart", action="store_true", help="measure the stop only (no second `serve`)")
    run_fast(run(parser.parse_args()))


if __name__ == "__main__":
    main()
