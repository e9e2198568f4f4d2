"""Case keys through the doors: the API's pseudonymised complaint pages carry them, and without the secret
the API answers 503 naming the setting (the staff pages and the CLI read the same setting)."""

from __future__ import annotations

import re

import aiohttp
from sqlmodel import select

from db.models.casework import Complaint, ComplaintStatus
from db.models.staff import AuditEvent, StaffRole
from tests.support.factories import make_family
from tests.support.staff import SettableClock, StaffWeb, running_staff_web

SECRET = "api-test-case-key-secret-0123456789-abcdef"


async def _one_complaint(staff_web: StaffWeb) -> str:
    async with staff_web.database.transaction() as session:
        carer, child = await make_family(session, carer_name="Bernadette", child_name="Tobias")
        complaint = Complaint(reference="HTST-2026-00042", carer_id=carer.id, child_id=child.id, category="service_delivery",
                              description="Tobias was left behind", status=ComplaintStatus.AWAITING_RESPONSE,
                              stage1_received_at=staff_web.clock())
        session.add(complaint)
    return complaint.reference


async def _api(staff_web: StaffWeb, role: StaffRole) -> aiohttp.ClientSession:
    token = await staff_web.add_token(role)
    return aiohttp.ClientSession(f"{staff_web.url}/api/v1/", headers={"Authorization": f"Bearer {token}"})


async def test_the_api_pages_pseudonymised_complaints_by_case_key(database_url: str, clock: SettableClock) -> None:
    async with running_staff_web(database_url=database_url, clock=clock, case_key_secret=SECRET) as staff_web:
        reference = await _one_complaint(staff_web)
        async with await _api(staff_web, StaffRole.PACT_COORDINATOR) as api:
            page = await (await api.get("exports/complaints")).json()
            again = await (await api.get("exports/complaints")).json()
        async with await _api(staff_web, StaffRole.OFFICER) as api:
            identifying = await (await api.get("exports/complaints", params={"identifying": "true"})).json()
    [item] = page["items"]
    assert page["columns"][0] == "case_key" and "reference" not in page["columns"] and "id" not in page["columns"]
    assert re.fullmatch(r"K-[0-9A-F]{16}", item["case_key"]) and reference not in str(page)
    assert again["items"][0]["case_key"] == item["case_key"]
    assert identifying["items"][0]["reference"] == reference and "case_key" not in identifying["columns"]


async def test_without_the_secret_the_api_answers_503_and_exports_nothing(database_url: str, clock: SettableClock) -> None:
    async with running_staff_web(database_url=database_url, clock=clock, case_key_secret=None) as staff_web:
        await _one_complaint(staff_web)
        async with await _api(staff_web, StaffRole.PACT_COORDINATOR) as api:
            refused = await api.get("exports/problems")
            body = await refused.text()
            feedback = await api.get("exports/feedback")
        async with staff_web.database.transaction() as session:
            actions = (await session.exec(select(AuditEvent.action).where(AuditEvent.action.startswith("export.")))).all()  # type: ignore[attr-defined]
    assert refused.status == 503 and "CARERLINE_CASE_KEY_SECRET" in body
    assert feedback.status == 200
    assert list(actions) == ["export.pseudonymised"]  # only the feedback: the refused export wrote no audit row
