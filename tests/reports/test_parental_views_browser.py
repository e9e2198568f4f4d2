"""The parental-views pages in headless Chromium with content and errors, and the report itself: axe finds nothing."""

from __future__ import annotations



from db.models.casework import FeedbackSource
from db.models.staff import StaffRole
from services.feedback.records import record_feedback
from tests.support.browser import ConsoleWatch, axe_violations, chromium
from tests.support.factories import make_family
from tests.support.parental_views_year import build_fixture_year
from tests.support.staff import StaffWeb
from tests.web.test_pages_browser import check_current, check_page, sign_in


async def test_the_pages_with_content_and_errors_and_the_report_pass_axe(staff_web: StaffWeb, database_url: str) -> None:
    await build_fixture_year(staff_web.database)
    async with staff_web.database.transaction() as session:
        carer, child = await make_family(session, carer_name="Bernadette", child_name="Tobias")
        await record_feedback(session, carer_id=carer.id, child_id=child.id, source=FeedbackSource.SURVEY, topic="journey",
                              rating=5, text="Tobias loves the bus", consent_to_quote=True, now=staff_web.clock())
    user = await staff_web.add_user(StaffRole.PACT_COORDINATOR)
    url = staff_web.url
    async with chromium() as browser:
        page = await browser.new_page()
        watch = ConsoleWatch()
        watch.attach(page)
        await sign_in(page, staff_web, user.email)
        await check_page(page, f"{url}/parental-views/quotes", watch)
        await page.get_by_role("button", name="Use this quote").click()
        await page.wait_for_url(f"{url}/parental-views/quotes?notice=approved")
        await check_current(page, watch)

        await page.goto(f"{url}/parental-views/you-said?year=2025-26")
        await page.get_by_role("button", name="Add row").click()  # empty: the error summary
        await page.wait_for_selector(".govuk-error-summary")
        watch.problems[:] = [problem for problem in watch.problems if "status of 422" not in problem]  # the form's own answer
        await check_current(page, watch)
        await page.get_by_label("You said").fill("Tell us sooner")
        await page.get_by_label("We did").fill("A week's notice")
        await page.get_by_role("button", name="Add row").click()
        await page.wait_for_url(f"{url}/parental-views/you-said?year=2025-26&notice=added")
        await check_current(page, watch)
        await page.get_by_role("link", name="Change row 1").click()
        await check_current(page, watch)

        await page.goto(f"{url}/parental-views/commentary?year=2025-26")
        await page.get_by_label("Commentary for 2025-26").fill("A steadier year.\n\nMore to do.")
        await page.get_by_role("button", name="Save commentary").click()
        await page.wait_for_url(f"{url}/parental-views/commentary?year=2025-26&notice=saved")
        await check_current(page, watch)

        response = await page.goto(f"{url}/parental-views/download?year=2025-26&format=html")
        assert response is not None and response.status == 200
        assert await page.locator("table").count() >= 10 and await page.locator("svg[role=img]").count() == 3
        assert await axe_violations(page) == []
        assert watch.problems == [], watch.problems
