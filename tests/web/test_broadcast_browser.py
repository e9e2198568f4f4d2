"""End to end in Chromium: a coordinator composes a broadcast to one school, a second person approves it,
and the report fills while the emulator receives exactly one message per carer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Page, expect

from carerline.service import CarerlineService
from db.engine import Database
from db.models.staff import StaffRole
from sandbox.emulator import BotApiEmulator
from services.staff.audit import Actor
from services.staff.accounts import create_user
from tests.conftest import make_settings
from tests.messaging.conftest import fast_delivery
from tests.support.browser import (
    ConsoleWatch, axe_violations, chromium, horizontal_overflow_at_phone_width, htmlcs_errors,
)
from tests.support.factories import make_carer, make_child, make_route, make_school
from tests.support.staff import PASSWORD

CARERS_AT_SCHOOL = 4
FIRST_CHAT_ID = 81_000
DEADLINE_MS = 30_000


@pytest.fixture
async def running(database_url: str, emulator: BotApiEmulator) -> AsyncIterator[CarerlineService]:
    """The whole service with approval needed above 2 families and quick delivery."""
    settings = make_settings(database_url=database_url, emulator=emulator, broadcast_approval_threshold=2)
    service = CarerlineService(settings=settings, delivery=fast_delivery())
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


async def _families(database: Database, emulator: BotApiEmulator) -> tuple[int, list[int], int]:
    """Carers at one school (whose chats exist in the emulator) and one at another school."""
    async with database.transaction() as session:
        school = await make_school(session, name="Hillview Academy")
        other = await make_school(session, name="Riverside School")
        route = await make_route(session, school=school)
        other_route = await make_route(session, school=other)
        chat_ids = []
        for number in range(CARERS_AT_SCHOOL + 1):
            chat_id = FIRST_CHAT_ID + number
            emulator.add_user(user_id=chat_id, first_name=f"Parent{number}", language_code="en", has_started=True)
            child = await make_child(session, route=route if number < CARERS_AT_SCHOOL else other_route, display_name=f"Kid{number}")
            await make_carer(session, chat_id=chat_id, first_name=f"Parent{number}", children=[child])
            chat_ids.append(chat_id)
        return school.id, chat_ids[:CARERS_AT_SCHOOL], chat_ids[-1]  # type: ignore[return-value]


async def _add_user(database: Database, role: StaffRole, email: str) -> None:
    async with database.transaction() as session:
        await create_user(session, email=email, display_name=email.split("@")[0], role=role, password=PASSWORD, actor=Actor.system("tests"))


async def _sign_in(page: Page, url: str, email: str) -> None:
    await page.goto(f"{url}/sign-in")
    await page.get_by_label("Email address").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{url}/dashboard")


async def _no_violations(page: Page, watch: ConsoleWatch) -> None:
    assert await axe_violations(page) == [], page.url
    assert await htmlcs_errors(page) == [], page.url
    assert await horizontal_overflow_at_phone_width(page) <= 0, page.url
    assert watch.problems == [], watch.problems


async def test_compose_approve_and_watch_the_report_fill(running: CarerlineService, emulator: BotApiEmulator) -> None:
    assert running.database is not None
    school_id, chat_ids, other_chat_id = await _families(running.database, emulator)
    await _add_user(running.database, StaffRole.PACT_COORDINATOR, "author@kentpact.org.uk")
    await _add_user(running.database, StaffRole.OFFICER, "approver@kent.gov.uk")
    url = running.http_url
    async with chromium() as browser:
        author_context = await browser.new_context()
        author = await author_context.new_page()
        author_watch = ConsoleWatch()
        author_watch.attach(author)
        await _sign_in(author, url, "author@kentpact.org.uk")
        await author.goto(f"{url}/broadcasts/new")
        await author.get_by_label("Title").fill("Inset day")
        await author.get_by_label("Families at one school").check()
        await author.get_by_label("School", exact=True).select_option(str(school_id))
        await author.get_by_label("Message").fill("Hello {{ carer_first_name }}, there is no school for {{ child_name }} on Friday.")
        await author.get_by_role("button", name="Save and preview").click()
        await expect(author.locator("#recipient-count")).to_have_text(str(CARERS_AT_SCHOOL))
        await expect(author.get_by_text("Hello Parent0, there is no school for Kid0 on Friday.")).to_be_visible()
        await expect(author.get_by_role("button", name="Send now")).to_have_count(0)
        await _no_violations(author, author_watch)
        await author.get_by_role("button", name="Request approval").click()
        await expect(author.locator("#broadcast-status")).to_have_text("awaiting approval")
        await expect(author.get_by_role("button", name="Approve")).to_have_count(0)
        broadcast_path = author.url.split("?")[0].removeprefix(url)

        approver_context = await browser.new_context()
        approver = await approver_context.new_page()
        approver_watch = ConsoleWatch()
        approver_watch.attach(approver)
        await _sign_in(approver, url, "approver@kent.gov.uk")
        await approver.goto(f"{url}/broadcasts/approvals")
        await approver.get_by_role("link", name="Inset day").click()
        await approver.get_by_role("button", name="Approve").click()
        await expect(approver.locator("#broadcast-status")).to_have_text("approved")
        await _no_violations(approver, approver_watch)

        await author.goto(f"{url}{broadcast_path}")
        await author.get_by_role("button", name="Send now").click()
        await author.wait_for_url(f"{url}{broadcast_path}/report")
        # The page refreshes its own figures: wait on them, not on the clock.
        await expect(author.locator("#count-sent")).to_have_text(str(CARERS_AT_SCHOOL), timeout=DEADLINE_MS)
        await expect(author.locator("#percent-sent")).to_have_text("100%")
        await expect(author.locator("#count-queued")).to_have_text("0")
        await expect(author.locator("#report-status")).to_have_text("sent")
        await _no_violations(author, author_watch)
        await author_context.close()
        await approver_context.close()

    await emulator.wait_until(
        lambda: all(emulator.stats.sent_count(chat_id) == 1 for chat_id in chat_ids), timeout_s=10, description="one message per carer"
    )
    assert all(emulator.stats.sent_count(chat_id) == 1 for chat_id in chat_ids)
    assert emulator.stats.sent_count(other_chat_id) == 0
    assert "there is no school for Kid1 on Friday" in (emulator.bot_messages(chat_id=chat_ids[1])[0].text or "")
