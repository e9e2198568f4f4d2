"""Liveness, readiness and metrics for the platform that runs us."""

from __future__ import annotations

from aiohttp import web

from core.metrics import METRICS_CONTENT_TYPE
from web.keys import DATABASE, LIFECYCLE, METRICS


async def healthz(request: web.Request) -> web.Response:
    """Alive: the event loop answers."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready: the database answers and we are not shutting down."""
    if request.app[LIFECYCLE].is_draining:
        return web.json_response({"status": "draining"}, status=503)
    if not await request.app[DATABASE].is_reachable():
        return web.json_response({"status": "database unreachable"}, status=503)
    return web.json_response({"status": "ready"})


async def metrics(request: web.Request) -> web.Response:
    """Prometheus text format."""
    body = request.app[METRICS].render()
    return web.Response(body=body, headers={"Content-Type": METRICS_CONTENT_TYPE})
