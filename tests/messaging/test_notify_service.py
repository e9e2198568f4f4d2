"""`carerline serve` runs a Notify worker when CARERLINE_NOTIFY_API_KEY is set; its sends and holds are in /metrics."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from carerline.service import CarerlineService
from db.engine import Database
from db.models import OutboxChannel
from messaging.outbox import EnqueueResult
from sandbox.emulator import BotApiEmulator
from sandbox.notify import NotifyEmulator
from tests.conftest import make_settings
from tests.messaging.conftest import fast_delivery
from tests.messaging.notify_support import (
    Family,
    family_notice,
    notice_rows,
    notify_settings,
)
from tests.support.waiting import wait_for_condition


async def test_serve_sends_by_notify_and_reports_a_held_channel(
    emulator: BotApiEmulator, notify: NotifyEmulator, make_families: Callable[..., Awaitable[list[Family]]],
    enqueue: Callable[..., Awaitable[EnqueueResult]], database: Database, database_url: str,
) -> None:
    notify.set_faults(daily_limits={"sms": 0, "email": 10, "letter": 10})  # no texts left today
    [family] = await make_families(1)
    await enqueue([family_notice(family, key="mail", first=OutboxChannel.EMAIL),
                   family_notice(family, key="text", first=OutboxChannel.SMS)])
    settings = notify_settings(database_url=database_url, emulator=emulator, notify=notify, public_url=None)
    service = CarerlineService(settings=settings,
                               delivery=fast_delivery())
    await service.start()
    try:
        assert service.notify_delivery is not None
        await wait_for_condition(lambda: _state(database, "mail", "sent"), timeout_s=15, description="email sent")
        await wait_for_condition(lambda: _metric_seen(service, 'reason="daily_limit"'), timeout_s=10,
                                 description="texts held in the metrics")
        metrics = await _metrics(service)
        assert 'carerline_notify_requests_total{channel="email",outcome="sent"} 1.0' in metrics
        assert 'carerline_notify_requests_total{channel="sms",outcome="daily_limit"}' in metrics
    finally:
        await service.stop()
    [text] = await notice_rows(database, "text")
    assert (text.state, text.lease_owner) == ("queued", None)  # held for tomorrow, handed back at shutdown


async def test_serve_without_a_notify_key_runs_no_notify_worker(emulator: BotApiEmulator, database_url: str) -> None:
    service = CarerlineService(settings=make_settings(database_url=database_url, emulator=emulator),
                               delivery=fast_delivery())
    await service.start()
    try:
        assert service.notify_delivery is None
    finally:
        await service.stop()


async def _state(database: Database, key: str, state: str) -> bool:
    rows = await notice_rows(database, key)
    return bool(rows) and rows[0].state == state


async def _metrics(service: CarerlineService) -> str:
    return service.metrics.render().decode()


async def _metric_seen(service: CarerlineService, fragment: str) -> bool:
    return fragment in await _metrics(service)

