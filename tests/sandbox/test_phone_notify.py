"""The phone page shows each family's texts and emails from the Notify emulator, with links to press and YES to reply."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from messaging.channels.notify import NotifyClient
from sandbox.emulator import BotApiEmulator
from sandbox.notify import NotifyEmulator
from sandbox.notify.emulator import GENERIC_TEMPLATE_IDS
from tests.support.browser import ConsoleWatch, axe_violations, chromium
from tests.support.waiting import wait_for_condition

MOBILE, EMAIL = "+447700900011", "dana.hughes@example.com"
TOKEN = "callback-token-for-the-phone-page-test"


@pytest.fixture
async def carerline_stand_in() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    """A server in Carerline's place: a /seen/<token> page and the inbound callback, recording what came."""
    received: list[dict[str, Any]] = []

    async def seen(request: web.Request) -> web.Response:
        received.append({"seen": request.match_info["token"]})
        return web.Response(text="<h1>Thank you: you have seen this</h1>", content_type="text/html")

    async def inbound(request: web.Request) -> web.Response:
        received.append({"authorization": request.headers.get("Authorization"), **await request.json()})
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get("/seen/{token}", seen)
    app.router.add_post("/notify/callbacks/inbound", inbound)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}", received
    finally:
        await runner.cleanup()


@pytest.fixture
async def phone(carerline_stand_in: tuple[str, list[dict[str, Any]]]) -> AsyncIterator[tuple[BotApiEmulator, NotifyEmulator]]:
    """Both emulators, the Telegram one's phone page looking at the Notify one, one family with no Telegram."""
    url, _ = carerline_stand_in
    async with NotifyEmulator(seed=3) as notify, BotApiEmulator() as telegram:
        notify.set_faults(callback_delay_s=0.05)
        notify.set_callbacks(inbound_url=f"{url}/notify/callbacks/inbound", inbound_token=TOKEN)
        notify.add_person(name="Dana Hughes (Isla's family)", mobile=MOBILE, email=EMAIL, note="No Telegram.")
        telegram.notify_url = notify.url
        yield telegram, notify


async def _send(notify: NotifyEmulator, *, seen_url: str) -> None:
    async with NotifyClient(api_key=notify.api_key, base_url=notify.url) as client:
        await client.send_sms(phone_number=MOBILE, template_id=GENERIC_TEMPLATE_IDS["sms"], reference="change:1:contact:1#sms",
                              personalisation={"body": f"Isla's pick-up moves to 7:55am. I have seen this: {seen_url}"})
        await client.send_email(email_address=EMAIL, template_id=GENERIC_TEMPLATE_IDS["email"],
                                reference="change:2:contact:1#email",
                                personalisation={"subject": "Isla's transport is changing",
                                                 "body": f"From Monday the taxi comes at 7:55am.\n\nI have seen this: {seen_url}"})


async def test_the_page_lists_families_and_their_messages_through_the_telegram_emulator(
    phone: tuple[BotApiEmulator, NotifyEmulator], carerline_stand_in: tuple[str, list[dict[str, Any]]],
) -> None:
    telegram, notify = phone
    url, _ = carerline_stand_in
    await _send(notify, seen_url=f"{url}/seen/abc")
    async with aiohttp.ClientSession(telegram.url) as http:
        async with http.get("/_notify/people") as answer:
            people = await answer.json()
        async with http.get("/_notify/messages", params={"to": MOBILE}) as answer:
            texts = await answer.json()
        async with http.post("/_notify/inbound", json={"source_number": "447700900011", "message": "YES"}) as answer:
            assert answer.status == 200
        async with http.get("/_notify/messages", params={"to": MOBILE}) as answer:
            after = await answer.json()
        async with http.get(f"/_notify/messages?to={MOBILE}") as answer:  # "+" unescaped: a space
            unescaped = await answer.json()
        async with http.get("/phone/notify.js") as script:
            assert script.status == 200
    assert people["people"] == [{"name": "Dana Hughes (Isla's family)", "mobile": MOBILE, "email": EMAIL,
                                 "telegram_user_id": None, "note": "No Telegram."}]
    assert people["inbound_number"] == notify.inbound_number
    assert [m["body"] for m in texts["messages"]] == [f"Isla's pick-up moves to 7:55am. I have seen this: {url}/seen/abc"]
    assert texts["received"] == []
    assert [t["message"] for t in after["received"]] == ["YES"]
    assert unescaped == after


async def test_without_a_notify_emulator_the_page_has_no_texts_to_show() -> None:
    async with BotApiEmulator() as telegram, aiohttp.ClientSession(telegram.url) as http:
        async with http.get("/_notify/people") as answer:
            assert answer.status == 404


async def test_a_family_reads_the_text_presses_its_link_reads_the_email_and_replies_yes(
    phone: tuple[BotApiEmulator, NotifyEmulator], carerline_stand_in: tuple[str, list[dict[str, Any]]],
) -> None:
    telegram, notify = phone
    url, received = carerline_stand_in
    await _send(notify, seen_url=f"{url}/seen/tok-123")
    watch = ConsoleWatch()
    async with chromium() as browser:
        context = await browser.new_context()
        page = await context.new_page()
        watch.attach(page)
        await page.goto(f"{telegram.url}/")
        await page.get_by_role("button", name="Open their phone").click()
        family = page.locator(".notify-phone")
        await family.locator(".sms-thread .bubble", has_text="pick-up moves to 7:55am").wait_for()
        assert await family.locator(".phone-title").text_content() == "Dana Hughes (Isla's family)"
        await family.locator(".sms-thread .meta", has_text="Delivered").wait_for()

        # The link in the text opens Carerline's "I have seen this" page.
        async with context.expect_page() as opened:
            await family.locator(".sms-thread a", has_text="/seen/tok-123").click()
        seen_page = await opened.value
        await seen_page.get_by_text("you have seen this").wait_for()
        assert {"seen": "tok-123"} in received

        # The inbox lists the email; opening it shows the body with its link.
        await family.get_by_role("tab", name="Email (1)").click()
        await family.get_by_role("button", name="Isla's transport is changing").click()
        body = family.locator(".email-body")
        await body.get_by_text("From Monday the taxi comes at 7:55am.").wait_for()
        assert await body.locator("a").get_attribute("href") == f"{url}/seen/tok-123"

        # Reply YES by text: Notify's inbound callback reaches Carerline with the bearer token.
        await family.get_by_role("tab", name="Messages (1)").click()
        await family.get_by_role("button", name="Reply YES").click()
        await wait_for_condition(lambda: any(item.get("message") == "YES" for item in received), description="the inbound callback")
        reply = next(item for item in received if item.get("message") == "YES")
        assert (reply["authorization"], reply["source_number"]) == (f"Bearer {TOKEN}", "447700900011")
        await family.locator(".sms-thread .bubble.user", has_text="YES").wait_for()
        violations = await axe_violations(page)
        await context.close()
    assert watch.problems == []
    # The texts and emails add no accessibility failure (the page's #phones container has one of its own).
    assert [v for v in violations if any(node != "#phones" for node in v["nodes"])] == []
