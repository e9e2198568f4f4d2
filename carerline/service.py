"""One process, one event loop: the bot, the web server and the scheduler, started and stopped together."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from apscheduler.schedulers.background import BackgroundScheduler
from telegram import Update
from telegram.error import InvalidToken

from bot.application import build_bot_application
from bot.context import CarerlineApplication
from bot.intake.ordered import start_cross_replica_order
from bot.intake.processing import PerChatUpdateProcessor
from messaging.dependencies import Dependencies
from core.lifecycle import Lifecycle
from core.metrics import Metrics
from core.settings import ConfigurationError, Settings
from carerline.memory import freeze_startup_objects
from carerline.startup import SqliteServeLock, require_reachable_database, sqlite_serve_lock
from db.dao.warm_up import warm_turn_statements
from db.engine import Database
from db.migrate import upgrade_database_async
from messaging.delivery.settings import DeliverySettings
from messaging.delivery.engine import DeliveryEngine, build_notify_worker
from messaging.delivery.notify_worker import NotifyDeliveryWorker
from messaging.runtime_registry import register_services
from carerline.jobs import add_standing_jobs
from carerline.notify_alerts import notify_duty_alert
from messaging.scheduler import build_scheduler, finish_scheduled_jobs
from web.app import init_web_app

logger = logging.getLogger(__name__)
POLL_TIMEOUT_S = 25
# Shares of CARERLINE_SHUTDOWN_GRACE_S, from SIGTERM: updates, scheduled jobs and web requests finish by WORK_SHARE,
# sends in flight by SENDS_SHARE (the rest are marked in doubt); the rest is for the last writes and closing.
WORK_SHARE = 0.75
SENDS_SHARE = 0.75
CANCELLED_UPDATES_WAIT_S = 1.0


# PostgreSQL connections kept open by `serve`: the updates worked on at once (bot/intake/processing.py), the two
# group-commit writers, the delivery engine, the scheduler and the web side. Connections beyond the pool are
# opened and closed for each use (a new asyncpg connection costs several milliseconds of both cores), which
# with 10 kept open had a crowd of 200 spend about 5% of `serve`'s time connecting (py-spy).
SERVICE_DATABASE_CONNECTIONS = 24
SERVICE_EXTRA_CONNECTIONS = 8  # at most 32 a replica: two replicas and a `deliver` fit in PostgreSQL's default 100

class CarerlineService:
    """Owns every long-lived part of a running Carerline process."""

    def __init__(
        self, *, settings: Settings, metrics: Metrics | None = None, delivery: DeliverySettings | None = None
    ) -> None:
        self.settings = settings
        self.delivery_settings = delivery
        self.delivery: DeliveryEngine | None = None
        self.notify_delivery: NotifyDeliveryWorker | None = None
        self.metrics = metrics or Metrics()
        self.lifecycle = Lifecycle()
        self.database: Database | None = None
        self.bot_application: CarerlineApplication | None = None
        self.scheduler: BackgroundScheduler | None = None
        self._sqlite_lock: SqliteServeLock | None = None
        self._runner: web.AppRunner | None = None
        self._was_started = False

    @property
    def http_url(self) -> str:
        """Where the web side listens (the real port, even when 0 was asked for)."""
        if self._runner is None or not self._runner.addresses:
            raise RuntimeError("the service is not started")
        host, port = self._runner.addresses[0][:2]
        return f"http://{host}:{port}"

    async def start(self, *, before_receiving: Callable[[], None] | None = None) -> None:
        """Migrate the database, then start the bot, the web server and the scheduler; receive updates last.

        `before_receiving` runs once everything else has started, just before the first update can arrive: a
        crowd that lands the moment the bot is back must not wait behind start-up work (freezing start-up
        objects paused the loop for about 0.1 s, and the first crowd's updates waited that long to be fetched).
        """
        self.settings.check_for_service()
        # SQLite is the single-process embedded database: a second `serve` on the same file stops here.
        self._sqlite_lock = sqlite_serve_lock(self.settings.database_url)
        if self._sqlite_lock is not None:
            self._sqlite_lock.acquire()
        self.database = Database(
            self.settings.database_url, pool_size=SERVICE_DATABASE_CONNECTIONS, max_overflow=SERVICE_EXTRA_CONNECTIONS
        )
        await require_reachable_database(self.database)
        await upgrade_database_async(database_url=self.settings.database_url)
        # The first crowd finds them open, each with a turn's statements prepared.
        await self.database.open_connections(SERVICE_DATABASE_CONNECTIONS, warm=warm_turn_statements)
        dependencies = Dependencies(settings=self.settings, database=self.database, metrics=self.metrics)
        register_services(dependencies)
        self.bot_application = build_bot_application(
            services=dependencies, webhook_mode=self.settings.is_webhook_mode
        )
        try:
            await self.bot_application.initialize()
        except InvalidToken as error:
            raise ConfigurationError(f"CARERLINE_BOT_TOKEN: the Bot API refused this token ({error})") from None
        if self.bot_application.post_init is not None:  # PTB runs post_init only in run_polling/run_webhook
            await self.bot_application.post_init(self.bot_application)
        await self.bot_application.start()
        self.delivery = DeliveryEngine(
            settings=self.settings, database=self.database, delivery=self.delivery_settings, metrics=self.metrics
        )
        await self.delivery.start()
        # Texts, emails and letters through GOV.UK Notify, when CARERLINE_NOTIFY_API_KEY is set.
        self.notify_delivery = build_notify_worker(
            settings=self.settings, database=self.database, delivery=self.delivery.delivery, metrics=self.metrics,
            alert=notify_duty_alert(self.settings),
        )
        if self.notify_delivery is not None:
            await self.notify_delivery.start()
        self.lifecycle.update_queue = self.bot_application.update_queue
        if self.settings.is_webhook_mode and not self.database.is_sqlite:  # replicas: one chat's updates in order
            self.lifecycle.ordered_intake = start_cross_replica_order(
                application=self.bot_application, database=self.database, lifecycle=self.lifecycle,
                metrics=self.metrics,
            ).take
        await self._start_web(dependencies)
        # One scheduler per replica; each run is claimed in the database, so replicas run each due time once.
        self.scheduler = build_scheduler(database=self.database, loop=asyncio.get_running_loop())
        await asyncio.to_thread(self.scheduler.start)
        await asyncio.to_thread(add_standing_jobs, self.scheduler)
        if before_receiving is not None:
            before_receiving()
        await self._start_receiving_updates()
        self._was_started = True
        logger.info("Carerline is running: staff side and health checks on %s", self.http_url)

    async def stop(self) -> None:
        """Stop taking work, finish what is in flight, close everything, all within the grace period."""
        started = time.monotonic()
        grace_s = self.settings.shutdown_grace_s
        work_until = started + grace_s * WORK_SHARE
        sends_until = started + grace_s * SENDS_SHARE
        self.lifecycle.is_draining = True
        self.metrics.is_draining.set(1)
        workers = [worker for worker in (self.delivery, self.notify_delivery) if worker is not None]
        # At once: no new claims (rows claimed but not yet attempted go back to the queue), no polling, no new runs.
        # The bot's replies then have Telegram's rate and the database to themselves.
        await _logged(
            *(worker.stop_claiming() for worker in workers), self._stop_polling(), self._stop_scheduler_runs(),
        )
        # Side by side, each within its share: updates received, jobs running, web requests, sends in flight.
        await _logged(
            self._finish_updates(until=work_until),
            self._finish_scheduled_jobs(until=work_until),
            self._stop_web(),
            *(worker.stop(grace_s=max(0.0, sends_until - time.monotonic())) for worker in workers),
        )
        if self.bot_application is not None:
            await _logged(self.bot_application.shutdown())
        register_services(None)
        if self.database is not None:
            await self.database.dispose()
        if self._sqlite_lock is not None:
            self._sqlite_lock.release()
        if self._was_started and not self.lifecycle.stopped.is_set():
            logger.info("Carerline stopped cleanly in %.1fs", time.monotonic() - started)
        self.lifecycle.stopped.set()

    async def _stop_polling(self) -> None:
        application = self.bot_application
        if application is not None and application.updater is not None and application.updater.running:
            await application.updater.stop()

    async def _stop_scheduler_runs(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            await asyncio.to_thread(self.scheduler.shutdown, wait=False)

    async def _finish_scheduled_jobs(self, *, until: float) -> None:
        if self.scheduler is not None:
            await finish_scheduled_jobs(self.scheduler, timeout_s=max(0.0, until - time.monotonic()))

    async def _stop_web(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _finish_updates(self, *, until: float) -> None:
        """Handle the updates already received until `until`; then begin no more and end those still running."""
        application = self.bot_application
        if application is None or not application.running:
            return
        stopping = asyncio.ensure_future(application.stop())
        done, _ = await asyncio.wait({stopping}, timeout=max(0.0, until - time.monotonic()))
        if done:
            stopping.result()
            return
        processor = application.update_processor
        cancelled = processor.close() if isinstance(processor, PerChatUpdateProcessor) else 0
        done, _ = await asyncio.wait({stopping}, timeout=CANCELLED_UPDATES_WAIT_S)
        left = processor.left_unhandled if isinstance(processor, PerChatUpdateProcessor) else []
        logger.warning(
            "out of time for updates at shutdown: %d cancelled while being handled, %d not begun%s",
            cancelled, len(left), f" (update ids {', '.join(str(update_id) for update_id in left[:50])})" if left else "",
        )
        if not done:
            stopping.cancel()

    async def _start_web(self, dependencies: Dependencies) -> None:
        web_app = init_web_app(
            settings=self.settings,
            database=dependencies.database,
            metrics=self.metrics,
            lifecycle=self.lifecycle,
            bot_application=self.bot_application,
        )
        self._runner = web.AppRunner(web_app, shutdown_timeout=self.settings.shutdown_grace_s * WORK_SHARE)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.http_host, self.settings.http_port)
        await site.start()

    async def _start_receiving_updates(self) -> None:
        application = self.bot_application
        assert application is not None
        if self.settings.is_webhook_mode:
            secret = self.settings.webhook_secret
            await application.bot.set_webhook(
                url=self.settings.webhook_url,
                secret_token=secret.get_secret_value() if secret else None,
                allowed_updates=Update.ALL_TYPES,
            )
            return
        await application.bot.delete_webhook()
        assert application.updater is not None
        await application.updater.start_polling(
            timeout=POLL_TIMEOUT_S, allowed_updates=Update.ALL_TYPES, bootstrap_retries=-1
        )


def exit_without_teardown() -> None:
    """After a clean stop, exit 0 at once instead of spending a second or two of the grace period on teardown."""
    # Python's teardown frees every object one by one; a profiler or coverage tracer writes its results then.
    if sys.getprofile() is not None or sys.gettrace() is not None:
        return
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


async def _logged(*steps: Awaitable[object]) -> None:
    """Run shutdown steps side by side; one that fails is logged and does not stop the others."""
    for result in await asyncio.gather(*steps, return_exceptions=True):
        if isinstance(result, Exception):
            logger.error("a shutdown step failed", exc_info=result)


async def run_until_signalled(
    *, service: CarerlineService, on_started: Callable[[], None] | None = None
) -> None:
    """Run until SIGTERM or SIGINT, then shut down within the configured grace period."""
    stop_requested = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop_requested.set)
    try:
        # Not in start() itself: the process is this service's for good (tests start and stop many in one process).
        await service.start(before_receiving=freeze_startup_objects)
    except BaseException:
        await service.stop()
        raise
    if on_started is not None:
        on_started()
    await stop_requested.wait()
    logger.info("stop requested: finishing work in flight")
    await asyncio.wait_for(service.stop(), timeout=service.settings.shutdown_grace_s)
