"""The phone page's window on the Notify emulator: /_notify/* passed on to it, so one page shows chats, texts and emails.

The sandbox sets `EmulatedTelegram.notify_url`; without it these routes answer 404 and the page shows no texts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web

if TYPE_CHECKING:
    from sandbox.emulator.world import EmulatedTelegram

HTTP_KEY = web.AppKey("notify_link_http", aiohttp.ClientSession)
MAX_BODY_BYTES = 64 * 1024


def add_notify_link(app: web.Application, *, emulator: EmulatedTelegram) -> None:
    """Register GET and POST /_notify/{path} on `app`, passed to the emulator's Notify emulator."""

    async def http_client(app: web.Application) -> AsyncIterator[None]:
        app[HTTP_KEY] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        yield
        await app[HTTP_KEY].close()

    async def pass_on(request: web.Request) -> web.Response:
        if emulator.notify_url is None:
            return web.json_response({"error": "no Notify emulator is attached"}, status=404)
        body = await request.read() if request.can_read_body else None
        if body is not None and len(body) > MAX_BODY_BYTES:
            return web.json_response({"error": "body too large"}, status=413)
        target = f"{emulator.notify_url}/_notify/{request.match_info['path']}"
        try:
            async with request.app[HTTP_KEY].request(
                request.method, target, params=request.query, data=body,
                headers={"Content-Type": request.headers.get("Content-Type", "application/json")},
            ) as answer:
                return web.Response(body=await answer.read(), status=answer.status,
                                    content_type=answer.content_type or "application/json")
        except (aiohttp.ClientError, TimeoutError):
            return web.json_response({"error": "the Notify emulator did not answer"}, status=502)

    app.cleanup_ctx.append(http_client)
    app.router.add_route("GET", "/_notify/{path:[a-z_/]+}", pass_on)
    app.router.add_route("POST", "/_notify/{path:[a-z_/]+}", pass_on)
