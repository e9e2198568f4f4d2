"""Start and stop delivery workers: inside `carerline serve`, or alone in `carerline deliver` processes."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable

from core.metrics import Metrics
from core.settings import Settings
from db.engine import Database
from messaging.delivery.settings import DeliverySettings, load_delivery_settings
from messaging.channels.telegram import build_delivery_bot
from messaging.delivery.notify_worker import NotifyDeliveryWorker
from messaging.delivery.worker import DeliveryWorker

logger = logging.getLogger(__name__)


class DeliveryEngine:
    """A worker with its own Bot (its own connection pool), sharing the process's database."""

    def __init__(
        self, *, settings: Settings, database: Database, delivery: DeliverySettings | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.settings = settings
        self.database = database
        self.delivery = delivery or load_delivery_settings()
        self.bot = build_delivery_bot(
            token=settings.require_bot_token(),
            api_root=settings.api_root,
            connection_pool_size=self.delivery.connection_pool_size,
            timeout_s=self.delivery.request_timeout_s,
        )
        self.worker = DeliveryWorker(database=database, bot=self.bot, settings=self.delivery, metrics=metrics)

    async def start(self) -> None:
        """Open the connection pool and start the worker."""
        await self.bot.initialize()
        await self.worker.start()
        logger.info("delivery worker %s started (cap %s/s)", self.worker.worker_id, self.delivery.cap_per_s or "none")

    async def stop_claiming(self) -> None:
        """Claim nothing more; rows claimed but not yet attempted go back to the queue at once."""
        await self.worker.stop_claiming()

    async def stop(self, *, grace_s: float = 5.0) -> None:
        """Finish sends in flight, record them, close the pool."""
        await self.worker.stop(grace_s=grace_s)
        await self.bot.shutdown()

    def wake(self) -> None:
        """New rows are waiting: look now."""
        self.worker.wake()


Alert = Callable[[str], Awaitable[None]]


def build_notify_worker(
    *, settings: Settings, database: Database, delivery: DeliverySettings | None = None, metrics: Metrics | None = None,
    alert: Alert | None = None,
) -> NotifyDeliveryWorker | None:
    """The Notify worker when CARERLINE_NOTIFY_API_KEY is set, else None; `alert` tells the duty officers."""
    if settings.notify_api_key is None:
        return None
    return NotifyDeliveryWorker(database=database, settings=settings, delivery=delivery or load_delivery_settings(),
                                metrics=metrics, alert=alert)


async def run_delivery_until_signalled(*, settings: Settings, workers: int = 1, alert: Alert | None = None) -> None:
    """`carerline deliver`: run workers on the configured database until SIGTERM or SIGINT.

    Telegram workers when a bot token is set; one Notify worker when CARERLINE_NOTIFY_API_KEY is set.
    """
    stop_requested = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop_requested.set)
    database = Database(settings.database_url, pool_size=max(5, workers * 3 + 3))
    engines = [DeliveryEngine(settings=settings, database=database) for _ in range(workers)] if settings.bot_token else []
    notify = build_notify_worker(settings=settings, database=database, alert=alert)
    try:
        for engine in engines:
            await engine.start()
        if notify is not None:
            await notify.start()
        logger.info("delivering; stop with SIGTERM or Ctrl+C")
        await stop_requested.wait()
        logger.info("stop requested: finishing sends in flight")
        await asyncio.gather(*(worker.stop_claiming() for worker in [*engines, *([notify] if notify else [])]))
        stops = [engine.stop(grace_s=settings.shutdown_grace_s / 2) for engine in engines]
        if notify is not None:
            stops.append(notify.stop(grace_s=settings.shutdown_grace_s / 2))
        await asyncio.gather(*stops)
    finally:
        await database.dispose()
