"""The "I've seen this" page in headless Chromium: every state passes axe-core and HTML_CodeSniffer (WCAG 2.2 AA),
fits a 375 px phone and keeps the CSP; the button is pressed as a family would."""

from __future__ import annotations

from datetime import timedelta

from tests.support.browser import ConsoleWatch, chromium
from tests.support.staff import StaffWeb
from tests.web.test_pages_browser import check_current, check_page
from tests.web.test_seen_links import ALREADY, TAKES_EFFECT, acknowledged, family_with_link, web_side  # noqa: F401


async def test_each_state_of_the_page_is_accessible(web_side: StaffWeb) -> None:  # noqa: F811
    english, path = await family_with_link(web_side)
    polish, polish_path = await family_with_link(web_side, language="pl", route_code="MA-303", mobile="+447700900333")
    async with chromium() as browser:
        page = await browser.new_page()
        watch = ConsoleWatch()
        watch.attach(page)
        await check_page(page, f"{web_side.url}{path}", watch)
        await page.get_by_role("button", name="I've seen this").click()
        await page.get_by_role("heading", name="Thank you").wait_for()
        await check_current(page, watch)
        assert await acknowledged(web_side, english) == (True, True)
        await check_page(page, f"{web_side.url}{path}", watch)
        assert await page.get_by_role("heading", name=ALREADY).count() == 1
        await check_page(page, f"{web_side.url}{polish_path}", watch)
        assert await page.locator("html").get_attribute("lang") == "pl"
        await check_page(page, f"{web_side.url}{path[:-1]}{'A' if path[-1] != 'A' else 'B'}", watch, expect_status=404)
        assert await page.get_by_role("heading", name="This link is not right").count() == 1
        web_side.clock.now = TAKES_EFFECT + timedelta(minutes=1)
        await check_page(page, f"{web_side.url}{polish_path}", watch, expect_status=410)
        assert await page.get_by_role("heading", name="Ten link już nie działa").count() == 1
    assert await acknowledged(web_side, polish) == (False, False)
