"""One process, one event loop: the bot, the web server and the scheduler, started and stopped together."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable

from aiohttp import web
from apscheduler.schedulers.background import BackgroundScheduler
from telegram import Update
from telegram.error import InvalidToken

from bot.application import build_bot_application
from bot.context import CarerlineApplication
from messaging.dependencies import Dependencies
from core.lifecycle import Lifecycle
from core.metrics import Metrics
from core.settings import ConfigurationError, Settings
from carerline.startup import SqliteServeLock, require_reachable_database, sqlite_serve_lock
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

    async def start(self) -> None:
        """Migrate the database, then start the bot, the web server and the scheduler."""
        self.settings.check_for_service()
        # SQLite is the single-process embedded database: a second `serve` on the same file stops here.
        self._sqlite_lock = sqlite_serve_lock(self.settings.database_url)
        if self._sqlite_lock is not None:
            self._sqlite_lock.acquire()
        self.database = Database(self.settings.database_url)
        await require_reachable_database(self.database)
        await upgrade_database_async(database_url=self.settings.database_url)
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
        await self._start_web(dependencies)
        await self._start_receiving_updates()
        # One scheduler per replica; each run is claimed in the database, so replicas run each due time once.
        self.scheduler = build_scheduler(database=self.database, loop=asyncio.get_running_loop())
        await asyncio.to_thread(self.scheduler.start)
        await asyncio.to_thread(add_standing_jobs, self.scheduler)
        self._was_started = True
        logger.info("Carerline is running: staff side and health checks on %s", self.http_url)

    async def stop(self) -> None:
        """Stop taking work, finish what is in flight, close everything."""
        self.lifecycle.is_draining = True
        self.metrics.is_draining.set(1)
        application = self.bot_application
        if application is not None and application.updater is not None and application.updater.running:
            await application.updater.stop()
        if self.scheduler is not None and self.scheduler.running:
            await asyncio.to_thread(self.scheduler.shutdown, wait=False)
            await finish_scheduled_jobs(self.scheduler, timeout_s=self.settings.shutdown_grace_s / 4)
        if self._runner is not None:
            await self._runner.cleanup()
        if application is not None:
            if application.running:
                await application.stop()  # handles every update already queued, then returns
            await application.shutdown()
        workers = [worker for worker in (self.delivery, self.notify_delivery) if worker is not None]
        # Both finish sends in flight and hand back rows not yet attempted, side by side.
        await asyncio.gather(*(worker.stop(grace_s=self.settings.shutdown_grace_s / 2) for worker in workers))
        register_services(None)
        if self.database is not None:
            await self.database.dispose()
        if self._sqlite_lock is not None:
            self._sqlite_lock.release()
        if self._was_started and not self.lifecycle.stopped.is_set():
            logger.info("Carerline stopped cleanly")
        self.lifecycle.stopped.set()

    async def _start_web(self, dependencies: Dependencies) -> None:
        web_app = init_web_app(
            settings=self.settings,
            database=dependencies.database,
            metrics=self.metrics,
            lifecycle=self.lifecycle,
            bot_application=self.bot_application,
        )
        self._runner = web.AppRunner(web_app, shutdown_timeout=min(5.0, self.settings.shutdown_grace_s / 2))
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


async def run_until_signalled(
    *, service: CarerlineService, on_started: Callable[[], None] | None = None
) -> None:
    """Run until SIGTERM or SIGINT, then shut down within the configured grace period."""
    stop_requested = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop_requested.set)
    try:
        await service.start()
    except BaseException:
        await service.stop()
        raise
    if on_started is not None:
        on_started()
    await stop_requested.wait()
    logger.info("stop requested: finishing work in flight")
    await asyncio.wait_for(service.stop(), timeout=service.settings.shutdown_grace_s)
