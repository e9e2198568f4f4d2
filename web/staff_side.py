"""Everything the staff side adds to the web app: middlewares, pages, the API and shared state."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from aiohttp import web

from core.settings import Settings
from db.types import utc_now
from services.casework.attachments import refuse_attachments_under
from services.staff.sessions import SessionPolicy
from web.api.routes import add_api_routes
from web.auth.keys import CLOCK, SESSION_POLICY, Clock
from web.auth.middleware import access_middleware, security_headers_middleware
from web.errors import error_middleware
from web.staff.rendering import JINJA, build_environment
from web.staff.routes import add_staff_routes

# The web package holds every file this server serves; complaint attachments must never land in it.
WEB_FOLDER = Path(__file__).resolve().parent


def session_policy_from(settings: Settings) -> SessionPolicy:
    """Session lifetimes and sign-in throttling from CARERLINE_STAFF_* settings."""
    return SessionPolicy(
        idle_timeout=timedelta(minutes=settings.staff_session_idle_minutes),
        absolute_timeout=timedelta(hours=settings.staff_session_max_hours),
        max_failures_per_account=settings.staff_sign_in_max_failures,
        max_failures_per_address=settings.staff_sign_in_max_failures_per_ip,
        failure_window=timedelta(minutes=settings.staff_sign_in_window_minutes),
    )


def install_staff_side(
    app: web.Application, *, settings: Settings, clock: Clock | None = None
) -> None:
    """Add the staff pages and API; `clock` lets tests move time instead of waiting."""
    refuse_attachments_under(WEB_FOLDER)
    app[CLOCK] = clock or utc_now
    app[SESSION_POLICY] = session_policy_from(settings)
    app[JINJA] = build_environment()
    # Order matters: the first is outermost, so every response (errors included) gets the headers.
    app.middlewares.extend([security_headers_middleware, error_middleware, access_middleware])
    add_staff_routes(app)
    add_api_routes(app)
