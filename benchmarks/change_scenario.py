"""Benchmark (c): the February 2022 re-tender: one operator change reaching 1,390 children's families."""

from __future__ import annotations

import io
import time

from sqlalchemy import insert

from benchmarks.harness import EmulatorProcess, Outcome, make_carers, outcome
from core.settings import Settings
from db.engine import Database
from db.models import CarerChildLink, ChangeKind
from db.types import utc_now
from messaging.delivery.settings import DeliverySettings
from messaging.delivery.engine import DeliveryEngine
from services.changes.notices import ChangeRequest, record_change
from services.transport.imports import import_transport_data
from services.transport.rows import COLUMNS

CHILDREN_PER_ROUTE = 10


def route_planning_export(*, children: int) -> str:
    """A route-planning export: one operator, routes of ten children each."""
    out = io.StringIO()
    out.write(",".join(COLUMNS) + "\n")
    for n in range(children):
        route = n // CHILDREN_PER_ROUTE
        stop = n % CHILDREN_PER_ROUTE + 1
        out.write(
            f"KCC-{n:06d},C{n},SCH-{route % 40:03d},School {route % 40},Maidstone,primary,R-{route:04d},OP-GC,"
            f"Garden Cars,01622 000 111,Minibus,{stop},Stop {stop},07:{30 + stop:02d},07:{40 + stop:02d}\n"
        )
    return out.getvalue()


async def run_change_scenario(
    *, url: str, emulator: EmulatorProcess, settings: Settings, children: int, cap_per_s: float | None
) -> tuple[float, float, Outcome]:
    """(seconds until every notice is queued, seconds until every notice is sent, what the emulator saw)."""
    database = Database(url, pool_size=10)
    try:
        async with database.transaction() as session:
            report = await import_transport_data(session, data=route_planning_export(children=children), now=utc_now())
        assert report.is_ok, report.errors[:3]
        chat_ids = await emulator.add_people(children)
        carers = await make_carers(database, chat_ids=chat_ids)
        async with database.transaction() as session:
            await session.exec(
                insert(CarerChildLink.__table__),  # type: ignore[attr-defined]
                params=[{"carer_id": carer.id, "child_id": child_id, "linked_at": utc_now()}
                        for carer, child_id in zip(carers, sorted(report.child_ids), strict=True)],
            )
        delivery = DeliverySettings(_env_file=None, rate_per_s=cap_per_s) if cap_per_s else DeliverySettings(_env_file=None, is_rate_lifted=True)  # type: ignore[call-arg]
        engine = DeliveryEngine(settings=settings, database=database, delivery=delivery)
        await engine.start()
        try:
            started = time.monotonic()
            async with database.transaction() as session:
                recorded = await record_change(
                    session,
                    request=ChangeRequest(
                        kind=ChangeKind.NEW_OPERATOR, effective_from=utc_now().date(), recorded_by="benchmark",
                        operator_code="OP-GC", old_value="Garden Cars", new_value="Isle Taxis", is_urgent=True,
                        reason="The new contract starts on Monday.",
                    ),
                    now=utc_now(),
                    council_phone="03000 41 00 00",
                )
            queued_s = time.monotonic() - started
            assert recorded.notices.queued == children, recorded.notices
            engine.wake()
            while (await emulator.stats())["total_sent"] < children:
                await _pause()
            sent_s = time.monotonic() - started
        finally:
            await engine.stop()
        return queued_s, sent_s, outcome(await emulator.stats(), chat_ids=chat_ids)
    finally:
        await database.dispose()


async def _pause() -> None:
    import asyncio

    await asyncio.sleep(0.05)
