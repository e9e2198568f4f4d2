"""`carerline sandbox` with its GOV.UK Notify emulator: a family with no Telegram gets a change by text and presses its link."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from tests.support.browser import chromium
from tests.support.postgres import free_port
from tests.support.waiting import wait_for_condition

ISLA_MOBILE, MIA_EMAIL, FREYA_EMAIL = "+447700900011", "chris.wood@example.com", "lee.parker@example.com"


@dataclass(frozen=True)
class Sandbox:
    """A running `carerline sandbox`: its three addresses, its folder and what it printed."""

    staff: str
    phone: str
    notify: str
    folder: Path
    banner: str


async def _answers(url: str) -> bool:
    try:
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            return response.status == 200
    except aiohttp.ClientError:
        return False


def _env(database_url: str) -> dict[str, str]:
    """No CARERLINE_* settings but the database (SQLite or PostgreSQL), as `make sandbox` runs with one set."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CARERLINE_")}
    env["CARERLINE_DATABASE_URL"] = database_url
    return env


@asynccontextmanager
async def running_sandbox(folder: Path, *, database_url: str) -> AsyncIterator[Sandbox]:
    """Start the sandbox on this database, stop it with SIGTERM."""
    ports = free_port(), free_port(), free_port()
    with (folder / "sandbox.log").open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "carerline", "sandbox", "--port", str(ports[0]), "--emulator-port", str(ports[1]),
            "--notify-port", str(ports[2]), env=_env(database_url), cwd=folder, stdout=asyncio.subprocess.PIPE, stderr=log,
        )
        try:
            staff, phone, notify = (f"http://127.0.0.1:{port}" for port in ports)
            await wait_for_condition(lambda: _answers(f"{staff}/readyz"), timeout_s=60, description="sandbox ready")
            assert process.stdout is not None
            banner = (await asyncio.wait_for(process.stdout.readuntil(b"the call list"), timeout=10)).decode()
            yield Sandbox(staff=staff, phone=phone, notify=notify, folder=folder, banner=banner)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(process.wait(), timeout=15)
                except TimeoutError:
                    process.kill()
                    await process.wait()
    assert process.returncode == 0, (folder / "sandbox.log").read_text()[-3000:]


async def _api_token(folder: Path, *, database_url: str) -> str:
    """An officer's API token in the sandbox's database, issued as README says (`carerline tokens create`)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "carerline", "tokens", "create", "--role", "officer", "--name", "Sandbox test",
        env=_env(database_url), cwd=folder, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode().strip().splitlines()[-1]


async def _messages(http: aiohttp.ClientSession, phone: str, recipient: str) -> dict[str, Any]:
    """What the phone page shows one family: the Notify emulator's messages to them (and their texts back)."""
    async with http.get(f"{phone}/_notify/messages", params={"to": recipient}) as answer:
        assert answer.status == 200
        return await answer.json()


async def test_a_family_with_no_telegram_gets_a_change_by_text_presses_its_link_and_texts_yes(
    tmp_path: Path, database_url: str,
) -> None:
    async with running_sandbox(tmp_path, database_url=database_url) as sandbox, aiohttp.ClientSession() as http:
        assert f"GOV.UK Notify emulator: {sandbox.notify}" in sandbox.banner
        assert "Isla     KCC-900008  Dana Hughes: text (+447700900011)" in sandbox.banner
        async with http.get(f"{sandbox.phone}/_notify/people") as answer:
            people = {person["name"]: person for person in (await answer.json())["people"]}
        assert people["Dana Hughes (Isla's family)"]["mobile"] == ISLA_MOBILE
        assert (await _messages(http, sandbox.phone, ISLA_MOBILE))["messages"] == []

        # An officer records a change on Isla's route through the staff API.
        token = await _api_token(sandbox.folder, database_url=database_url)
        change = {"kind": "new_pickup_time", "route_code": "MA-101", "old_value": "7:45am", "new_value": "7:55am",
                  "effective_from": (date.today() + timedelta(days=14)).isoformat(),
                  "reason": "The new school timetable starts."}
        async with http.post(f"{sandbox.staff}/api/v1/transport/changes", json=change,
                             headers={"Authorization": f"Bearer {token}"}) as answer:
            assert answer.status == 201, await answer.text()

        texts: list[dict[str, Any]] = []

        async def isla_has_a_delivered_text() -> bool:
            texts[:] = (await _messages(http, sandbox.phone, ISLA_MOBILE))["messages"]
            return any(text["status"] == "delivered" for text in texts)

        await wait_for_condition(isla_has_a_delivered_text, timeout_s=30, description="Isla's family's text, delivered")
        (text,) = texts
        assert text["type"] == "sms" and "Isla" in text["body"] and "7:55am" in text["body"]
        assert f"{sandbox.staff}/seen/" in text["body"]

        async def has_email(address: str) -> bool:
            return any(m["type"] == "email" for m in (await _messages(http, sandbox.phone, address))["messages"])

        # Freya's family has an email only; Mia's family's phone fails for good, so the email goes next.
        await wait_for_condition(lambda: has_email(FREYA_EMAIL), timeout_s=30, description="Freya's family's email")
        await wait_for_condition(lambda: has_email(MIA_EMAIL), timeout_s=30, description="Mia's family's fallback email")

        # On the phone page: open the family's phone, press the link in the text, say "I've seen this".
        async with chromium() as browser:
            context = await browser.new_context()
            page = await context.new_page()
            await page.goto(f"{sandbox.phone}/")
            await page.get_by_role("button", name="Open their phone").click()
            family = page.locator(".notify-phone")
            assert await family.locator(".phone-title").text_content() == "Dana Hughes (Isla's family)"
            async with context.expect_page() as opened:
                await family.locator(".sms-thread a", has_text="/seen/").click()
            seen = await opened.value
            await seen.get_by_role("button", name="I've seen this").click()
            await seen.get_by_role("heading", name="Thank you").wait_for()

            # A reply of YES by text reaches Carerline's inbound callback with the bearer token.
            await family.get_by_role("button", name="Reply YES").click()
            await family.locator(".sms-thread .bubble.user", has_text="YES").wait_for()
            await context.close()

        async def carerline_took_the_reply() -> bool:
            async with http.get(f"{sandbox.notify}/_notify/stats") as answer:
                callbacks = (await answer.json())["callbacks"]
            return any(item["kind"] == "inbound" and item["status_code"] == 200 for item in callbacks)

        await wait_for_condition(carerline_took_the_reply, timeout_s=15, description="the inbound callback accepted")
        async with http.get(f"{sandbox.notify}/_notify/stats") as answer:
            callbacks = (await answer.json())["callbacks"]
        assert {item["status_code"] for item in callbacks if item["kind"] == "status"} == {200}
