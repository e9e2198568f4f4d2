"""NotifyEmulator: a GOV.UK Notify service on a real port, for tests, the sandbox and benchmarks."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from aiohttp import web

from sandbox.emulator.emulator import LISTEN_BACKLOG
from sandbox.notify.server import build_app
from sandbox.notify.world import GENERIC_TEMPLATE_IDS, NotifyService, new_callback_token


class NotifyEmulator(NotifyService):
    """GOV.UK Notify's v2 API, its callbacks and a control API under /_notify/."""

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self._runner: web.AppRunner | None = None
        self._url: str | None = None

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serve HTTP; port 0 picks a free port (see `url`)."""
        if self._runner is not None:
            raise RuntimeError("emulator already started")
        await self.callbacks.open()
        runner = web.AppRunner(build_app(self), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, host, port, backlog=LISTEN_BACKLOG).start()
        bound_port = runner.addresses[0][1]
        public_host = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
        self._runner, self._url = runner, f"http://{public_host}:{bound_port}"

    async def stop(self) -> None:
        """Cancel pending receipts and close the server."""
        await self.callbacks.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        traceback: TracebackType | None) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """The API root to give a Notify client as its base URL."""
        if self._url is None:
            raise RuntimeError("emulator not started")
        return self._url


__all__ = ["GENERIC_TEMPLATE_IDS", "NotifyEmulator", "new_callback_token"]
