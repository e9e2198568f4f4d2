"""`carerline sandbox` as README's first command runs it: a parent on the phone page gets the welcome."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp

from tests.support.postgres import free_port
from tests.support.waiting import wait_for_condition


async def _answers(url: str) -> bool:
    try:
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            return response.status == 200
    except aiohttp.ClientError:
        return False


async def test_sandbox_serves_the_phone_page_and_the_bot_answers_start(tmp_path: Path) -> None:
    staff_port, phone_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARERLINE_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "carerline", "sandbox", "--port", str(staff_port), "--emulator-port", str(phone_port),
        env=env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    phone = f"http://127.0.0.1:{phone_port}"
    try:
        await wait_for_condition(lambda: _answers(f"http://127.0.0.1:{staff_port}/readyz"), timeout_s=60, description="sandbox ready")
        async with aiohttp.ClientSession(phone) as http:
            async with http.get("/") as page:
                assert page.status == 200
                assert "<html" in (await page.text()).lower()
            async with http.get("/_emulator/users") as users:
                demo_parents = await users.json()
            parent_id = demo_parents[0]["user_id"]
            async with http.post(f"/_emulator/chats/{parent_id}/send", json={"text": "/start"}) as sent:
                assert sent.status == 200
            bot_texts: list[str] = []

            async def bot_has_answered() -> bool:
                async with http.get(f"/_emulator/chats/{parent_id}/messages", params={"after_version": "0", "timeout": "0"}) as response:
                    messages = (await response.json())["messages"]
                bot_texts[:] = [m["text"] for m in messages if m["from_bot"]]
                return bool(bot_texts)

            await wait_for_condition(bot_has_answered, timeout_s=20, description="the welcome")
        assert "welcome to Carerline" in bot_texts[0]
        stdout = await asyncio.wait_for(process.stdout.readuntil(b"Staff side:"), timeout=5) if process.stdout else b""
        assert b"phone page" in stdout
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), timeout=15)
            except TimeoutError:
                process.kill()
                await process.wait()
    assert process.returncode == 0
    assert (tmp_path / "var" / "sandbox.db").exists()
