"""Every staff page in headless Chromium: neither axe-core nor HTML_CodeSniffer finds a WCAG 2.2 AA failure,
no page scrolls sideways on a 375 px phone, and the CSP holds."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from playwright.async_api import Page

from db.models.casework import ProblemReport
from db.models.staff import StaffRole
from services.staff.permissions import Permission, permissions_for
from tests.support.browser import (
    ConsoleWatch, axe_violations, chromium, horizontal_overflow_at_phone_width, htmlcs_errors,
)
from tests.support.staff import PASSWORD, StaffWeb
from tests.web.test_access import staff_routes
from web.auth.middleware import is_api_path


def pages_for(staff_web: StaffWeb, role: StaffRole) -> list[str]:
    """Every GET page this role may open."""
    granted = permissions_for(role)
    return sorted(
        route.path
        for route in staff_routes(staff_web.app)
        if route.method == "GET"
        and not is_api_path(route.path)
        and route.template != "/"
        and "{" not in route.template  # pages of one record are reached by doing (see check_broadcast_flows)
        and not _is_file_download(route.path)
        and (route.permission is None or route.permission in granted)
    )


def _is_file_download(path: str) -> bool:
    """Routes that answer with a file (CSV, XLSX, JSON download), not a page to check with axe."""
    return path.endswith("/download") or path.rsplit("/", 1)[-1].count(".") > 0


async def check_page(
    page: Page, url: str, watch: ConsoleWatch, *, expect_status: int = 200
) -> None:
    response = await page.goto(url)
    assert response is not None and response.status == expect_status, url
    if expect_status >= 400:  # Chromium logs the error page's own status; nothing else may fail
        expected = f"the server responded with a status of {expect_status}"
        watch.problems[:] = [problem for problem in watch.problems if expected not in problem]
    await check_current(page, watch)


async def check_current(page: Page, watch: ConsoleWatch) -> None:
    # The module script has run: GOV.UK Frontend started under our CSP.
    await page.wait_for_function(
        "() => document.body.classList.contains('govuk-frontend-supported')"
    )
    violations = await axe_violations(page)
    assert violations == [], f"{page.url}: {violations}"
    errors = await htmlcs_errors(page)
    assert errors == [], f"{page.url} (HTML_CodeSniffer): {errors}"
    overflow = await horizontal_overflow_at_phone_width(page)
    assert overflow <= 0, f"{page.url} is {overflow} px wider than a 375 px phone"
    assert watch.problems == [], f"{page.url}: {watch.problems}"
    assert await page.locator("h1").count() == 1, page.url


async def sign_in(page: Page, staff_web: StaffWeb, email: str) -> None:
    await page.goto(f"{staff_web.url}/sign-in")
    await page.get_by_label("Email address").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(lambda url: url.endswith(("/dashboard", "/operator")))  # operators have no dashboard


async def check_signed_out_pages(page: Page, staff_web: StaffWeb, watch: ConsoleWatch) -> None:
    """Sign-in (empty and with its error summary), the accessibility statement, a missing page."""
    await check_page(page, f"{staff_web.url}/sign-in", watch)
    await page.get_by_role("button", name="Sign in").click()  # empty form: the error summary
    await page.wait_for_selector(".govuk-error-summary")
    assert await page.title() == "Error: Sign in – Carerline – Kent County Council"
    assert await page.evaluate(
        "() => document.activeElement.closest('.govuk-error-summary') !== null"
    )
    await check_current(page, watch)
    await check_page(page, f"{staff_web.url}/accessibility", watch)
    await check_page(page, f"{staff_web.url}/no-such-page", watch, expect_status=404)


async def test_every_page_signed_out_and_for_each_role_passes_axe_html_codesniffer_and_a_phone_width(
    staff_web: StaffWeb, tmp_path: Path
) -> None:
    await staff_web.add_user(StaffRole.OFFICER, name="Another Officer")  # so lists have rows
    async with chromium() as browser:
        signed_out = await browser.new_page()
        signed_out_watch = ConsoleWatch()
        signed_out_watch.attach(signed_out)
        await check_signed_out_pages(signed_out, staff_web, signed_out_watch)
        # Pages differ by role: the navigation, the panels' links, what opens.
        for role in StaffRole:
            user = await staff_web.add_user(role)
            context = await browser.new_context(viewport={"width": 1280, "height": 900})
            page = await context.new_page()
            watch = ConsoleWatch()
            watch.attach(page)
            await sign_in(page, staff_web, user.email)
            cookie = next(c for c in await context.cookies() if c["name"] == "carerline_session")
            assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Lax"
            for path in pages_for(staff_web, role):
                await check_page(page, f"{staff_web.url}{path}", watch)
            if role is StaffRole.ADMIN:
                await check_admin_flows(page, staff_web, watch)
            if Permission.COMPOSE_BROADCASTS in permissions_for(role):
                await check_broadcast_flows(page, staff_web, watch)
            if Permission.MANAGE_ACCOUNTS not in permissions_for(role):
                await check_page(page, f"{staff_web.url}/accounts", watch, expect_status=403)
            if role is StaffRole.OFFICER:
                await check_casework_pages(page, staff_web, watch)
            home = "/operator" if role is StaffRole.OPERATOR else "/dashboard"
            await page.goto(f"{staff_web.url}{home}")
            screenshot = tmp_path / f"{home.strip('/')}-{role.value}.png"
            await page.screenshot(path=str(screenshot), full_page=True)
            if os.environ.get("CARERLINE_SCREENSHOT_DIR"):
                shutil.copy(
                    screenshot, Path(os.environ["CARERLINE_SCREENSHOT_DIR"]) / screenshot.name
                )
            await page.get_by_role("button", name="Sign out").click()
            await page.wait_for_url(f"{staff_web.url}/sign-in?left=1")
            await context.close()


async def check_admin_flows(page: Page, staff_web: StaffWeb, watch: ConsoleWatch) -> None:
    """Form errors, a token shown once, a filtered audit log: the states pages only reach by doing."""
    await check_page(page, f"{staff_web.url}/accounts/new", watch)
    await page.get_by_role("button", name="Add account").click()
    await page.wait_for_selector(".govuk-error-summary")
    await check_current(page, watch)
    await page.goto(f"{staff_web.url}/tokens/new")
    await page.get_by_label("Name").fill("Route planning")
    await page.get_by_label("Council officer").check()
    await page.get_by_role("button", name="Issue token").click()
    await page.wait_for_selector("#token-value")
    await check_current(page, watch)
    await check_page(page, f"{staff_web.url}/tokens", watch)
    await check_page(page, f"{staff_web.url}/audit?from=not-a-date", watch)
    assert await page.locator(".govuk-error-summary").count() == 1
    await check_page(page, f"{staff_web.url}/audit?action=sign_in.succeeded", watch)


async def check_broadcast_flows(page: Page, staff_web: StaffWeb, watch: ConsoleWatch) -> None:
    """The composer with an error, a broadcast's preview and its delivery report."""
    await check_page(page, f"{staff_web.url}/broadcasts/new", watch)
    await page.get_by_label("Title").fill("Snow days")
    await page.get_by_label("Everyone").check()
    await page.get_by_label("Message").fill("Hello {{ nobody }}")
    await page.get_by_role("button", name="Save and preview").click()
    await page.wait_for_selector(".govuk-error-summary")
    await check_current(page, watch)
    await page.get_by_label("Message").fill("Hello {{ carer_first_name }}, schools are open.")
    await page.get_by_role("button", name="Save and preview").click()
    await page.wait_for_selector("#recipient-count")
    await check_current(page, watch)
    await page.get_by_role("button", name="Send now").click()
    await page.wait_for_selector("#broadcast-report")
    await check_current(page, watch)


async def check_casework_pages(page: Page, staff_web: StaffWeb, watch: ConsoleWatch) -> None:
    """A problem report open (with the form and its error state) and resolved."""
    async with staff_web.database.transaction() as session:
        report = ProblemReport(
            reference="PR-2026-00001", category="transport_did_not_come", details="Nobody came", is_urgent=True,
            route_code="R12", reported_at=staff_web.clock(),
        )
        session.add(report)
        await session.flush()
        report_id = report.id
    await check_page(page, f"{staff_web.url}/casework/problems", watch)
    await check_page(page, f"{staff_web.url}/casework/problems/{report_id}", watch)
    await page.get_by_label("What was done (optional)").fill("x" * 401)
    await page.get_by_role("button", name="Mark resolved and tell the family").click()
    await page.wait_for_selector(".govuk-error-summary")
    watch.problems[:] = [problem for problem in watch.problems if "status of 422" not in problem]
    await check_current(page, watch)
    await page.get_by_label("What was done (optional)").fill("Sorted with the operator")
    await page.get_by_role("button", name="Mark resolved and tell the family").click()
    await page.wait_for_url(f"{staff_web.url}/casework/problems?notice=resolved")
    await check_current(page, watch)
    await check_page(page, f"{staff_web.url}/casework/problems/{report_id}", watch)
