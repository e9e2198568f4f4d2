"""`carerline sandbox` as README's first command runs it: a parent on the phone page gets the welcome."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path
from typing import Any

import aiohttp

from tests.support.postgres import free_port
from tests.support.waiting import wait_for_condition


async def _answers(url: str) -> bool:
    try:
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            return response.status == 200
    except aiohttp.ClientError:
        return False


async def test_sandbox_parent_links_with_a_printed_code_from_the_phone_page(tmp_path: Path) -> None:
    staff_port, phone_port, notify_port = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARERLINE_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "carerline", "sandbox", "--port", str(staff_port), "--emulator-port", str(phone_port),
        "--notify-port", str(notify_port),
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
            banner = (await asyncio.wait_for(process.stdout.readuntil(b"Staff sign-in"), timeout=10)).decode() if process.stdout else ""
            assert "phone page" in banner
            assert f"GOV.UK Notify emulator: http://127.0.0.1:{notify_port}" in banner
            code = re.search(r"KCC-900001\s+([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2})", banner)
            assert code is not None, banner
            bot_messages: list[dict[str, Any]] = []

            async def bot_has_sent(count: int) -> bool:
                async with http.get(f"/_emulator/chats/{parent_id}/messages", params={"after_version": "0", "timeout": "0"}) as response:
                    messages = (await response.json())["messages"]
                bot_messages[:] = [m for m in messages if m["from_bot"]]
                return len(bot_messages) >= count

            # The parent types the code from their letter after /start, as the README describes.
            async with http.post(f"/_emulator/chats/{parent_id}/send", json={"text": f"/start {code.group(1)}"}) as sent:
                assert sent.status == 200
            await wait_for_condition(lambda: bot_has_sent(1), timeout_s=20, description="the welcome")
            welcome = bot_messages[0]
            assert "welcome to Carerline" in welcome["text"]
            agree = next(
                button["callback_data"]
                for row in welcome["reply_markup"]["inline_keyboard"]
                for button in row
                if button.get("callback_data", "").startswith("consent:agree")
            )
            async with http.post(
                f"/_emulator/chats/{parent_id}/press", json={"message_id": welcome["message_id"], "callback_data": agree}
            ) as pressed:
                assert pressed.status == 200

            async def linked_to_sam() -> bool:
                await bot_has_sent(0)
                return any("linked to Sam" in message["text"] for message in bot_messages)

            await wait_for_condition(linked_to_sam, timeout_s=20, description="the parent linked to Sam")
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
