"""Delivery benchmarks against the sandbox emulator (run in its own process). They print figures.

    python -m benchmarks.delivery a              # 10,000 carers at the 30/s cap, 2% 429s and 1% 5xx
    python -m benchmarks.delivery b              # the same with the cap lifted, SQLite and PostgreSQL, 2 worker processes
    python -m benchmarks.delivery c              # a change affecting 1,390 children
    python -m benchmarks.delivery d              # (a) through a plain PTB loop and PTB's AIORateLimiter
    python -m benchmarks.delivery e              # 1,390 children: 30% Telegram, 50% SMS, 20% email, 2% Notify 429s
    python -m benchmarks.delivery f              # "running late" on a 40-family route during a 10,000-family broadcast
    python -m benchmarks.delivery all            # everything, in that order
Options: --count N (audience size), --backend sqlite|postgresql (a, c), --worker-processes N (b; 0 = in-process).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from contextlib import nullcontext
from datetime import date
from types import SimpleNamespace

from benchmarks.baselines import run_aio_rate_limiter, run_plain_loop
from benchmarks.harness import TOKEN, EmulatorProcess, WorkerProcesses, fresh_database, make_carers, outcome, postgres_server
from carerline.cli.delivery import run_fast
from core.settings import Settings
from db.dao.delivery.claims import count_unfinished_rows
from db.engine import Database
from db.models import Carer
from db.types import utc_now
from messaging.delivery.settings import DeliverySettings
from messaging.delivery.engine import DeliveryEngine
from messaging.outbox import OutgoingMessage, enqueue_messages, seen_button_markup
from messaging.rendering import render_message

CAP_PER_S = 30.0
ENQUEUE_CHUNK = 1000
NOTICE = SimpleNamespace(
    kind="new_operator", is_urgent=False, old_value="Garden Cars", new_value="Isle Taxis",
    effective_from=date(2027, 1, 4), effective_until=None, reason="The council's new contract starts.",
)


def _pool(worker_processes: int) -> dict[str, int]:
    # Fewer, busier connections per process do better on two cores; the total stays about 24.
    return {"connection_pool_size": max(8, 24 // max(1, worker_processes))}


def _settings(database_url: str, emulator: EmulatorProcess) -> Settings:
    return Settings(_env_file=None, database_url=database_url, bot_token=TOKEN, bot_api_url=emulator.url)  # type: ignore[call-arg]


def _messages(carers: list[Carer], *, run: str) -> list[OutgoingMessage]:
    """The render step: one personal message per carer, in their language."""
    return [
        OutgoingMessage(
            carer=carer, idempotency_key=f"bench:{run}:{carer.id}", purpose="broadcast", source_type="benchmark",
            text=render_message(
                "transport_change", language=carer.language, change=NOTICE, children=f"Child {carer.id}",
                routes="MA-101", phone="03000 41 00 00", hours="", is_reminder=False,
            ),
            reply_markup=seen_button_markup("I've seen this"), update_kind="broadcasts",
        )
        for carer in carers
    ]


async def _until_finished(database: Database, *, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        async with database.transaction() as session:
            if await count_unfinished_rows(session) == 0:
                return
        if time.monotonic() > deadline:
            raise TimeoutError("the broadcast did not finish")
        await asyncio.sleep(0.05)


async def _broadcast(
    database: Database, settings: Settings, carers: list[Carer], delivery: DeliverySettings, *, worker_processes: int = 0
) -> float:
    """Render, enqueue (in chunks, while sending starts), send and record; seconds from first render to last record.

    worker_processes=0 runs one worker in this process; N > 0 starts N `carerline deliver` processes instead.
    """
    workers = WorkerProcesses(settings=settings, delivery=delivery, count=worker_processes) if worker_processes else None
    engine = None if workers else DeliveryEngine(settings=settings, database=database, delivery=delivery)
    if workers:
        await workers.start()
    started = time.monotonic()
    if engine is not None:
        await engine.start()
    try:
        run = str(int(started))
        for start in range(0, len(carers), ENQUEUE_CHUNK):
            messages = _messages(carers[start : start + ENQUEUE_CHUNK], run=run)
            async with database.transaction() as session:
                await enqueue_messages(session, messages=messages, now=utc_now())
            if engine is not None:
                engine.wake()
        await _until_finished(database, timeout_s=3600)
        return time.monotonic() - started
    finally:
        if engine is not None:
            await engine.stop()
        if workers:
            await workers.stop()


async def scenario_a(*, count: int, backend: str) -> None:
    """(a) The cap: 10,000 carers at 30/s with 2% 429s and 1% 5xx."""
    with postgres_server() if backend == "postgresql" else nullcontext() as postgres:
        async with EmulatorProcess(no_rate_caps=False) as emulator, fresh_database(backend, postgres=postgres) as url:
            chat_ids = await emulator.add_people(count)
            await emulator.set_faults(rate_limit_fraction=0.02, server_error_fraction=0.01, rate_limit_retry_after_s=1)
            await emulator.reset_stats()
            database = Database(url, pool_size=10)
            carers = await make_carers(database, chat_ids=chat_ids)
            elapsed = await _broadcast(database, _settings(url, emulator), carers, DeliverySettings(_env_file=None, rate_per_s=CAP_PER_S))  # type: ignore[call-arg]
            result = outcome(await emulator.stats(), chat_ids=chat_ids)
            await database.dispose()
    print(f"(a) {count} carers, cap {CAP_PER_S:.0f}/s, 2% 429s + 1% 5xx injected, {backend}:")
    print(f"    achieved {result.rate_per_s:.2f} msg/s = {100 * result.rate_per_s / CAP_PER_S:.1f}% of the cap; "
          f"duplicates {result.duplicates}; losses {result.losses}; rejected {result.rejected}; total {elapsed:.0f}s")


async def scenario_b(*, count: int, worker_processes: int) -> None:
    """(b) The pipeline without the cap: render, outbox, send, record; SQLite and PostgreSQL."""
    with postgres_server() as postgres:
        for backend in ("sqlite", "postgresql"):
            async with EmulatorProcess(no_rate_caps=True) as emulator, fresh_database(backend, postgres=postgres) as url:
                chat_ids = await emulator.add_people(count)
                database = Database(url, pool_size=10)
                carers = await make_carers(database, chat_ids=chat_ids)
                delivery = DeliverySettings(_env_file=None, is_rate_lifted=True, **_pool(worker_processes))  # type: ignore[call-arg]
                elapsed = await _broadcast(
                    database, _settings(url, emulator), carers, delivery, worker_processes=worker_processes
                )
                result = outcome(await emulator.stats(), chat_ids=chat_ids)
                await database.dispose()
            where = f"{worker_processes} `carerline deliver` processes" if worker_processes else "1 worker in-process"
            print(f"(b) {count} carers, cap lifted, {backend}, {where}: {count / elapsed:.0f} msg/s end to end "
                  f"({elapsed:.1f}s render to last record); duplicates {result.duplicates}; losses {result.losses}")


async def scenario_c(*, children: int, backend: str) -> None:
    """(c) A change affecting 1,390 children: seconds until every notice is queued, and until every one is sent."""
    from benchmarks.change_scenario import run_change_scenario

    with postgres_server() if backend == "postgresql" else nullcontext() as postgres:
        for cap in (CAP_PER_S, None):
            async with EmulatorProcess(no_rate_caps=cap is None) as emulator, fresh_database(backend, postgres=postgres) as url:
                queued_s, sent_s, result = await run_change_scenario(
                    url=url, emulator=emulator, settings=_settings(url, emulator), children=children, cap_per_s=cap
                )
            label = f"cap {cap:.0f}/s" if cap else "cap lifted"
            print(f"(c) change affecting {children} children ({label}, {backend}): every notice queued after {queued_s:.2f}s, "
                  f"every notice sent after {sent_s:.1f}s; duplicates {result.duplicates}; losses {result.losses}")


async def scenario_d(*, count: int) -> None:
    """(d) The broadcast of (a) through a plain PTB send loop and through PTB's AIORateLimiter."""
    for name, runner in (("plain PTB send loop", run_plain_loop), ("PTB AIORateLimiter", run_aio_rate_limiter)):
        async with EmulatorProcess(no_rate_caps=False) as emulator:
            chat_ids = await emulator.add_people(count)
            await emulator.set_faults(rate_limit_fraction=0.02, server_error_fraction=0.01, rate_limit_retry_after_s=1)
            await emulator.reset_stats()
            elapsed = await runner(api_root=emulator.url, token=TOKEN, chat_ids=chat_ids)
            result = outcome(await emulator.stats(), chat_ids=chat_ids)
        print(f"(d) {name}, {count} chats, cap {CAP_PER_S:.0f}/s, same faults: {result.rate_per_s:.2f} msg/s = "
              f"{100 * result.rate_per_s / CAP_PER_S:.1f}% of the cap; duplicates {result.duplicates}; "
              f"losses {result.losses}; rejected {result.rejected}; total {elapsed:.0f}s")


async def scenario_e(*, children: int, backend: str) -> None:
    """(e) A change reaching 1,390 children's families by Telegram, text and email through GOV.UK Notify."""
    from benchmarks.notify_scenario import run_notify_scenario

    with postgres_server() if backend == "postgresql" else nullcontext() as postgres:
        async with fresh_database(backend, postgres=postgres) as url:
            figures = await run_notify_scenario(url=url, children=children)
    notify_floor_s = (figures.texts + figures.emails) / 50
    print(f"(e) change affecting {children} children ({backend}): {figures.telegram} by Telegram, {figures.texts} texts, "
          f"{figures.emails} emails; every notice accepted by its channel after {figures.seconds:.1f}s "
          f"(Notify floor {notify_floor_s:.1f}s at 3,000 requests a minute); Notify requests {figures.notify_requests}, "
          f"429s {figures.rate_limited}; duplicates {figures.duplicates}; losses {figures.losses}")


def main() -> None:
    """Parse the scenario and run it."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", choices=["a", "b", "c", "d", "e", "f", "all"])
    parser.add_argument("--count", type=int, default=10_000, help="audience size for a, b and d")
    parser.add_argument("--children", type=int, default=1_390, help="children affected in c and e")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument(
        "--worker-processes", type=int, default=2, help="`carerline deliver` processes for b (0: one worker in-process)"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    chosen = ["a", "b", "c", "d", "e", "f"] if args.scenario == "all" else [args.scenario]
    for scenario in chosen:
        if scenario == "a":
            run_fast(scenario_a(count=args.count, backend=args.backend))
        elif scenario == "b":
            run_fast(scenario_b(count=args.count, worker_processes=args.worker_processes))
        elif scenario == "f":
            from benchmarks.operator_late import scenario_f

            run_fast(scenario_f(count=args.count, backend=args.backend, settings_for=_settings, cap_per_s=CAP_PER_S))
        elif scenario == "c":
            run_fast(scenario_c(children=args.children, backend=args.backend))
        elif scenario == "e":
            run_fast(scenario_e(children=args.children, backend=args.backend))
        else:
            run_fast(scenario_d(count=args.count))


if __name__ == "__main__":
    main()

