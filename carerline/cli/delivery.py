"""`carerline deliver`: delivery workers on their own (to scale out, or next to `carerline serve`)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import typer

from core.logging_setup import configure_logging


def deliver(workers: int = typer.Option(1, min=1, max=16, help="Workers in this process.")) -> None:
    """Send the outbox (CARERLINE_DELIVERY_*, CARERLINE_NOTIFY_*) until SIGTERM; safe to run in several processes."""
    from core.settings import load_settings
    from carerline.startup import probe_database_url
    from messaging.delivery.settings import load_delivery_settings
    from carerline.notify_alerts import notify_duty_alert
    from messaging.delivery.engine import run_delivery_until_signalled
    from carerline.memory import freeze_startup_objects

    settings = load_settings()
    if settings.notify_api_key is None:
        settings.require_bot_token()  # with a Notify key alone, only texts, emails and letters are sent
    load_delivery_settings()  # a wrong CARERLINE_DELIVERY_* stops here with one line
    configure_logging(level=settings.log_level)
    asyncio.run(probe_database_url(settings.database_url))
    freeze_startup_objects()
    run_fast(run_delivery_until_signalled(settings=settings, workers=workers, alert=notify_duty_alert(settings)))


def run_fast(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run on uvloop (libuv) when it is installed: about half the CPU per HTTP request of asyncio's own loop."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(coroutine)
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(coroutine)
