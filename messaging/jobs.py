"""Scheduled jobs. APScheduler stores them by reference, so each is a module-level function."""

from __future__ import annotations

import time

from messaging.runtime_registry import current_services


async def record_heartbeat() -> None:
    """Show on /metrics that the scheduler is alive."""
    services = current_services()
    if services is not None:
        services.metrics.scheduler_heartbeat.set(time.time())
