"""Run the Notify emulator standalone: python -m sandbox.notify --port 8082 (prints its API key)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal

from sandbox.notify.emulator import GENERIC_TEMPLATE_IDS, NotifyEmulator

LOGGER = logging.getLogger("sandbox.notify")


async def _serve(args: argparse.Namespace) -> None:
    emulator = NotifyEmulator(seed=args.seed)
    emulator.set_faults(callback_delay_s=args.callback_delay_s)
    emulator.set_callbacks(status_url=args.status_callback_url, status_token=args.callback_token,
                           inbound_url=args.inbound_callback_url, inbound_token=args.callback_token)
    await emulator.start(host=args.host, port=args.port)
    LOGGER.info("GOV.UK Notify emulator on %s; API key %s", emulator.url, emulator.api_key)
    LOGGER.info("generic templates (((body))): %s", GENERIC_TEMPLATE_IDS)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await emulator.stop()


def main() -> None:
    """Entry point."""
    parser = argparse.ArgumentParser(description="GOV.UK Notify API emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8082)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--callback-delay-s", type=float, default=3.0)
    parser.add_argument("--status-callback-url", default=None)
    parser.add_argument("--inbound-callback-url", default=None)
    parser.add_argument("--callback-token", default=None)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(_serve(parser.parse_args()))


if __name__ == "__main__":
    main()
