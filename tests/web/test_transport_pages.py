"""Transport pages for officers and coordinators: upload with line-numbered errors, record a change, call list, codes."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Page
from sqlmodel import select

from db.models import Child
from db.models.staff import StaffRole
from messaging.quiet_hours import UK
from services.applications.stages import CouncilContact, record_application
from tests.support.browser import ConsoleWatch, chromium
from tests.support.factories import make_carer
from tests.support.staff import SettableClock, StaffClient, StaffWeb, running_staff_web
from tests.web.test_pages_browser import check_current, check_page, sign_in

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
SAMPLE = (SAMPLES / "transport_export.csv").read_bytes()
BROKEN = (
    b"council_reference,child_name,school_code,school_name,district,phase,route_code,operator_code,operator_name,"
    b"operator_phone,vehicle_type,stop_sequence,stop_name,pickup_from,pickup_to\n"
    b"KCC-900001,Zoe,SCH-NEW,New School,Dover,primary,,,,,,,,,\n"
    b"KCC-900002,Zoe Anne Smith,SCH-NEW,New School,Dover,primary,,,,,,,,,\n"
    b"KCC-900003,Max,SCH-NEW,New School,Dover,nursery,,,,,,,,,\n"
)


@pytest.fixture
async def staff_web(database_url: str, clock: SettableClock) -> AsyncIterator[StaffWeb]:
    """The staff side with a bot username, so codes come with their links."""
    async with running_staff_web(database_url=database_url, clock=clock, bot_username="CarerlineTestBot") as running:
        yield running


async def upload(client: StaffClient, path: str, data: bytes) -> aiohttp.ClientResponse:
    form = aiohttp.FormData()
    form.add_field("csrf_token", client.csrf_token or "")
    form.add_field("file", data, filename="export.csv", content_type="text/csv")
    response = await client.http.post(path, data=form, allow_redirects=False)
    await response.read()
    return response


async def test_an_officer_imports_records_a_change_and_works_the_call_list(
    staff_web: StaffWeb,
) -> None:
    officer, _ = await staff_web.signed_in(StaffRole.OFFICER)
    refused = await upload(officer, "/transport/import", BROKEN)
    page = await refused.text()
    assert refused.status == 422 and "govuk-error-summary" in page
    assert "Line 3: child_name" in page and "Line 4: phase" in page and "Line 2" not in page
    assert "New School" not in await (await officer.get("/transport")).text()
    imported = await upload(officer, "/transport/import", SAMPLE)
    assert imported.status == 200 and "Transport data imported" in await imported.text()
    overview = await (await officer.get("/transport")).text()
    assert "MA-101" in overview and "Oakwood Park School" in overview and "Sam" not in overview

    async with staff_web.database.transaction() as session:
        children = {
            child.council_reference: child for child in (await session.exec(select(Child))).all()
        }
        await make_carer(session, first_name="Amira", children=[children["KCC-100001"]])
        await record_application(
            session,
            reference="HTST-7",
            council_reference="KCC-100002",
            recorded_by="tests",
            now=staff_web.clock(),
            received_on=(staff_web.clock().astimezone(UK) - timedelta(days=45)).date(),
            contact=CouncilContact(phone="03000 41 00 00", hours="9am to 5pm"),
        )
    route_page = await (
        await officer.get(f"/transport/routes/{children['KCC-100001'].route_id}")
    ).text()
    assert "KCC-100001" in route_page and "Sam" in route_page

    missing = await officer.post_form(
        "/changes/new", {"route_code": "MA-101", "kind": "new_driver"}
    )
    assert missing.status == 422 and 'href="#effective_from"' in await missing.text()
    today = staff_web.clock().astimezone(UK).date()
    form = {
        "route_code": "MA-101",
        "kind": "cancelled_today",
        "effective_from-day": str(today.day),
        "effective_from-month": str(today.month),
        "effective_from-year": str(today.year),
        "reason": "The minibus broke down",
    }
    recorded = await officer.post_form("/changes/new", form)
    assert recorded.status == 303
    change_page = await (await officer.get(recorded.headers["Location"])).text()
    # Amira in Telegram, and the contacts the import brought: Anna and Piotr (texts), Emma (email), Ola's mum (text).
    assert "Change recorded" in change_page and "5 families will be told" in change_page
    assert 'id="channel-sms-waiting">3<' in change_page and 'id="channel-email-waiting">1<' in change_page
    assert 'id="children-affected">3<' in change_page

    bad_changes = b"kind,route_code,effective_from\nnew_driver,MA-101,2027-01-04\nteleport,MA-101,2027-01-04\n"
    refused_changes = await upload(officer, "/changes/import", bad_changes)
    assert refused_changes.status == 422 and "Line 3: kind" in await refused_changes.text()
    changes_file = (SAMPLES / "transport_changes.csv").read_bytes()
    uploaded_changes = await upload(officer, "/changes/import", changes_file)
    assert (
        uploaded_changes.status == 303
        and uploaded_changes.headers["Location"] == "/changes?imported=3"
    )
    listed = await (await officer.get(uploaded_changes.headers["Location"])).text()
    assert "3 new changes recorded" in listed and "CHG-2027-003" in listed

    call_list = await (await officer.get("/call-list")).text()
    # Ola's family holds only a mobile: their text is not sent yet, and the change is today.
    assert "KCC-100003" in call_list and "Not sent yet" in call_list and "text waiting to send" in call_list
    download = await officer.get("/call-list/download")
    rows = list(csv.DictReader(io.StringIO(await download.text())))
    assert download.content_type == "text/csv" and "KCC-100003" in {
        row["council_reference"] for row in rows
    }

    issued = await officer.post_form("/codes/child", {"council_reference": "KCC-100004"})
    issued_page = await issued.text()
    assert issued.status == 200 and "https://t.me/CarerlineTestBot?start=" in issued_page
    unknown = await officer.post_form("/codes/child", {"council_reference": "KCC-999999"})
    assert (
        unknown.status == 422
        and "There is no child with council reference KCC-999999" in await unknown.text()
    )
    batch = await officer.post_form("/codes/download")
    letters = list(csv.DictReader(io.StringIO(await batch.text())))
    assert batch.content_type == "text/csv" and "KCC-100004" not in {
        row["council_reference"] for row in letters
    }
    assert len(letters) == len(children) - 1
    assert "HTST-7" in await (await officer.get("/applications")).text()
    dashboard = await (await officer.get("/dashboard")).text()
    assert 'href="/applications"' in dashboard and 'href="/changes"' in dashboard

    coordinator, _ = await staff_web.signed_in(StaffRole.PACT_COORDINATOR)
    assert (await coordinator.get("/transport")).status == 200
    assert (await coordinator.get(recorded.headers["Location"].split("?")[0])).status == 200
    for path in (
        "/changes/new",
        "/codes",
        "/call-list",
        "/applications",
        f"/transport/routes/{children['KCC-100001'].route_id}",
    ):
        assert (await coordinator.get(path)).status == 403, path
    assert (await coordinator.post_form("/changes/new", form)).status == 403
    assert (
        await coordinator.post_form("/codes/child", {"council_reference": "KCC-100004"})
    ).status == 403


async def test_the_record_pages_pass_axe_in_chromium(staff_web: StaffWeb, tmp_path: Path) -> None:
    user = await staff_web.add_user(StaffRole.OFFICER)
    broken, sample = tmp_path / "broken.csv", tmp_path / "export.csv"
    broken.write_bytes(BROKEN)
    sample.write_bytes(SAMPLE)
    async with chromium() as browser:
        page = await browser.new_page()
        watch = ConsoleWatch()
        watch.attach(page)
        await sign_in(page, staff_web, user.email)
        await check_page(page, f"{staff_web.url}/transport/import", watch)
        await _submit_expecting_errors(
            page, watch, lambda: page.set_input_files("#file", str(broken)), "Upload and import"
        )
        await page.set_input_files("#file", str(sample))
        await page.get_by_role("button", name="Upload and import").click()
        await page.wait_for_selector("#import-counts")
        await check_current(page, watch)
        await check_page(page, f"{staff_web.url}/transport", watch)
        await page.get_by_role("link", name="MA-101").click()
        await page.wait_for_selector("h1:has-text('Route MA-101')")
        await check_current(page, watch)
        await check_page(page, f"{staff_web.url}/changes/new", watch)
        await page.get_by_label("Route", exact=True).select_option("MA-101")
        await page.get_by_label("New pick-up time").check()
        await _submit_expecting_errors(page, watch, None, "Record the change and tell families")
        today = staff_web.clock().astimezone(UK).date() + timedelta(days=7)
        await page.locator("#effective_from").fill(str(today.day))
        await page.locator("#effective_from-month").fill(str(today.month))
        await page.locator("#effective_from-year").fill(str(today.year))
        await page.get_by_label("What it will be (optional)").fill("7:55am")
        await page.get_by_role("button", name="Record the change and tell families").click()
        await page.wait_for_selector("#change-recorded")
        await check_current(page, watch)
        await check_page(page, f"{staff_web.url}/changes/import", watch)
        await page.set_input_files("#file", str(SAMPLES / "transport_changes.csv"))
        await page.get_by_role("button", name="Upload and record").click()
        await page.wait_for_selector("#imported-count")
        await check_current(page, watch)
        await check_page(page, f"{staff_web.url}/call-list", watch)
        await check_page(page, f"{staff_web.url}/codes", watch)
        await page.get_by_label("Child's council reference").fill("KCC-100001")
        await page.get_by_role("button", name="Issue a code").click()
        await page.wait_for_selector("#issued-codes")
        await check_current(page, watch)


async def _submit_expecting_errors(
    page: Page, watch: ConsoleWatch, prepare: object, button: str
) -> None:
    if prepare is not None:
        await prepare()  # type: ignore[operator]
    await page.get_by_role("button", name=button).click()
    await page.wait_for_selector(".govuk-error-summary")
    watch.problems[:] = [problem for problem in watch.problems if "status of 422" not in problem]
    await check_current(page, watch)
