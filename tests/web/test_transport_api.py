"""Transport data, changes, the call list, linking codes and applications over /api/v1, as a machine client uses them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlmodel import func, select

from db.models import AuditEvent, Child, School
from db.models.staff import StaffRole
from messaging.quiet_hours import UK
from tests.support.api_client import Api
from tests.support.staff import StaffWeb

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
BROKEN = (
    "council_reference,child_name,school_code,school_name,district,phase,route_code,operator_code,operator_name,"
    "operator_phone,vehicle_type,stop_sequence,stop_name,pickup_from,pickup_to\n"
    "KCC-900001,Zoe,SCH-NEW,New School,Dover,primary,,,,,,,,,\n"
    "KCC-900002,Zoe Anne Smith,SCH-NEW,New School,Dover,primary,,,,,,,,,\n"
    "KCC-900003,Max,SCH-NEW,New School,Dover,nursery,,,,,,,,,\n"
    f"KCC-900004,Max,SCH-LONG,{'Long ' * 50},Dover,primary,,,,,,,,,\n"
)
NOTICE_TIMEOUT_S = 20


@pytest.fixture
async def apis(staff_web: StaffWeb) -> AsyncIterator[dict[str, Api]]:
    made = {
        "officer": Api(
            staff_web.url, await staff_web.add_token(StaffRole.OFFICER, name="Route planning")
        ),
        "coordinator": Api(staff_web.url, await staff_web.add_token(StaffRole.PACT_COORDINATOR)),
        "anonymous": Api(staff_web.url, None),
    }
    await made["officer"].load_document()
    made["coordinator"].document = made["officer"].document
    yield made
    for api in made.values():
        await api.http.close()


async def test_import_is_idempotent_and_a_broken_file_gets_every_line_and_saves_nothing(
    staff_web: StaffWeb, apis: dict[str, Api]
) -> None:
    officer = apis["officer"]
    sample = (SAMPLES / "transport_export.csv").read_bytes()
    status, first = await officer.call(
        "POST", "/api/v1/transport/imports", data=sample, headers={"Content-Type": "text/csv"}
    )
    assert status == 200, first
    assert first["created"]["children"] == first["rows"] > 0 and first["codes"] == []
    form = aiohttp.FormData()
    form.add_field("file", sample, filename="export.csv", content_type="text/csv")
    status, again = await officer.call("POST", "/api/v1/transport/imports", data=form)
    assert status == 200 and again["created"] == {} and again["updated"] == {}
    assert again["unchanged"]["children"] == first["rows"]

    status, refused = await officer.call(
        "POST", "/api/v1/transport/imports", data=BROKEN, headers={"Content-Type": "text/csv"}
    )
    assert status == 422
    lines = {entry["field"]: entry["message"] for entry in refused["fields"]}
    assert set(lines) == {"line 3", "line 4", "line 5"}
    assert "first name or initials" in lines["line 3"] and "phase" in lines["line 4"]
    assert lines["line 5"] == "school_name: must be 200 characters or fewer"
    async with staff_web.database.transaction() as session:
        assert (
            await session.exec(
                select(func.count()).select_from(School).where(School.code == "SCH-NEW")
            )
        ).one() == 0

    for junk in (b"\xff\xfe not text", b"a,b\n1,2\n", b"council_reference\x00"):
        status, body = await officer.call(
            "POST", "/api/v1/transport/imports", data=junk, headers={"Content-Type": "text/csv"}
        )
        assert status == 422 and body["fields"][0]["field"] == "line 1", body
    status, _ = await officer.call("POST", "/api/v1/transport/imports", json={"file": "x"})
    assert status == 415

    status, schools = await officer.call("GET", "/api/v1/transport/schools")
    assert status == 200 and {school["code"] for school in schools["items"]} >= {
        "SCH-OAK",
        "SCH-BAY",
    }
    status, routes = await officer.call("GET", "/api/v1/transport/routes")
    route = next(item for item in routes["items"] if item["code"] == "MA-101")
    assert [stop["sequence"] for stop in route["stops"]] == [1, 2] and route["children"] == 3
    template = "/api/v1/transport/routes/{route_id}/children"
    status, on_route = await officer.call(
        "GET", template, path=f"/api/v1/transport/routes/{route['id']}/children"
    )
    assert status == 200 and {child["council_reference"] for child in on_route["children"]} == {
        "KCC-100001",
        "KCC-100002",
        "KCC-100003",
    }
    assert (
        await officer.call("GET", template, path="/api/v1/transport/routes/2147483000/children")
    )[0] == 404
    coordinator = apis["coordinator"]
    assert (
        await coordinator.call(
            "GET", template, path=f"/api/v1/transport/routes/{route['id']}/children"
        )
    )[0] == 403
    assert (await coordinator.call("GET", "/api/v1/transport/routes"))[0] == 200
    async with staff_web.database.transaction() as session:
        actions = set((await session.exec(select(AuditEvent.action))).all())
    assert {"transport.imported", "transport.route_children_viewed"} <= actions


async def test_changes_codes_and_applications_with_their_errors_and_denials(
    staff_web: StaffWeb, apis: dict[str, Api]
) -> None:
    officer, coordinator, anonymous = apis["officer"], apis["coordinator"], apis["anonymous"]
    sample = (SAMPLES / "transport_export.csv").read_bytes()
    assert (
        await officer.call(
            "POST", "/api/v1/transport/imports", data=sample, headers={"Content-Type": "text/csv"}
        )
    )[0] == 200

    change = {
        "kind": "new_pickup_time",
        "route_code": "MA-101",
        "effective_from": "2027-01-04",
        "old_value": "7:45am",
        "new_value": "7:55am",
        "reason": "New timetable",
        "reference": "API-1",
    }
    assert (await anonymous.call("POST", "/api/v1/transport/changes", json=change))[0] == 401
    assert (await coordinator.call("POST", "/api/v1/transport/changes", json=change))[0] == 403
    status, body = await officer.call(
        "POST", "/api/v1/transport/changes", json={**change, "route_code": "NOPE-1"}
    )
    assert status == 422 and body["fields"][0]["field"] == "route_code"
    status, body = await officer.call(
        "POST", "/api/v1/transport/changes", json={**change, "effective_from": "04/01/2027"}
    )
    assert status == 422 and body["fields"][0]["field"] == "effective_from"
    status, recorded = await officer.call("POST", "/api/v1/transport/changes", json=change)
    assert (
        status == 201
        and recorded["is_new"]
        and recorded["affected_children"] == 3
        and recorded["carers"] == 0
    )
    status, repeated = await officer.call("POST", "/api/v1/transport/changes", json=change)
    assert status == 201 and not repeated["is_new"] and repeated["id"] == recorded["id"]

    changes_file = (SAMPLES / "transport_changes.csv").read_bytes()
    status, imported = await officer.call(
        "POST",
        "/api/v1/transport/changes/import",
        data=changes_file,
        headers={"Content-Type": "text/csv"},
    )
    assert status == 200 and len(imported["items"]) == 3
    bad_changes = b"kind,route_code,effective_from\nnew_driver,MA-101,2027-01-04\nteleport,MA-101,2027-01-04\nnew_driver,NOPE,2027-01-05\n"
    status, refused = await officer.call(
        "POST",
        "/api/v1/transport/changes/import",
        data=bad_changes,
        headers={"Content-Type": "text/csv"},
    )
    assert status == 422 and [entry["field"] for entry in refused["fields"]] == ["line 3"]
    status, listed = await coordinator.call("GET", "/api/v1/transport/changes")
    assert status == 200 and len(listed["items"]) == 4
    status, one = await coordinator.call(
        "GET",
        "/api/v1/transport/changes/{change_id}",
        path=f"/api/v1/transport/changes/{recorded['id']}",
    )
    # No carer in Telegram: the import's contacts are told, Anna and Piotr by text, Emma by email, Ola's mum by text.
    assert status == 200 and one["figures"]["children"] == 3 and one["figures"]["families"] == 4
    by_channel = {row["channel"]: row for row in one["channels"]}
    assert (by_channel["sms"]["waiting"], by_channel["email"]["waiting"], by_channel["telegram"]["sent"]) == (3, 1, 0)
    assert (
        await coordinator.call(
            "GET",
            "/api/v1/transport/changes/{change_id}",
            path="/api/v1/transport/changes/2147483000",
        )
    )[0] == 404

    async with staff_web.database.transaction() as session:
        child = (
            await session.exec(select(Child).where(Child.council_reference == "KCC-100001"))
        ).one()
    code_path = f"/api/v1/transport/children/{child.id}/linking-code"
    template = "/api/v1/transport/children/{child_id}/linking-code"
    assert (await coordinator.call("POST", template, path=code_path))[0] == 403
    status, code = await officer.call("POST", template, path=code_path)
    assert status == 201 and len(code["code"]) == 12 and code["council_reference"] == "KCC-100001"
    assert (
        await officer.call(
            "POST", template, path="/api/v1/transport/children/2147483000/linking-code"
        )
    )[0] == 404
    status, batch = await officer.call("POST", "/api/v1/transport/linking-codes/batch")
    assert (
        status == 201
        and "KCC-100001" not in {item["council_reference"] for item in batch["items"]}
        and len(batch["items"]) == 4
    )
    assert (await officer.call("POST", "/api/v1/transport/linking-codes/batch"))[1]["items"] == []

    received = (staff_web.clock().astimezone(UK) - timedelta(days=60)).date().isoformat()
    application = {
        "reference": "HTST-1",
        "council_reference": "KCC-100002",
        "received_on": received,
    }
    assert (await coordinator.call("POST", "/api/v1/applications", json=application))[0] == 403
    status, body = await officer.call(
        "POST", "/api/v1/applications", json={**application, "council_reference": "KCC-999999"}
    )
    assert status == 422 and body["fields"][0]["field"] == "council_reference"
    status, body = await officer.call("POST", "/api/v1/applications", json=application)
    assert status == 201 and body["stage"] == "received"
    status, overdue = await officer.call("GET", "/api/v1/applications/overdue")
    assert status == 200 and [item["reference"] for item in overdue["items"]] == ["HTST-1"]
    stage_template = "/api/v1/applications/{reference}/stage"
    status, body = await officer.call(
        "POST", stage_template, path="/api/v1/applications/HTST-1/stage", json={"stage": "arranged"}
    )
    assert status == 200 and body["is_changed"] and body["stage"] == "arranged"
    assert (
        await officer.call(
            "POST",
            stage_template,
            path="/api/v1/applications/HTST-9/stage",
            json={"stage": "arranged"},
        )
    )[0] == 404
    assert (await officer.call("GET", "/api/v1/applications/overdue"))[1]["items"] == []
    async with staff_web.database.transaction() as session:
        actions = set((await session.exec(select(AuditEvent.action))).all())
    assert {
        "transport_change.recorded",
        "linking_code.issued",
        "linking_code.batch_issued",
        "application.recorded",
        "application.stage_changed",
        "applications.overdue_viewed",
    } <= actions
