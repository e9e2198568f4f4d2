"""Operators over /api/v1/operator: their own routes only, each kind of report, corrections, floods and drafts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import col, select

from db.models import AuditEvent, ChangeNotice, TransportChange
from db.models.staff import StaffRole
from messaging.quiet_hours import UK
from tests.support.operators import OperatorWorld, make_operator_world, operator_token, outbox_rows
from tests.support.staff import StaffWeb
from tests.support.api_client import Api

REPORTS = "/api/v1/operator/disruptions"


@pytest.fixture
async def world(staff_web: StaffWeb) -> OperatorWorld:
    return await make_operator_world(staff_web.database)


@pytest.fixture
async def apis(staff_web: StaffWeb, world: OperatorWorld) -> AsyncIterator[dict[str, Api]]:
    made = {
        "a": Api(staff_web.url, await operator_token(staff_web.database, operator_id=world.operator_a)),
        "b": Api(staff_web.url, await operator_token(staff_web.database, operator_id=world.operator_b)),
        "officer": Api(staff_web.url, await staff_web.add_token(StaffRole.OFFICER)),
        "admin": Api(staff_web.url, await staff_web.add_token(StaffRole.ADMIN)),
        "coordinator": Api(staff_web.url, await staff_web.add_token(StaffRole.PACT_COORDINATOR)),
    }
    await made["officer"].load_document()
    for api in made.values():
        api.document = made["officer"].document
    yield made
    for api in made.values():
        await api.http.close()


async def report(api: Api, **body: object) -> tuple[int, dict]:
    return await api.call("POST", REPORTS, json=body)


async def test_an_operator_sees_only_its_routes_with_first_names_and_pick_up_windows(
    apis: dict[str, Api], world: OperatorWorld
) -> None:
    status, body = await apis["a"].call("GET", "/api/v1/operator/routes")
    assert status == 200 and body["name"] == "Garden Cars"
    assert [route["code"] for route in body["routes"]] == ["OPA-1"]
    names = sorted(name for stop in body["routes"][0]["stops"] for name in stop["first_names"])
    assert names == [] or names == ["Ola", "Sam"]
    assert body["routes"][0]["stops"][0]["pickup_from"] == "07:35"
    text = str(body)
    for secret in [child.council_reference for child in world.children_a] + ["Alex", "Ania", "Kit", "OPB-1"]:
        assert secret not in text


async def test_another_operators_route_and_report_and_every_officer_route_answer_403(
    apis: dict[str, Api], world: OperatorWorld
) -> None:
    status, body = await report(apis["a"], route_id=world.route_b.id, kind="running_late", minutes_late=10)
    assert status == 403, body
    status, theirs = await report(apis["b"], route_id=world.route_b.id, kind="running_late", minutes_late=10)
    assert status == 201
    path = f"{REPORTS}/{theirs['id']}"
    assert (await apis["a"].call("GET", REPORTS + "/{disruption_id}", path=path))[0] == 403
    for step, body in (("withdraw", None), ("resolve", {"resolution": "arrived"}), ("correct", {"minutes_late": 5})):
        assert (await apis["a"].call("POST", REPORTS + "/{disruption_id}/" + step, path=f"{path}/{step}", json=body))[0] == 403
    for method, template in (
        ("GET", "/api/v1/disruptions"),
        ("GET", "/api/v1/transport/routes"),
        ("GET", "/api/v1/problem-reports"),
        ("GET", "/api/v1/users"),
        ("GET", "/api/v1/operators"),
    ):
        assert (await apis["a"].call(method, template))[0] == 403, template
    for name in ("officer", "admin", "coordinator"):
        assert (await report(apis[name], route_id=world.route_a.id, kind="running_late", minutes_late=5))[0] == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "running_late"}, "minutes_late"),
        ({"kind": "running_late", "minutes_late": 0}, "minutes_late"),
        ({"kind": "running_late", "minutes_late": 500}, "minutes_late"),
        ({"kind": "vehicle_breakdown", "minutes_late": 10}, "minutes_late"),
        ({"kind": "staff_changed", "new_staff_first_name": "Jo"}, "staff_changed"),
        ({"kind": "staff_changed", "staff_changed": "driver"}, "new_staff_first_name"),
        ({"kind": "staff_changed", "staff_changed": "driver", "new_staff_first_name": "R2D2"}, "new_staff_first_name"),
        ({"kind": "cannot_run_from"}, "from_date"),
        ({"kind": "cannot_run_from", "from_date": "2001-01-01"}, "from_date"),
        ({"kind": "run_cancelled", "from_date": "2031-01-01"}, "from_date"),
        ({"kind": "running_late", "minutes_late": 5, "run_date": "2001-01-01"}, "run_date"),
        ({"kind": "sinking"}, "kind"),
        ({"kind": "run_cancelled", "run": "evening"}, "run"),
        ({"kind": "run_cancelled", "note": "x" * 301}, "note"),
        ({"kind": "run_cancelled", "surprise": 1}, "surprise"),
    ],
)
async def test_bad_reports_get_422_naming_the_field(
    apis: dict[str, Api], world: OperatorWorld, body: dict, field: str
) -> None:
    status, answer = await report(apis["a"], route_id=world.route_a.id, **body)
    assert status == 422, answer
    assert [entry["field"] for entry in answer["fields"]] == [field]


async def test_running_late_breakdown_and_staff_changes_go_to_every_linked_carer_on_the_route_once(
    apis: dict[str, Api], world: OperatorWorld, staff_web: StaffWeb
) -> None:
    status, late = await report(apis["a"], route_id=world.route_a.id, kind="running_late", minutes_late=20, run="morning")
    assert status == 201 and late["status"] == "families_told" and late["carers_told"] == 2
    assert late["families_told_at"] and late["may_correct_or_withdraw"]
    status, breakdown = await report(apis["a"], route_id=world.route_a.id, kind="vehicle_breakdown", run="morning")
    assert status == 201 and breakdown["carers_told"] == 2
    status, staff = await report(
        apis["a"], route_id=world.route_a.id, kind="staff_changed", staff_changed="passenger_assistant",
        new_staff_first_name="Marta", run="afternoon",
    )
    assert status == 201 and staff["carers_told"] == 2
    rows = await outbox_rows(staff_web.database)
    assert len(rows) == 6 and {row.priority for row in rows} == {0} and all(row.is_urgent for row in rows)
    english = [row.text or "" for row in rows if row.chat_id == 81_001]
    polish = [row.text or "" for row in rows if row.chat_id == 81_002]
    assert "about 20 minutes late" in english[0] and "Sam" in english[0] and "We'll tell you when it's resolved." in english[0]
    assert "około 20 minut" in polish[0] and "Ola" in polish[0] and "Damy Ci znać" in polish[0]
    assert "Marta" in english[2] and "passenger assistant" in english[2]
    assert not any(row.chat_id == 81_003 for row in rows)


async def test_a_flood_of_reports_on_one_route_and_run_collapses_into_one_notice(
    apis: dict[str, Api], world: OperatorWorld, staff_web: StaffWeb
) -> None:
    answers = [
        await report(apis["a"], route_id=world.route_a.id, kind="running_late", minutes_late=15 + n, run="morning")
        for n in range(6)
    ]
    assert [status for status, _ in answers] == [201] * 6
    first = answers[0][1]
    assert all(body["status"] == "collapsed" and body["collapsed_into_id"] == first["id"] for _, body in answers[1:])
    assert len(await outbox_rows(staff_web.database)) == 2
    status, resolved = await apis["a"].call(
        "POST", REPORTS + "/{disruption_id}/resolve", path=f"{REPORTS}/{answers[3][1]['id']}/resolve",
        json={"resolution": "back_on_time"},
    )
    assert status == 200 and resolved["id"] == first["id"] and resolved["status"] == "resolved"
    rows = await outbox_rows(staff_web.database)
    assert len(rows) == 4 and "Back on time" in (rows[-2].text or "") + (rows[-1].text or "")
    again = await apis["a"].call("POST", REPORTS + "/{disruption_id}/resolve", path=f"{REPORTS}/{first['id']}/resolve", json={"resolution": "arrived"})
    assert again[0] == 409 and len(await outbox_rows(staff_web.database)) == 4


async def test_a_correction_within_10_minutes_reaches_families_once_and_later_is_refused(
    apis: dict[str, Api], world: OperatorWorld, staff_web: StaffWeb
) -> None:
    status, late = await report(apis["a"], route_id=world.route_a.id, kind="running_late", minutes_late=20)
    path = f"{REPORTS}/{late['id']}"
    staff_web.clock.advance(timedelta(minutes=4))
    status, corrected = await apis["a"].call("POST", REPORTS + "/{disruption_id}/correct", path=f"{path}/correct", json={"minutes_late": 45})
    assert status == 200 and corrected["minutes_late"] == 45 and corrected["corrected_at"]
    rows = await outbox_rows(staff_web.database)
    assert [row.purpose for row in rows].count("disruption_corrected") == 2
    fixed = next(row.text or "" for row in rows if row.purpose == "disruption_corrected" and row.chat_id == 81_001)
    assert fixed.startswith("<b>Correction</b>") and "about 45 minutes late" in fixed
    status, second = await apis["a"].call("POST", REPORTS + "/{disruption_id}/correct", path=f"{path}/correct", json={"minutes_late": 50})
    assert status == 409 and "once already" in second["message"]
    bad = await apis["a"].call("POST", REPORTS + "/{disruption_id}/correct", path=f"{path}/correct", json={"new_staff_first_name": "Jo"})
    assert bad[0] in (409, 422)
    status, other = await report(apis["a"], route_id=world.route_a.id, kind="vehicle_breakdown")
    staff_web.clock.advance(timedelta(minutes=11))
    late_withdraw = await apis["a"].call("POST", REPORTS + "/{disruption_id}/withdraw", path=f"{REPORTS}/{other['id']}/withdraw")
    assert late_withdraw[0] == 409 and "10 minutes" in late_withdraw[1]["message"]
    assert len(await outbox_rows(staff_web.database)) == 6


async def test_withdrawing_a_report_tells_the_families_told_to_ignore_it(
    apis: dict[str, Api], world: OperatorWorld, staff_web: StaffWeb
) -> None:
    status, staff = await report(
        apis["a"], route_id=world.route_a.id, kind="staff_changed", staff_changed="driver", new_staff_first_name="Piotr"
    )
    status, withdrawn = await apis["a"].call("POST", REPORTS + "/{disruption_id}/withdraw", path=f"{REPORTS}/{staff['id']}/withdraw")
    assert status == 200 and withdrawn["status"] == "withdrawn"
    rows = await outbox_rows(staff_web.database)
    assert [row.purpose for row in rows].count("disruption_withdrawn") == 2
    assert any("Please ignore our last message" in (row.text or "") for row in rows)
    assert (await apis["a"].call("POST", REPORTS + "/{disruption_id}/withdraw", path=f"{REPORTS}/{staff['id']}/withdraw"))[0] == 409


async def test_a_cancelled_run_waits_for_an_officer_who_confirms_the_draft_and_families_get_the_change(
    apis: dict[str, Api], world: OperatorWorld, staff_web: StaffWeb
) -> None:
    status, cancelled = await report(apis["a"], route_id=world.route_a.id, kind="run_cancelled", run="afternoon", note="No driver")
    assert status == 201 and cancelled["status"] == "awaiting_officer" and cancelled["carers_told"] == 0
    assert await outbox_rows(staff_web.database) == []
    status, listed = await apis["officer"].call("GET", "/api/v1/disruptions")
    assert status == 200 and listed["items"][0]["draft"]["status"] == "draft"
    assert listed["items"][0]["draft"]["kind"] == "cancelled_today" and listed["items"][0]["operator_name"] == "Garden Cars"
    path = f"/api/v1/disruptions/{cancelled['id']}"
    assert (await apis["coordinator"].call("POST", "/api/v1/disruptions/{disruption_id}/confirm", path=f"{path}/confirm", json={}))[0] == 403
    status, confirmed = await apis["officer"].call(
        "POST", "/api/v1/disruptions/{disruption_id}/confirm", path=f"{path}/confirm",
        json={"reason": "The operator has no driver this afternoon; we are arranging a taxi"},
    )
    assert status == 200, confirmed
    assert confirmed["draft"]["status"] == "confirmed" and confirmed["report"]["status"] == "confirmed"
    assert confirmed["report"]["carers_told"] == 2
    async with staff_web.database.transaction() as session:
        change = (await session.exec(select(TransportChange))).one()
        notices = (await session.exec(select(ChangeNotice))).all()
        actions = set((await session.exec(select(AuditEvent.action))).all())
    assert change.kind == "cancelled_today" and change.reference == cancelled["reference"] and "taxi" in change.reason
    assert len(notices) == 2
    assert {"disruption.reported", "disruption.draft_confirmed", "transport_change.recorded"} - actions <= {"transport_change.recorded"}
    again = await apis["officer"].call("POST", "/api/v1/disruptions/{disruption_id}/confirm", path=f"{path}/confirm", json={})
    assert again[0] == 409


async def test_an_operator_that_cannot_run_a_route_needs_the_new_operator_before_confirming_and_can_be_rejected(
    apis: dict[str, Api], world: OperatorWorld, staff_web: StaffWeb
) -> None:
    from_date = (staff_web.clock.now.astimezone(UK).date() + timedelta(days=7)).isoformat()
    status, handed_back = await report(apis["a"], route_id=world.route_a.id, kind="cannot_run_from", from_date=from_date)
    assert status == 201 and handed_back["status"] == "awaiting_officer"
    path = f"/api/v1/disruptions/{handed_back['id']}"
    status, refused = await apis["officer"].call("POST", "/api/v1/disruptions/{disruption_id}/confirm", path=f"{path}/confirm", json={})
    assert status == 422 and refused["fields"][0]["field"] == "new_value"
    status, rejected = await apis["officer"].call(
        "POST", "/api/v1/disruptions/{disruption_id}/reject", path=f"{path}/reject", json={"reason": "Agreed to keep running"}
    )
    assert status == 200 and rejected["draft"]["status"] == "rejected"
    assert await outbox_rows(staff_web.database) == []
    async with staff_web.database.transaction() as session:
        audit = (await session.exec(select(AuditEvent).where(col(AuditEvent.action) == "disruption.draft_rejected"))).one()
    assert audit.actor_role == "officer"


async def test_officers_and_admins_add_operator_accounts_and_tokens_and_coordinators_cannot(
    apis: dict[str, Api], world: OperatorWorld, staff_web: StaffWeb
) -> None:
    status, operators = await apis["officer"].call("GET", "/api/v1/operators")
    assert status == 200 and {item["name"] for item in operators["items"]} >= {"Garden Cars", "Weald Minibuses"}
    body = {"email": "controller@gardencars.test", "display_name": "Olu", "password": "a long and memorable passphrase"}
    path = f"/api/v1/operators/{world.operator_a}/users"
    assert (await apis["coordinator"].call("POST", "/api/v1/operators/{operator_id}/users", path=path, json=body))[0] == 403
    status, user = await apis["officer"].call("POST", "/api/v1/operators/{operator_id}/users", path=path, json=body)
    assert status == 201 and user["role"] == "operator" and user["operator_id"] == world.operator_a
    status, issued = await apis["admin"].call(
        "POST", "/api/v1/operators/{operator_id}/tokens", path=f"/api/v1/operators/{world.operator_b}/tokens", json={"name": "Dispatch"}
    )
    assert status == 201 and issued["operator_id"] == world.operator_b and issued["token"].startswith("cl_")
    missing = await apis["officer"].call("POST", "/api/v1/operators/{operator_id}/tokens", path="/api/v1/operators/999999/tokens", json={"name": "x"})
    assert missing[0] == 404
    status, plain = await apis["admin"].call("POST", "/api/v1/users", json={**body, "email": "x@y.test", "role": "operator"})
    assert status == 422 and plain["fields"][0]["field"] == "role"
    async with staff_web.database.transaction() as session:
        actions = [
            (event.action, event.actor_role, event.detail.get("operator_id"))
            for event in (await session.exec(select(AuditEvent).order_by(col(AuditEvent.id)))).all()
        ]
    assert ("account.created", "officer", world.operator_a) in actions
    assert ("token.created", "admin", world.operator_b) in actions
