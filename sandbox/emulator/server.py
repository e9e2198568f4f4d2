"""The aiohttp application: Bot API routing, Telegram's response envelope, faults, files, page."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from aiohttp import web

from sandbox.emulator.control import add_control_routes
from sandbox.emulator.errors import ApiError
from sandbox.emulator.faults import FaultKind
from sandbox.emulator.notify_link import add_notify_link
from sandbox.emulator.bot_api.edits import EDIT_METHODS
from sandbox.emulator.bot_api.messages import MESSAGE_METHODS
from sandbox.emulator.bot_api.misc import MISC_METHODS
from sandbox.emulator.bot_api.updates import UPDATE_METHODS
from sandbox.emulator.bot_api.params import ApiParams
from sandbox.emulator.bot_api.registry import MethodContext, MethodSpec

if TYPE_CHECKING:
    from sandbox.emulator.world import EmulatedTelegram

LOGGER = logging.getLogger(__name__)
PHONE_DIR = Path(__file__).resolve().parent.parent / "phone"
BOT_METHODS: dict[str, MethodSpec] = {**MESSAGE_METHODS, **EDIT_METHODS, **MISC_METHODS, **UPDATE_METHODS}
EMULATOR_KEY = web.AppKey("emulator", object)

_dumps = functools.partial(json.dumps, ensure_ascii=False)


def json_response(body: Any, *, status: int = 200) -> web.Response:
    """Return a UTF-8 JSON response."""
    return web.json_response(body, status=status, dumps=_dumps)


def _error_response(error: ApiError) -> web.Response:
    return json_response(error.to_envelope(), status=error.error_code)


def _drop_connection(request: web.Request) -> NoReturn:
    """Close the socket without answering, as a flaky network would."""
    transport = request.transport
    if transport is not None:
        transport.abort()
    # The client never sees this response: the connection is already gone.
    raise web.HTTPServiceUnavailable()


def _emulator(request: web.Request) -> EmulatedTelegram:
    return request.app[EMULATOR_KEY]  # type: ignore[return-value]


async def handle_bot_api(request: web.Request) -> web.StreamResponse:
    """Serve /bot<token>/<method> like api.telegram.org."""
    emulator = _emulator(request)
    if request.match_info["token"] != emulator.token:
        return _error_response(ApiError(401, "Unauthorized"))
    method_name = request.match_info["method"]
    spec = BOT_METHODS.get(method_name.lower())
    if spec is None:
        LOGGER.warning("Bot API method %r is not emulated; answering 404", method_name)
        return _error_response(ApiError(404, "Not Found"))
    stats = emulator.state.stats
    stats.requests_by_method[spec.name] += 1
    injector = emulator.fault_injector

    if spec.name != "getUpdates":
        latency_s = injector.latency_s()
        if latency_s > 0:
            await asyncio.sleep(latency_s)

    fault = injector.decide() if spec.is_send else FaultKind.NONE
    if fault is not FaultKind.NONE:
        stats.faults_injected[fault.value] += 1
    if fault is FaultKind.DROP_BEFORE:
        _drop_connection(request)
    injected = {
        FaultKind.RATE_LIMIT: ApiError(
            429,
            f"Too Many Requests: retry after {injector.config.rate_limit_retry_after_s}",
            {"retry_after": injector.config.rate_limit_retry_after_s},
        ),
        FaultKind.SERVER_ERROR: ApiError(500, "Internal Server Error"),
        FaultKind.BAD_GATEWAY: ApiError(502, "Bad Gateway"),
    }.get(fault)
    if injected is not None:
        stats.rejected_by_code[injected.error_code] += 1
        return _error_response(injected)

    try:
        params = await ApiParams.from_request(request)
        context = MethodContext(
            state=emulator.state,
            params=params,
            settings=emulator.settings,
            fault_config=injector.config,
            rate_limiter=emulator.rate_limiter,
            dispatcher=emulator.dispatcher,
        )
        result = await spec.handler(context)
        response = json_response({"ok": True, "result": result})
    except ApiError as error:
        stats.rejected_by_code[error.error_code] += 1
        response = _error_response(error)
    except Exception:  # an emulator bug must not look like a Telegram answer
        LOGGER.exception("emulator failed while handling %s", spec.name)
        stats.rejected_by_code[500] += 1
        response = _error_response(ApiError(500, "Internal Server Error: emulator bug"))
    if fault is FaultKind.DROP_AFTER:
        _drop_connection(request)
    return response


async def handle_file_download(request: web.Request) -> web.StreamResponse:
    """Serve /file/bot<token>/<file_path> for files obtained through getFile."""
    emulator = _emulator(request)
    if request.match_info["token"] != emulator.token:
        return _error_response(ApiError(401, "Unauthorized"))
    stored = emulator.state.files_by_path.get(request.match_info["file_path"])
    if stored is None:
        return _error_response(ApiError(404, "Not Found"))
    return web.Response(body=stored.content, content_type=stored.mime_type)


async def handle_phone_index(request: web.Request) -> web.StreamResponse:
    """Serve the phone page."""
    return web.FileResponse(PHONE_DIR / "index.html")


def build_app(emulator: EmulatedTelegram) -> web.Application:
    """Create the aiohttp application for one emulator instance."""
    app = web.Application(client_max_size=60 * 1024 * 1024)
    app[EMULATOR_KEY] = emulator
    app.router.add_route("*", "/bot{token}/{method}", handle_bot_api)
    app.router.add_get("/file/bot{token}/{file_path:.+}", handle_file_download)
    add_control_routes(app, emulator=emulator)
    add_notify_link(app, emulator=emulator)
    app.router.add_get("/", handle_phone_index)
    app.router.add_get("/phone", handle_phone_index)
    app.router.add_get("/phone/", handle_phone_index)
    app.router.add_static("/phone/", PHONE_DIR, show_index=False)
    return app
