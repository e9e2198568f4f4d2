"""(f) An operator reports "running late" on a route of 40 families while a 10,000-family broadcast is being sent.

The broadcast is queued first and is sending at the 30/s cap; a few seconds in, the operator's report
goes through the same service the page, the API and the bot use (services/operators/reports.py). Its
notices are urgent (priority 0), so the delivery engine sends them ahead of the broadcast's backlog.
Measured in the emulator's own send log (CLOCK_MONOTONIC, shared by both processes): seconds from the
report to each route family's message. The broadcast is stopped once the route's families all have it.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from contextlib import nullcontext
from typing import Any

from benchmarks.harness import EmulatorProcess, fresh_database, make_carers, postgres_server
from core.settings import Settings
from db.engine import Database
from db.models import CarerChildLink, Child, Operator, Phase, Route, School
from db.models.staff import ActorKind
from db.models.transport import DisruptionKind, Run
from db.types import utc_now
from messaging.delivery.engine import DeliveryEngine
from messaging.delivery.settings import DeliverySettings
from messaging.outbox import OutgoingMessage, enqueue_messages, seen_button_markup
from services.operators.reports import DisruptionRequest, report_disruption
from services.staff.audit import Actor

ROUTE_FAMILIES = 40
BROADCAST_CHUNK = 1000
SENT_BEFORE_REPORT = 150  # the broadcast is well under way when the operator reports
DEADLINE_S = 10.0


async def _route_of_families(database: Database, *, chat_ids: list[int]) -> tuple[int, int]:
    """One operator, one route, a child per family on it, each linked to a consenting carer; (operator id, route id)."""
    carers = await make_carers(database, chat_ids=chat_ids)
    async with database.transaction() as session:
        school = School(code="SCH-BENCH", name="Bench School", district="Maidstone")
        operator = Operator(code="OP-BENCH", name="Garden Cars")
        session.add_all([school, operator])
        await session.flush()
        route = Route(code="MA-F01", operator_id=operator.id or 0, school_id=school.id or 0,
                      vehicle_type="Minibus", district="Maidstone")
        session.add(route)
        await session.flush()
        for carer in carers:
            child = Child(council_reference=f"KCC-F{carer.id}", display_name="Sam", school_id=school.id or 0,
                          route_id=route.id, district="Maidstone", phase=Phase.PRIMARY)
            session.add(child)
            await session.flush()
            session.add(CarerChildLink(carer_id=carer.id or 0, child_id=child.id or 0))
        assert operator.id is not None and route.id is not None
        return operator.id, route.id


async def _queue_broadcast(database: Database, *, chat_ids: list[int], engine: DeliveryEngine) -> None:
    carers = await make_carers(database, chat_ids=chat_ids)
    for start in range(0, len(carers), BROADCAST_CHUNK):
        messages = [
            OutgoingMessage(
                carer=carer, idempotency_key=f"bench-f:{carer.id}", purpose="broadcast", source_type="benchmark",
                text="Kent PACT: our coffee morning is on Thursday at 10:00. Everyone is welcome.",
                reply_markup=seen_button_markup("I've seen this"), update_kind="broadcasts",
            )
            for carer in carers[start:start + BROADCAST_CHUNK]
        ]
        async with database.transaction() as session:
            await enqueue_messages(session, messages=messages, now=utc_now())
        engine.wake()


async def _wait_for(emulator: EmulatorProcess, predicate: Any, *, timeout_s: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        stats = await emulator.stats()
        if predicate(stats):
            return stats
        if time.monotonic() > deadline:
            raise TimeoutError("the route's families did not all get the notice")
        await asyncio.sleep(0.1)


async def scenario_f(*, count: int, backend: str, settings_for: Any, cap_per_s: float) -> None:
    """Print the seconds from the report to each route family's notice, with the broadcast still sending."""
    with postgres_server() if backend == "postgresql" else nullcontext() as postgres:
        async with EmulatorProcess(no_rate_caps=False) as emulator, fresh_database(backend, postgres=postgres) as url:
            chat_ids = await emulator.add_people(count + ROUTE_FAMILIES)
            broadcast_chats, route_chats = chat_ids[:count], set(chat_ids[count:])
            database = Database(url, pool_size=10)
            operator_id, route_id = await _route_of_families(database, chat_ids=sorted(route_chats))
            settings: Settings = settings_for(url, emulator)
            engine = DeliveryEngine(settings=settings, database=database,
                                    delivery=DeliverySettings(_env_file=None, rate_per_s=cap_per_s))  # type: ignore[call-arg]
            await emulator.reset_stats()
            await engine.start()
            try:
                await _queue_broadcast(database, chat_ids=broadcast_chats, engine=engine)
                await _wait_for(emulator, lambda s: len(s["send_log"]) >= SENT_BEFORE_REPORT, timeout_s=120)
                reported_at = time.monotonic()
                async with database.transaction() as session:
                    outcome = await report_disruption(
                        session, operator_id=operator_id, request=DisruptionRequest(
                            route_id=route_id, kind=DisruptionKind.RUNNING_LATE, run=Run.MORNING, minutes_late=20),
                        actor=Actor(kind=ActorKind.TOKEN, id=None, label="token Garden Cars dispatch", role="operator"),
                        now=utc_now(), council_phone="03000 41 00 00", staff_base_url="http://127.0.0.1",
                    )
                engine.wake()
                stats = await _wait_for(
                    emulator, lambda s: route_chats <= {entry[1] for entry in s["send_log"]}, timeout_s=120
                )
            finally:
                await engine.stop()
            await database.dispose()
    log = stats["send_log"]
    route_times = sorted(entry[0] - reported_at for entry in log if entry[1] in route_chats)
    broadcast_before = sum(1 for entry in log if entry[1] not in route_chats and entry[0] < reported_at)
    broadcast_during = sum(1 for entry in log if entry[1] not in route_chats and entry[0] >= reported_at)
    verdict = "within" if route_times[-1] <= DEADLINE_S else "NOT within"
    print(f"(f) running late on a route of {ROUTE_FAMILIES} families ({outcome.disruption.carers_told} told) during a "
          f"{count}-family broadcast at the {cap_per_s:.0f}/s cap, {backend}:")
    print(f"    broadcast sent before the report {broadcast_before}, while the route's notices went {broadcast_during}, "
          f"still queued {count - broadcast_before - broadcast_during}")
    print(f"    report to notice: first {route_times[0]:.2f}s, median {statistics.median(route_times):.2f}s, "
          f"last {route_times[-1]:.2f}s: every family {verdict} {DEADLINE_S:.0f}s")
