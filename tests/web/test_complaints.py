"""Complaints on the staff side: the JSON API's answers and refusals, audited downloads, and the
complaint page in a real browser with axe-core (open, with a form error, and answered)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models.casework import Complaint, ComplaintStatus
from db.models.staff import AuditEvent, StaffRole
from services.casework.attachments import add_complaint_attachment
from services.complaints.timetable import ComplaintSubject
from services.complaints.workflow import ComplaintReceipt, submit_complaint
from tests.support.browser import ConsoleWatch, chromium
from tests.support.casework import pdf_bytes, png_bytes
from tests.support.factories import make_family
from tests.support.staff import SettableClock, StaffWeb, running_staff_web
from tests.web.test_pages_browser import check_current, check_page, sign_in
from services.carers.channel_plans import CouncilContact


@pytest.fixture
async def complaints_web(database_url: str, clock: SettableClock, tmp_path: Path) -> AsyncIterator[StaffWeb]:
    """The staff side with its own attachments folder."""
    async with running_staff_web(database_url=database_url, clock=clock, attachments_dir=tmp_path / "attachments") as running:
        yield running


async def open_complaint(staff_web: StaffWeb, *, description: str = "The bus left early <again> & Sam was alone") -> tuple[ComplaintReceipt, list[int]]:
    """A family's complaint with a photo and a PDF, as the bot would make it."""
    async with staff_web.database.transaction() as session:
        carer, child = await make_family(session)
        assert carer.id is not None and child.id is not None
        receipt = await submit_complaint(
            session, carer_id=carer.id, child_id=child.id, subject=ComplaintSubject.SERVICE_DELIVERY,
            description=description, now=staff_web.clock(), council=CouncilContact(phone="03000 41 00 00", hours="8:30am to 5pm"),
        )
        assert isinstance(receipt, ComplaintReceipt)
        ids = []
        for content, name in ((png_bytes(), "bus.png"), (pdf_bytes(), "letter.pdf")):
            attachment = await add_complaint_attachment(
                session, complaint_id=receipt.complaint_id, carer_id=carer.id, content=content, original_name=name,
                attachments_dir=staff_web.settings.attachments_dir, max_bytes=staff_web.settings.attachment_max_bytes, now=staff_web.clock(),
            )
            ids.append(attachment.id or 0)
    return receipt, ids


async def seed_complaints(session: AsyncSession, *, now: datetime, attachments_dir: Path) -> Path:
    """Complaints in every open state and one photo, for API runs that need records; the photo's path."""
    carer, child = await make_family(session)
    assert carer.id is not None
    for number in range(1, 9):
        is_acknowledged = number % 2 == 0
        session.add(
            Complaint(
                reference=f"HTST-2026-{number:05d}", carer_id=carer.id, child_id=child.id, category="service_delivery",
                description="The bus was late", stage=1,
                status=ComplaintStatus.AWAITING_RESPONSE if is_acknowledged else ComplaintStatus.AWAITING_ACKNOWLEDGEMENT,
                stage1_received_at=now, stage1_acknowledged_at=now if is_acknowledged else None,
            )
        )
    await session.flush()
    attachment = await add_complaint_attachment(
        session, complaint_id=1, carer_id=carer.id, content=png_bytes(), original_name="bus.png",
        attachments_dir=attachments_dir, max_bytes=1024 * 1024, now=now,
    )
    return attachments_dir / attachment.stored_name


async def test_the_api_lists_reads_steps_and_refuses_as_documented(complaints_web: StaffWeb) -> None:
    staff_web = complaints_web
    receipt, attachment_ids = await open_complaint(staff_web)
    other, _ = await open_complaint(staff_web)
    token = await staff_web.add_token(StaffRole.OFFICER)
    http = staff_web.client().http
    bearer = {"Authorization": f"Bearer {token}"}
    base = f"/api/v1/complaints/{receipt.complaint_id}"

    assert (await http.get("/api/v1/complaints")).status == 401
    coordinator = await staff_web.add_token(StaffRole.PACT_COORDINATOR)
    assert (await http.get("/api/v1/complaints", headers={"Authorization": f"Bearer {coordinator}"})).status == 403
    listed = await (await http.get("/api/v1/complaints", headers=bearer)).json()
    assert [item["reference"] for item in listed["items"]] == sorted([receipt.reference, other.reference])
    assert listed["items"][0]["deadline"]["step"] == "respond"
    assert (await (await http.get("/api/v1/complaints?due=overdue", headers=bearer)).json())["items"] == []
    assert (await http.get("/api/v1/complaints?status=nonsense", headers=bearer)).status == 422
    assert (await http.get("/api/v1/complaints/999999", headers=bearer)).status == 404

    one = await (await http.get(base, headers=bearer)).json()
    assert one["description"] == "The bus left early <again> & Sam was alone"
    assert [item["id"] for item in one["attachments"]] == attachment_ids
    download = await http.get(one["attachments"][1]["download_path"], headers=bearer)
    assert download.status == 200 and download.content_type == "application/pdf" and (await download.read()) == pdf_bytes()
    wrong = await http.get(f"/api/v1/complaints/{other.complaint_id}/attachments/{attachment_ids[0]}/download", headers=bearer)
    assert wrong.status == 404

    too_long = await http.post(f"{base}/extend", json={"working_days": 11, "reason": "x"}, headers=bearer)
    assert too_long.status == 422 and (await too_long.json())["fields"][0]["field"] == "working_days"
    assert (await http.post(f"{base}/acknowledge", headers=bearer)).status == 409  # the bot acknowledged it at once
    extended = await http.post(f"{base}/extend", json={"working_days": 5, "reason": "Waiting for the operator"}, headers=bearer)
    assert extended.status == 200 and (await extended.json())["stages"][0]["extension_reason"] == "Waiting for the operator"
    again = await http.post(f"{base}/extend", json={"working_days": 5, "reason": "More"}, headers=bearer)
    assert again.status == 422 and "only once" in (await again.json())["message"]
    still_open = await http.post(f"{base}/close", json={}, headers=bearer)
    assert still_open.status == 422 and (await still_open.json())["fields"][0]["field"] == "note"
    answered = await http.post(f"{base}/respond", json={"response": "Sorry: fixed.", "outcome": "upheld"}, headers=bearer)
    assert answered.status == 200 and (await answered.json())["complaint"]["status"] == "responded"
    closed = await http.post(f"{base}/close", json={}, headers=bearer)
    assert closed.status == 200 and (await closed.json())["complaint"]["status"] == "closed"
    assert (await http.post(f"{base}/close", json={}, headers=bearer)).status == 409
    listed = await (await http.get("/api/v1/complaints?status=closed", headers=bearer)).json()
    assert [item["reference"] for item in listed["items"]] == [receipt.reference]

    async with staff_web.database.transaction() as session:
        actions = {event.action for event in (await session.exec(select(AuditEvent))).all()}
    assert {"complaint.list", "complaint.view", "complaint.attachment.download", "complaint.extend", "complaint.respond", "complaint.close"} <= actions


async def test_a_complaint_page_passes_axe_open_with_an_error_and_answered(complaints_web: StaffWeb) -> None:
    staff_web = complaints_web
    receipt, _ = await open_complaint(staff_web)
    staff_web.clock.advance(timedelta(days=21))  # past 10 working days: the overdue tag shows
    coordinator, _ = await staff_web.signed_in(StaffRole.PACT_COORDINATOR)
    assert (await coordinator.get(f"/casework/complaints/{receipt.complaint_id}")).status == 403
    officer = await staff_web.add_user(StaffRole.OFFICER)
    async with chromium() as browser:
        page = await browser.new_page()
        watch = ConsoleWatch()
        watch.attach(page)
        await sign_in(page, staff_web, officer.email)
        await check_page(page, f"{staff_web.url}/casework/complaints", watch)
        assert await page.get_by_text("Overdue").count() == 1
        await check_page(page, f"{staff_web.url}/casework/complaints/{receipt.complaint_id}", watch)
        await page.get_by_role("button", name="Send answer to the family").click()
        await page.wait_for_selector(".govuk-error-summary")
        watch.problems[:] = [problem for problem in watch.problems if "status of 422" not in problem]
        await check_current(page, watch)
        await page.get_by_label("Answer to the family").fill("We have spoken to the operator.")
        await page.get_by_label("Not upheld").check()
        await page.get_by_role("button", name="Send answer to the family").click()
        await page.wait_for_url(f"{staff_web.url}/casework/complaints/{receipt.complaint_id}?notice=responded")
        await check_current(page, watch)
