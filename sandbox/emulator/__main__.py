"""Run the emulator standalone: python -m sandbox.emulator --host 127.0.0.1 --port 8081."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal

from sandbox.emulator.emulator import BotApiEmulator
from sandbox.emulator.faults import FaultConfig

LOGGER = logging.getLogger("sandbox.emulator")

DEMO_PARENTS = (
    (700000001, "Anna", "Kowalska", "pl"),
    (700000002, "Emma", "Jones", "en"),
)


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Telegram Bot API emulator with a phone page")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:TEST-token")
    parser.add_argument("--bot-username", default="CarerlineSandboxBot")
    parser.add_argument("--bot-first-name", default="Carerline")
    parser.add_argument("--seed", type=int, default=None, help="seed for fault injection")
    parser.add_argument(
        "--no-rate-caps", action="store_true", help="switch the 30/s and 1/s caps off"
    )
    parser.add_argument("--demo-parents", action="store_true", help="add two demo parents")
    return parser.parse_args()


async def _serve(args: argparse.Namespace) -> None:
    faults = FaultConfig(seed=args.seed)
    if args.no_rate_caps:
        faults = faults.updated(global_rate_per_s=None, per_chat_rate_per_s=None)
    emulator = BotApiEmulator(
        token=args.token,
        bot_username=args.bot_username,
        bot_first_name=args.bot_first_name,
        faults=faults,
    )
    emulator.owns_its_process = True
    if args.demo_parents:
        for user_id, first_name, last_name, language_code in DEMO_PARENTS:
            emulator.add_user(
                user_id=user_id,
                first_name=first_name,
                last_name=last_name,
                language_code=language_code,
            )
    await emulator.start(host=args.host, port=args.port)
    LOGGER.info(
        "Bot API emulator on %s (bot calls %s/bot<token>/<method>)", emulator.url, emulator.url
    )
    LOGGER.info("Phone page: %s/", emulator.url)
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
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    asyncio.run(_serve(_parse_args()))


if __name__ == "__main__":
    main()
