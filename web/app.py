"""The aiohttp application factory: health, metrics and the Telegram webhook."""

from __future__ import annotations

from aiohttp import web
from telegram.ext import Application

from core.lifecycle import Lifecycle
from core.metrics import Metrics
from core.settings import Settings
from db.engine import Database
from web.auth.keys import Clock
from web.keys import DATABASE, LIFECYCLE, METRICS, SETTINGS
from web.staff_side import install_staff_side
from web.views import health
from web.views.notify_callbacks import receive_inbound, receive_status
from web.views.seen import add_seen_routes
from web.views.telegram_webhook import BOT_APPLICATION, receive_update


def init_web_app(
    *,
    settings: Settings,
    database: Database,
    metrics: Metrics,
    lifecycle: Lifecycle,
    bot_application: Application | None,
    clock: Clock | None = None,
) -> web.Application:
    """Build the web app; the caller owns the lifetimes of what it is given."""
    app = web.Application(client_max_size=10 * 1024 * 1024)
    app[SETTINGS] = settings
    app[DATABASE] = database
    app[METRICS] = metrics
    app[LIFECYCLE] = lifecycle
    app.router.add_get("/healthz", health.healthz)
    app.router.add_get("/readyz", health.readyz)
    app.router.add_get("/metrics", health.metrics)
    if bot_application is not None:
        app[BOT_APPLICATION] = bot_application
        app.router.add_post("/telegram/webhook", receive_update)
    # GOV.UK Notify's callbacks prove themselves with CARERLINE_NOTIFY_CALLBACK_TOKEN (401 without it).
    app.router.add_post("/notify/callbacks/status", receive_status)
    app.router.add_post("/notify/callbacks/inbound", receive_inbound)
    install_staff_side(app, settings=settings, clock=clock)
    # The signed "I've seen this" link in texts and emails: public, GET shows, POST records.
    add_seen_routes(app)
    return app
