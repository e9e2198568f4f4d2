"""`carerline sandbox`: the whole service against in-process Telegram and GOV.UK Notify emulators, no token needed."""

from __future__ import annotations

import asyncio
import os

import typer

from core.logging_setup import configure_logging

SANDBOX_TOKEN = "123456789:SANDBOX-not-a-real-token-AAAAAAAAAAAA"
SANDBOX_BOT_USERNAME = "CarerlineSandboxBot"
SANDBOX_DATABASE_URL = "sqlite+aiosqlite:///./var/sandbox.db"
# Keys the sandbox's pseudonymised case keys; demo data only (production sets its own secret).
SANDBOX_CASE_KEY_SECRET = "sandbox-case-keys-for-demo-data-only-not-a-real-secret"
DEMO_PARENTS = (
    {"user_id": 1001, "first_name": "Amira", "language_code": "en"},
    {"user_id": 1002, "first_name": "Tomasz", "language_code": "pl"},
    {"user_id": 1003, "first_name": "Jo", "language_code": "en"},
)


def sandbox(
    host: str = typer.Option("127.0.0.1", help="Address for every server."),
    port: int = typer.Option(8080, help="Port of the staff side (and health checks)."),
    emulator_port: int = typer.Option(8081, help="Port of the Telegram emulator and its phone page."),
    notify_port: int = typer.Option(8082, help="Port of the GOV.UK Notify emulator (texts and emails)."),
) -> None:
    """Run Carerline against built-in Telegram and GOV.UK Notify emulators, with demo data and a phone page."""
    from carerline.demo_notify import new_ack_link_secret

    overrides: dict[str, object] = {
        "bot_token": SANDBOX_TOKEN,
        "public_url": None,
        "http_host": host,
        "http_port": port,
        "bot_username": SANDBOX_BOT_USERNAME,
    }
    if "CARERLINE_DATABASE_URL" not in os.environ:
        overrides["database_url"] = SANDBOX_DATABASE_URL
    if "CARERLINE_CASE_KEY_SECRET" not in os.environ:
        overrides["case_key_secret"] = SANDBOX_CASE_KEY_SECRET
    if "CARERLINE_ACK_LINK_SECRET" not in os.environ:  # signs the "I have seen this" links; new each run
        overrides["ack_link_secret"] = new_ack_link_secret()
    asyncio.run(_run_sandbox(host=host, emulator_port=emulator_port, notify_port=notify_port, overrides=overrides))


async def _run_sandbox(*, host: str, emulator_port: int, notify_port: int, overrides: dict[str, object]) -> None:
    from carerline.demo import demo_families, seed_demo_data
    from carerline.demo_notify import start_sandbox_notify
    from carerline.demo_staff import seed_sandbox_staff
    from carerline.service import CarerlineService, run_until_signalled
    from core.settings import load_settings
    from sandbox.emulator import BotApiEmulator

    emulator = BotApiEmulator(token=SANDBOX_TOKEN, bot_username=SANDBOX_BOT_USERNAME)
    await emulator.start(host=host, port=emulator_port)
    public_host = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    notify = None
    try:
        notify, notify_overrides = await start_sandbox_notify(
            host=host, port=notify_port, carerline_url=f"http://{public_host}:{overrides['http_port']}",
            families=demo_families(),
        )
        emulator.notify_url = notify.url
        for parent in DEMO_PARENTS:
            emulator.add_user(**parent)
        settings = load_settings(bot_api_url=emulator.url, **overrides, **notify_overrides)
        configure_logging(level=settings.log_level)
        demo = await seed_demo_data(database_url=settings.database_url)
        summary = demo.describe(bot_username=settings.bot_username)
        if "database_url" in overrides:  # known passwords only ever go into the sandbox's own database
            summary += "\n" + await seed_sandbox_staff(database_url=settings.database_url)
        service = CarerlineService(settings=settings)
        await run_until_signalled(
            service=service,
            on_started=lambda: typer.echo(_banner(
                phone_url=f"{emulator.url}/", staff_url=service.http_url, notify_url=emulator.notify_url or "",
                summary=summary,
            )),
        )
    finally:
        if notify is not None:
            await notify.stop()
        await emulator.stop()


def _banner(*, phone_url: str, staff_url: str, notify_url: str, summary: str) -> str:
    return (
        "\nCarerline sandbox is running. Press Ctrl+C to stop.\n"
        f"  Parents' phone page:  {phone_url}  (Telegram chats, and families' texts and emails)\n"
        f"  Staff side:           {staff_url}\n"
        f"  GOV.UK Notify emulator: {notify_url}  (what was sent: {notify_url}/_notify/messages)\n"
        f"{summary}\n"
    )
