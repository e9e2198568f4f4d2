"""POST /api/v1/transport/imports with carers' contact columns: stored once, a bad contact is a `line N` entry."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from sqlmodel import func, select

from db.models import FamilyContact
from db.models.staff import StaffRole
from tests.support.staff import StaffWeb

SAMPLE = (Path(__file__).resolve().parents[2] / "docs" / "samples" / "transport_export.csv").read_bytes()


async def _post(staff_web: StaffWeb, token: str, data: bytes) -> tuple[int, dict[str, object]]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
    async with aiohttp.ClientSession(staff_web.url) as http, http.post(
        "/api/v1/transport/imports", data=data, headers=headers
    ) as response:
        return response.status, await response.json()


async def _contact_count(staff_web: StaffWeb) -> int:
    async with staff_web.database.transaction() as session:
        return (await session.exec(select(func.count()).select_from(FamilyContact))).one()


async def test_contacts_import_once_and_a_bad_mobile_is_a_line_error(staff_web: StaffWeb) -> None:
    token = await staff_web.add_token(StaffRole.OFFICER, name="Route planning")
    status, first = await _post(staff_web, token, SAMPLE)
    assert status == 200 and first["created"]["contacts"] == 5  # type: ignore[index]
    status, again = await _post(staff_web, token, SAMPLE)
    assert status == 200 and again["created"] == {} and again["unchanged"]["contacts"] == 5  # type: ignore[index]
    broken = SAMPLE.replace(b"07700 900002", b"+48 601 234 567")
    status, refused = await _post(staff_web, token, broken)
    assert status == 422
    assert [(entry["field"], entry["message"]) for entry in refused["fields"]] == [  # type: ignore[attr-defined]
        ("line 2", "carer2_mobile: must be a UK mobile number (GOV.UK Notify texts only UK mobiles)")
    ]
    assert await _contact_count(staff_web) == 5
