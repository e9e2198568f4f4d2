"""BotApiEmulator: the public face of the emulator for tests, the sandbox and benchmarks."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from aiohttp import web

from sandbox.emulator.server import build_app
from sandbox.emulator.world import EmulatedTelegram

LISTEN_BACKLOG = 2048


class BotApiEmulator(EmulatedTelegram):
    """An in-process Telegram Bot API over real HTTP, with people you can act as."""

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        # True when run as `python -m sandbox.emulator`: the process is the emulator's alone.
        self.owns_its_process = False

    # --- lifecycle --------------------------------------------------------------------

    async def start(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        """Start serving HTTP; port 0 picks a free port (see `url`)."""
        if self._runner is not None:
            raise RuntimeError("emulator already started")
        runner = web.AppRunner(build_app(self), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        # Telegram accepts any number of connections at once; aiohttp's default backlog of 128 would make a
        # bot opening hundreds of connections in one burst wait a second for TCP to retry the refused ones.
        site = web.TCPSite(runner, host, port, backlog=LISTEN_BACKLOG)
        await site.start()
        bound_port = runner.addresses[0][1]
        public_host = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
        if ":" in public_host:
            public_host = f"[{public_host}]"
        self._runner = runner
        self._url = f"http://{public_host}:{bound_port}"

    async def stop(self) -> None:
        """Stop webhook delivery, end long polls and close the server."""
        await self.dispatcher.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """Bot API root; the bot calls {url}/bot{token}/{method}."""
        if self._url is None:
            raise RuntimeError("emulator not started")
        return self._url

    @property
    def file_url(self) -> str:
        """Root for python-telegram-bot's base_file_url ({file_url}{token}/{file_path})."""
        return f"{self.url}/file/bot"
