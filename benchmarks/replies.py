"""Reply times for a crowd of parents at once, against the sandbox emulator in its own process. Prints figures.

    python -m benchmarks.replies                       # 200 parents: SQLite, PostgreSQL, each also during a
                                                       # 10,000-family broadcast, then the plain PTB baseline
    python -m benchmarks.replies --parents 100 --backends sqlite --no-broadcast --no-baseline --profile serve.prof
    python -m benchmarks.replies --rounds 5 --no-broadcast  # each bot meets five crowds in turn; medians at the end

Each parent, all in the same instant in each phase: a first /start, "I agree" under the privacy notice, a menu
button, a typed feedback sentence (after choosing a topic and a rating, untimed), and "I've seen this" under an
urgent notice sent through the outbox. Reply times are the emulator's (benchmarks/reply_crowd.py): from the
Update queued to the bot's first answer, as Telegram's servers would see them, and ("shown a message") to the
first message or edit the parent sees (for a press, its answer stops the spinner first). Carerline runs as a real
`carerline serve` process (long polling, its own delivery engine); the baseline is benchmarks/reply_baseline.py,
a minimal PTB bot on the same aiohttp backend, on the same emulator in the same run (--httpx-baseline adds it
on PTB's default httpx backend). --profile runs the first `serve` under cProfile and prints its top costs.
--rounds N sends N crowds (new parents each time) to each running bot, the first right after start-up and
the others to a warm one, and ends with each bot's p95 per round and their median: on a shared machine one
round can be a third off the next.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from typing import Any
from contextlib import nullcontext
from pathlib import Path

import aiohttp

from benchmarks.harness import TOKEN, EmulatorProcess, fresh_database, make_carers, postgres_server
from benchmarks.reply_crowd import TurnFigures, add_new_people, run_crowd
from carerline.cli.delivery import run_fast
from db.dao.carers.accounts import fetch_carer_by_chat_id
from db.dao.delivery.claims import count_unfinished_rows
from db.engine import Database
from db.models import Carer
from db.types import utc_now
from messaging.outbox import OutgoingMessage, enqueue_messages, seen_button_markup
from tests.support.postgres import free_port

BROADCAST_FAMILIES = 10_000
ENQUEUE_CHUNK = 1_000
CROWD_FIRST_CHAT_ID = 7_000_000
NOTICE_TEXT = "<b>Route MA-101</b>: the morning pick-up moves to 07:50 from Monday."
BROADCAST_TEXT = "Kent PACT coffee morning on Thursday at 10:00 in Maidstone. All families welcome."


@contextlib.asynccontextmanager
async def bot_process(command: list[str], *, env: dict[str, str] | None = None) -> AsyncIterator[int]:
    """A bot in its own process (its pid); SIGTERM and wait at the end."""
    process = subprocess.Popen(command, env=env)
    try:
        yield process.pid
    finally:
        process.terminate()
        await asyncio.to_thread(process.wait, 60)


def serve_command(*, profile_path: str | None) -> list[str]:
    """`carerline serve`, under cProfile when asked."""
    profiler = ["-m", "cProfile", "-o", profile_path] if profile_path else []
    return [sys.executable, *profiler, "-m", "carerline", "serve"]


def serve_env(*, database_url: str, emulator: EmulatorProcess) -> dict[str, str]:
    """Settings for a `carerline serve` on this database and emulator."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CARERLINE_")}
    env.update(
        CARERLINE_DATABASE_URL=database_url,
        CARERLINE_BOT_TOKEN=TOKEN,
        CARERLINE_BOT_API_URL=emulator.url,
        CARERLINE_HTTP_PORT=str(free_port()),
        CARERLINE_LOG_LEVEL="WARNING",
    )
    return env


async def wait_until_answering(*, emulator: EmulatorProcess, chat_id: int, timeout_s: float = 180.0) -> None:
    """A warm-up parent sends /start until the bot answers (start-up is not timed)."""
    await add_new_people(emulator_url=emulator.url, chat_ids=[chat_id])
    async with aiohttp.ClientSession(base_url=emulator.url) as http:
        async with http.post(f"/_emulator/chats/{chat_id}/send", json={"text": "/start"}) as response:
            response.raise_for_status()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            params = {"after_version": "0", "timeout": "5"}
            async with http.get(f"/_emulator/chats/{chat_id}/messages", params=params) as response:
                if any(message["from_bot"] for message in (await response.json())["messages"]):
                    return
        raise TimeoutError("the bot did not answer the warm-up /start")


def _notices(carers: list[Carer], *, run: str, urgent: bool, text: str, purpose: str) -> list[OutgoingMessage]:
    return [
        OutgoingMessage(
            carer=carer, idempotency_key=f"bench-replies:{run}:{carer.id}", purpose=purpose, source_type="benchmark",
            text=text, reply_markup=seen_button_markup("I've seen this"), update_kind="broadcasts", is_urgent=urgent,
        )
        for carer in carers
    ]


async def enqueue_for(database: Database, *, carers: list[Carer], run: str, urgent: bool, text: str, purpose: str) -> None:
    """Put one message per carer in the outbox, in chunks (the running service's delivery sends them)."""
    for start in range(0, len(carers), ENQUEUE_CHUNK):
        chunk = _notices(carers[start : start + ENQUEUE_CHUNK], run=run, urgent=urgent, text=text, purpose=purpose)
        async with database.transaction() as session:
            await enqueue_messages(session, messages=chunk, now=utc_now())


async def carers_for(database: Database, chat_ids: list[int]) -> list[Carer]:
    """The carers the crowd became by agreeing (untimed)."""
    async with database.transaction() as session:
        found = [await fetch_carer_by_chat_id(session, chat_id=chat_id) for chat_id in chat_ids]
    return [carer for carer in found if carer is not None]


class ChatIds:
    """Fresh chat ids for each crowd, so that every /start is a first one."""

    def __init__(self) -> None:
        self._next = CROWD_FIRST_CHAT_ID

    def take(self, count: int) -> list[int]:
        """The next `count` ids."""
        taken = list(range(self._next, self._next + count))
        self._next += count + 1_000
        return taken


def round_label(label: str, index: int) -> str:
    """The label of a crowd: the first round keeps the bot's own label."""
    return label if index == 0 else f"{label}, round {index + 1}"


async def carerline_crowds(
    *, backend: str, postgres: object, emulator: EmulatorProcess, ids: ChatIds, parents: int,
    with_broadcast: bool, profile_path: str | None, rounds: int = 1,
) -> dict[str, dict[str, TurnFigures]]:
    """The crowd against `carerline serve` on one backend, then (optionally) again during a broadcast."""
    results: dict[str, dict[str, TurnFigures]] = {}
    async with fresh_database(backend, postgres=postgres) as url:  # type: ignore[arg-type]
        database = Database(url, pool_size=4)
        async with bot_process(serve_command(profile_path=profile_path), env=serve_env(database_url=url, emulator=emulator)) as pid:
            await wait_until_answering(emulator=emulator, chat_id=ids.take(1)[0])

            async def notify(chat_ids: list[int]) -> None:
                carers = await carers_for(database, chat_ids)
                await enqueue_for(database, carers=carers, run=f"{backend}-{chat_ids[0]}", urgent=True,
                                  text=NOTICE_TEXT, purpose="change_notice")

            for index in range(rounds):
                label = round_label(f"Carerline serve, {backend}", index)
                chat_ids = ids.take(parents)
                await add_new_people(emulator_url=emulator.url, chat_ids=chat_ids)
                await emulator.reset_stats()
                cpu_before_s = cpu_seconds(pid)
                results[label] = await run_crowd(emulator_url=emulator.url, chat_ids=chat_ids, deliver_notices=notify)
                print_requests(label, await emulator.stats(), parents=parents, cpu_s=cpu_seconds(pid) - cpu_before_s)
            if with_broadcast:
                audience = await emulator.add_people(BROADCAST_FAMILIES)
                families = await make_carers(database, chat_ids=audience)
                await enqueue_for(database, carers=families, run=f"{backend}-broadcast", urgent=False,
                                  text=BROADCAST_TEXT, purpose="broadcast")
                chat_ids = ids.take(parents)
                await add_new_people(emulator_url=emulator.url, chat_ids=chat_ids)
                label = f"Carerline serve, {backend}, during a {BROADCAST_FAMILIES:,}-family broadcast"
                results[label] = await run_crowd(emulator_url=emulator.url, chat_ids=chat_ids, deliver_notices=notify)
                async with database.transaction() as session:
                    left = await count_unfinished_rows(session)
                print(f"  ({label}: {left:,} broadcast messages still queued when the crowd finished)", flush=True)
        await database.dispose()
    return results


async def baseline_crowds(
    *, emulator: EmulatorProcess, ids: ChatIds, parents: int, on_httpx: bool = False, rounds: int = 1
) -> list[dict[str, TurnFigures]]:
    """The same crowd answered by the minimal PTB bot (on Carerline's aiohttp backend, or PTB's default httpx)."""
    from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

    command = [sys.executable, "-m", "benchmarks.reply_baseline", "--api", emulator.url, "--token", TOKEN]
    if on_httpx:
        command.append("--httpx")
    async with bot_process(command) as pid, Bot(TOKEN, base_url=f"{emulator.url}/bot") as bot:
        await wait_until_answering(emulator=emulator, chat_id=ids.take(1)[0])
        seen = InlineKeyboardMarkup([[InlineKeyboardButton("I've seen this", callback_data="ack:1")]])

        async def notify(chat_ids: list[int]) -> None:
            semaphore = asyncio.Semaphore(16)

            async def send(chat_id: int) -> None:
                async with semaphore:
                    await bot.send_message(chat_id, NOTICE_TEXT, parse_mode="HTML", reply_markup=seen)

            await asyncio.gather(*(send(chat_id) for chat_id in chat_ids))

        crowds = []
        for index in range(rounds):
            chat_ids = ids.take(parents)
            await add_new_people(emulator_url=emulator.url, chat_ids=chat_ids)
            await emulator.reset_stats()
            cpu_before_s = cpu_seconds(pid)
            crowds.append(await run_crowd(emulator_url=emulator.url, chat_ids=chat_ids, deliver_notices=notify))
            print_requests(round_label("the plain PTB bot", index), await emulator.stats(), parents=parents,
                           cpu_s=cpu_seconds(pid) - cpu_before_s)
        return crowds


def all_turns(figures: dict[str, TurnFigures]) -> TurnFigures:
    """Every turn of one crowd together."""
    return TurnFigures(
        kind="all turns", seconds=[s for f in figures.values() for s in f.seconds],
        fetch_seconds=[s for f in figures.values() for s in f.fetch_seconds],
        shown_seconds=[s for f in figures.values() for s in f.shown_seconds],
        wall_s=sum(f.wall_s for f in figures.values()),
    )


def print_results(label: str, figures: dict[str, TurnFigures]) -> None:
    """One block per bot and database."""
    total = sum(len(f.seconds) for f in figures.values())
    everything = all_turns(figures)
    print(f"{label}: {total} answered turns")
    for turn in figures.values():
        print(turn.line())
    print(everything.line(), flush=True)


def print_rounds(p95s: dict[str, list[float]]) -> None:
    """Each bot's all-turns p95 round by round, their median, and the medians against the baseline's."""
    baseline = statistics.median(p95s["the plain PTB bot"]) if "the plain PTB bot" in p95s else None
    print(f"\np95 of all turns, round by round ({len(next(iter(p95s.values())))} rounds), and the median:")
    for label, values in p95s.items():
        median = statistics.median(values)
        ratio = f"  {median / baseline:.1f}× the baseline's median" if baseline and label != "the plain PTB bot" else ""
        rounds = " ".join(f"{1000 * value:.0f}" for value in values)
        print(f"  {label:<40} {rounds} ms  median {1000 * median:.0f} ms{ratio}", flush=True)


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far, user and system (Linux's /proc; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime (proc(5) fields 14, 15)


def print_requests(label: str, stats: dict[str, Any], *, parents: int, cpu_s: float) -> None:
    """What a bot did per parent over the whole crowd (timed and untimed turns alike): its Bot API requests and
    its process's CPU time (less noisy than reply times on a shared machine; Carerline's includes sending the
    notices, which the benchmark sends for the baseline)."""
    counts = sorted(stats["requests_by_method"].items(), key=lambda item: -item[1])
    per_parent = ", ".join(f"{method} {count / parents:.1f}" for method, count in counts)
    print(f"  ({label}: per parent over the crowd, Bot API requests: {per_parent}; "
          f"CPU {1000 * cpu_s / parents:.1f} ms)", flush=True)


def print_profile(path: str, *, top: int = 30) -> None:
    """The serve process's top costs: own time, then cumulative."""
    stats = pstats.Stats(path)
    stats.strip_dirs()
    for order in ("tottime", "cumulative"):
        print(f"\ncProfile of `carerline serve`, top {top} by {order}:")
        stats.sort_stats(order).print_stats(top)


async def run(args: argparse.Namespace) -> None:
    """Every crowd on one emulator, in one run."""
    backends = [backend for backend in args.backends.split(",") if backend]
    ids = ChatIds()
    p95s: dict[str, list[float]] = {}
    with postgres_server() if "postgresql" in backends else nullcontext() as postgres:
        async with EmulatorProcess(no_rate_caps=True) as emulator:
            print(f"{args.parents} parents at once, each turn's reply time (this machine: {os.cpu_count()} cores)", flush=True)
            for index, backend in enumerate(backends):
                crowds = await carerline_crowds(
                    backend=backend, postgres=postgres, emulator=emulator, ids=ids, parents=args.parents,
                    with_broadcast=not args.no_broadcast, profile_path=args.profile if index == 0 else None,
                    rounds=args.rounds,
                )
                for label, figures in crowds.items():
                    print_results(label, figures)
                    if "broadcast" not in label:
                        p95s.setdefault(f"Carerline serve, {backend}", []).append(all_turns(figures).percentile(0.95))
            if not args.no_baseline:
                for index, figures in enumerate(await baseline_crowds(
                    emulator=emulator, ids=ids, parents=args.parents, rounds=args.rounds
                )):
                    print_results(round_label("Plain python-telegram-bot baseline (no database)", index), figures)
                    p95s.setdefault("the plain PTB bot", []).append(all_turns(figures).percentile(0.95))
            if args.httpx_baseline:
                print_results("Plain python-telegram-bot bot on PTB's default httpx backend (no database)",
                              (await baseline_crowds(emulator=emulator, ids=ids, parents=args.parents, on_httpx=True))[0])
            if args.rounds > 1:
                print_rounds(p95s)
    if args.profile:
        print_profile(args.profile)


def main() -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parents", type=int, default=200)
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql (empty: the baseline alone)")
    parser.add_argument("--no-broadcast", action="store_true", help="skip the crowd during a 10,000-family broadcast")
    parser.add_argument("--no-baseline", action="store_true", help="skip the plain PTB bot")
    parser.add_argument("--httpx-baseline", action="store_true",
                        help="also the plain PTB bot on PTB's default httpx backend instead of aiohttp")
    parser.add_argument("--profile", metavar="FILE", help="run the first backend's `serve` under cProfile into FILE")
    parser.add_argument("--rounds", type=int, default=1,
                        help="crowds per running bot (the broadcast crowd still once); medians of their p95s at the end")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    run_fast(run(args))


if __name__ == "__main__":
    main()
