"""The operator's phone page and the officers' review pages, driven as a browser would (forms, CSRF, redirects)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from db.models import AuditEvent, TransportChange
from db.models.transport import OperatorDisruption
from db.models.staff import StaffRole, StaffUser
from messaging.quiet_hours import UK
from tests.support.operators import OperatorWorld, make_operator_world, operator_user, outbox_rows
from tests.support.staff import StaffClient, StaffWeb


@pytest.fixture
async def world(staff_web: StaffWeb) -> OperatorWorld:
    return await make_operator_world(staff_web.database)


async def signed_in_operator(staff_web: StaffWeb, *, operator_id: int, email: str) -> StaffClient:
    await operator_user(staff_web.database, operator_id=operator_id, email=email)
    client = staff_web.client()
    response = await client.sign_in(email)
    assert response.status == 303 and response.headers["Location"] == "/operator"
    return client


async def reports(staff_web: StaffWeb) -> list[OperatorDisruption]:
    async with staff_web.database.transaction() as session:
        return list((await session.exec(select(OperatorDisruption).order_by(col(OperatorDisruption.id)))).all())


async def test_the_operator_page_shows_only_its_routes_first_names_and_pick_up_windows(
    staff_web: StaffWeb, world: OperatorWorld
) -> None:
    client = await signed_in_operator(staff_web, operator_id=world.operator_a, email="olu@gardencars.test")
    page = await client.get("/operator")
    text = await page.text()
    assert page.status == 200 and "Report disruption" in text and 'name="viewport"' in text
    assert "OPA-1" in text and "OPB-1" not in text and "07:35 to 07:45" in text
    for secret in [child.council_reference for child in world.children_a] + ["Alex", "Ania", "Kit"]:
        assert secret not in text
    assert (await client.get("/")).headers["Location"] == "/operator"
    for officer_page in ("/dashboard", "/transport", "/casework/problems", "/casework/complaints", "/disruptions", "/operators"):
        assert (await client.get(officer_page)).status == 403, officer_page


@pytest.mark.parametrize(
    ("form", "status", "told"),
    [
        ({"kind": "running_late", "minutes_late": "25"}, "families_told", 2),
        ({"kind": "vehicle_breakdown"}, "families_told", 2),
        ({"kind": "staff_changed", "staff_changed": "driver", "new_staff_first_name": "Piotr"}, "families_told", 2),
        ({"kind": "run_cancelled"}, "awaiting_officer", 0),
        ({"kind": "cannot_run_from", "from_date-day": "FROM_DAY", "from_date-month": "FROM_MONTH", "from_date-year": "FROM_YEAR"}, "awaiting_officer", 0),
    ],
)
async def test_each_kind_of_report_through_the_page(
    staff_web: StaffWeb, world: OperatorWorld, form: dict[str, str], status: str, told: int
) -> None:
    client = await signed_in_operator(staff_web, operator_id=world.operator_a, email="olu@gardencars.test")
    later = staff_web.clock.now.astimezone(UK).date() + timedelta(days=30)
    filled = {
        key: value.replace("FROM_DAY", str(later.day)).replace("FROM_MONTH", str(later.month)).replace("FROM_YEAR", str(later.year))
        for key, value in form.items()
    }
    response = await client.post_form("/operator/disruptions", {"route_id": str(world.route_a.id), "run": "morning", **filled})
    assert response.status == 303, await response.text()
    [saved] = await reports(staff_web)
    assert saved.status == status and saved.carers_told == told and saved.kind == form["kind"]
    page = await client.get(response.headers["Location"])
    assert saved.reference in await page.text()
    assert len(await outbox_rows(staff_web.database)) == told


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"kind": "running_late"}, "minutes_late", "Enter how many minutes late"),
        ({"kind": "running_late", "minutes_late": "soon"}, "minutes_late", "Enter the minutes as a number"),
        ({"kind": "staff_changed", "staff_changed": "driver"}, "new_staff_first_name", "Enter the first name"),
        ({"kind": "cannot_run_from", "from_date-day": "31", "from_date-month": "2", "from_date-year": "2030"}, "from_date", "Enter a real date"),
        ({}, "kind", "Choose what has happened"),
    ],
)
async def test_a_bad_report_on_the_page_names_the_field_and_keeps_what_was_typed(
    staff_web: StaffWeb, world: OperatorWorld, form: dict[str, str], field: str, message: str
) -> None:
    client = await signed_in_operator(staff_web, operator_id=world.operator_a, email="olu@gardencars.test")
    response = await client.post_form("/operator/disruptions", {"route_id": str(world.route_a.id), "note": "Kept", **form})
    text = await response.text()
    assert response.status == 422 and "There is a problem" in text
    assert f'href="#{field}"' in text and message in text and 'value="Kept"' in text
    assert await reports(staff_web) == []


async def test_resolving_withdrawing_and_correcting_on_the_page_and_never_another_operators_report(
    staff_web: StaffWeb, world: OperatorWorld
) -> None:
    client = await signed_in_operator(staff_web, operator_id=world.operator_a, email="olu@gardencars.test")
    other = await signed_in_operator(staff_web, operator_id=world.operator_b, email="ben@weald.test")
    await client.post_form("/operator/disruptions", {"route_id": str(world.route_a.id), "kind": "running_late", "minutes_late": "10"})
    [late] = await reports(staff_web)
    for step in ("withdraw", "resolve", "correct"):
        assert (await other.post_form(f"/operator/disruptions/{late.id}/{step}", {"minutes_late": "5"})).status == 403
    assert (await other.post_form("/operator/disruptions", {"route_id": str(world.route_a.id), "kind": "vehicle_breakdown"})).status == 403
    corrected = await client.post_form(f"/operator/disruptions/{late.id}/correct", {"minutes_late": "30"})
    assert corrected.status == 303
    resolved = await client.post_form(f"/operator/disruptions/{late.id}/resolve", {"resolution": "arrived"})
    assert resolved.status == 303
    purposes = [row.purpose for row in await outbox_rows(staff_web.database)]
    assert purposes.count("disruption_reported") == purposes.count("disruption_corrected") == purposes.count("disruption_resolved") == 2
    staff_web.clock.advance(timedelta(minutes=11))
    too_late = await client.post_form(f"/operator/disruptions/{late.id}/withdraw")
    assert too_late.status == 409 and "within 10 minutes" in await too_late.text()


async def test_an_officer_edits_and_confirms_a_draft_on_the_page_and_families_get_the_change(
    staff_web: StaffWeb, world: OperatorWorld
) -> None:
    client = await signed_in_operator(staff_web, operator_id=world.operator_a, email="olu@gardencars.test")
    later = staff_web.clock.now.astimezone(UK).date() + timedelta(days=10)
    await client.post_form("/operator/disruptions", {
        "route_id": str(world.route_a.id), "kind": "cannot_run_from",
        "from_date-day": str(later.day), "from_date-month": str(later.month), "from_date-year": str(later.year),
    })
    [handed_back] = await reports(staff_web)
    officer, _ = await staff_web.signed_in(StaffRole.OFFICER)
    listed = await officer.get("/disruptions")
    assert "Needs your decision" in await listed.text()
    page = await officer.get(f"/disruptions/{handed_back.id}")
    assert page.status == 200 and "Confirm and tell families" in await page.text()
    missing = await officer.post_form(f"/disruptions/{handed_back.id}/confirm", {"kind": "new_operator"})
    assert missing.status == 422 and "new operator" in (await missing.text()).lower()
    assert await outbox_rows(staff_web.database, source_type="transport_change") == []
    confirmed = await officer.post_form(
        f"/disruptions/{handed_back.id}/confirm", {"kind": "new_operator", "new_value": "Swale Community Transport"}
    )
    assert confirmed.status == 303
    async with staff_web.database.transaction() as session:
        change = (await session.exec(select(TransportChange))).one()
    assert change.new_value == "Swale Community Transport" and change.effective_from == later
    assert len(await outbox_rows(staff_web.database, source_type="transport_change")) == 2
    assert (await officer.post_form(f"/disruptions/{handed_back.id}/reject", {"reject_reason": "x"})).status == 409


async def test_officers_add_operator_accounts_on_the_staff_side_and_it_is_audited(
    staff_web: StaffWeb, world: OperatorWorld
) -> None:
    officer, user = await staff_web.signed_in(StaffRole.OFFICER)
    page = await officer.get("/operators")
    assert page.status == 200 and "Garden Cars" in await page.text()
    added = await officer.post_form(
        f"/operators/{world.operator_a}/accounts",
        {"email": "new@gardencars.test", "display_name": "Nia", "password": "a long and memorable passphrase"},
    )
    assert added.status == 303
    token = await officer.post_form(f"/operators/{world.operator_b}/tokens", {"name": "Weald dispatch"})
    assert token.status == 201 and "cl_" in await token.text()
    short = await officer.post_form(f"/operators/{world.operator_a}/accounts", {"email": "x@y.test", "display_name": "X", "password": "short"})
    assert short.status == 422
    coordinator, _ = await staff_web.signed_in(StaffRole.PACT_COORDINATOR)
    assert (await coordinator.get("/operators")).status == 403
    async with staff_web.database.transaction() as session:
        account = (await session.exec(select(StaffUser).where(StaffUser.email == "new@gardencars.test"))).one()
        events = (await session.exec(select(AuditEvent).where(AuditEvent.actor_id == user.id))).all()
    assert account.role == "operator" and account.operator_id == world.operator_a
    assert {"account.created", "token.created"} <= {event.action for event in events}
