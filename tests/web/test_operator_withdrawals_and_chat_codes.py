"""An operator handing back routes becomes a transport change on each route once an officer confirms; and the
one-time codes that link an operator's Telegram chat, made by the operator or an officer (audited)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import col, select

from db.models import AuditEvent, ChangeNotice, Operator, OperatorChatCode, TransportChange
from db.models.staff import StaffRole
from db.types import utc_now
from messaging.quiet_hours import UK
from services.changes.followups import acknowledge_message
from services.operators.chats import hash_operator_code
from tests.support.api_client import Api
from tests.support.factories import make_carer, make_child, make_route
from tests.support.operators import OperatorWorld, make_operator_world, operator_token, operator_user, outbox_rows
from tests.support.staff import StaffWeb

REPORTS = "/api/v1/operator/disruptions"
CONFIRM_ALL = "/api/v1/disruption-withdrawals/confirm"


@pytest.fixture
async def world(staff_web: StaffWeb) -> OperatorWorld:
    world = await make_operator_world(staff_web.database)
    async with staff_web.database.transaction() as session:
        operator_a = await session.get(Operator, world.operator_a)
        second = await make_route(session, operator=operator_a, code="OPA-2")
        kim = await make_child(session, route=second, display_name="Kim")
        await make_carer(session, chat_id=81_009, first_name="Kay", children=[kim])
    return world


@pytest.fixture
async def apis(staff_web: StaffWeb, world: OperatorWorld) -> AsyncIterator[dict[str, Api]]:
    made = {
        "a": Api(staff_web.url, await operator_token(staff_web.database, operator_id=world.operator_a)),
        "b": Api(staff_web.url, await operator_token(staff_web.database, operator_id=world.operator_b)),
        "officer": Api(staff_web.url, await staff_web.add_token(StaffRole.OFFICER)),
        "coordinator": Api(staff_web.url, await staff_web.add_token(StaffRole.PACT_COORDINATOR)),
    }
    await made["officer"].load_document()
    for api in made.values():
        api.document = made["officer"].document
    yield made
    for api in made.values():
        await api.http.close()


async def hand_back(api: Api, route_id: int, from_date: str) -> dict:
    status, body = await api.call("POST", REPORTS, json={"route_id": route_id, "kind": "cannot_run_from", "from_date": from_date})
    assert status == 201, body
    return body


async def test_an_operator_handing_back_routes_becomes_a_change_on_each_route_that_families_acknowledge(
    apis: dict[str, Api], world: OperatorWorld, staff_web: StaffWeb
) -> None:
    from_date = (staff_web.clock.now.astimezone(UK).date() + timedelta(days=14)).isoformat()
    first = await hand_back(apis["a"], world.route_a.id or 0, from_date)
    status, routes = await apis["a"].call("GET", "/api/v1/operator/routes")
    second_route = next(route["id"] for route in routes["routes"] if route["code"] == "OPA-2")
    second = await hand_back(apis["a"], second_route, from_date)
    other = await hand_back(apis["b"], world.route_b.id or 0, from_date)
    assert await outbox_rows(staff_web.database, source_type="transport_change") == []  # nobody hears before the officer

    ids = [first["id"], second["id"]]
    body = {"disruption_ids": ids, "new_value": "Kent Coaches", "reason": "Garden Cars handed the routes back"}
    assert (await apis["coordinator"].call("POST", CONFIRM_ALL, json=body))[0] == 403
    status, refused = await apis["officer"].call("POST", CONFIRM_ALL, json={**body, "disruption_ids": [first["id"], other["id"]]})
    assert status == 422 and refused["fields"][0]["field"] == "disruption_ids"
    status, refused = await apis["officer"].call("POST", CONFIRM_ALL, json={**body, "new_value": None})
    assert status == 422 and refused["fields"][0]["field"] == "new_value"
    assert (await apis["officer"].call("POST", CONFIRM_ALL, json={**body, "disruption_ids": [first["id"], 99_999]}))[0] == 404
    async with staff_web.database.transaction() as session:
        assert (await session.exec(select(TransportChange))).all() == []  # all or none

    status, confirmed = await apis["officer"].call("POST", CONFIRM_ALL, json=body)
    assert status == 200, confirmed
    assert [item["draft"]["status"] for item in confirmed["items"]] == ["confirmed", "confirmed"]
    assert [item["report"]["carers_told"] for item in confirmed["items"]] == [2, 1]
    async with staff_web.database.transaction() as session:
        changes = list((await session.exec(select(TransportChange).order_by(col(TransportChange.id)))).all())
        notices = list((await session.exec(select(ChangeNotice))).all())
        actions = list((await session.exec(select(AuditEvent.action))).all())
    assert [(c.kind, c.route_id, c.old_value, c.new_value, c.is_urgent) for c in changes] == [
        ("new_operator", world.route_a.id, "Garden Cars", "Kent Coaches", False),
        ("new_operator", second_route, "Garden Cars", "Kent Coaches", False),
    ]
    assert [c.reference for c in changes] == [first["reference"], second["reference"]]
    assert len(notices) == 3 and "disruption.withdrawal_confirmed" in actions
    assert (await apis["officer"].call("POST", CONFIRM_ALL, json=body))[0] == 409

    # The change notice machinery takes over: a family's "seen" marks the change notice acknowledged.
    rows = await outbox_rows(staff_web.database, source_type="transport_change")
    assert len(rows) == 3 and all("Kent Coaches" in (row.text or "") for row in rows)
    async with staff_web.database.transaction() as session:
        outcome = await acknowledge_message(
            session, outbox_id=rows[0].id or 0, chat_id=rows[0].chat_id or 0, telegram_message_id=None, language="en", now=utc_now()
        )
    assert outcome.status == "recorded"
    async with staff_web.database.transaction() as session:
        acknowledged = (await session.exec(select(ChangeNotice).where(col(ChangeNotice.acknowledged_at).is_not(None)))).all()
    assert len(acknowledged) == 1


async def test_operator_chat_codes_from_the_operator_and_from_officers_are_audited_and_stored_only_as_hashes(
    apis: dict[str, Api], world: OperatorWorld, staff_web: StaffWeb
) -> None:
    status, own = await apis["a"].call("POST", "/api/v1/operator/chat-codes")
    assert status == 201 and own["code"].startswith("OP") and own["display"].startswith("OP-")
    status, made = await apis["officer"].call(
        "POST", "/api/v1/operators/{operator_id}/chat-codes", path=f"/api/v1/operators/{world.operator_b}/chat-codes"
    )
    assert status == 201
    assert (await apis["a"].call("POST", "/api/v1/operators/{operator_id}/chat-codes", path=f"/api/v1/operators/{world.operator_b}/chat-codes"))[0] == 403
    assert (await apis["coordinator"].call("POST", "/api/v1/operator/chat-codes"))[0] == 403
    assert (await apis["officer"].call("POST", "/api/v1/operators/{operator_id}/chat-codes", path="/api/v1/operators/99999/chat-codes"))[0] == 404

    # On the pages: the operator's own report page, and the officer's operators' accounts page.
    await operator_user(staff_web.database, operator_id=world.operator_a, email="olu@gardencars.test")
    client = staff_web.client()
    await client.sign_in("olu@gardencars.test")
    page = await client.post_form("/operator/chat-codes")
    page_text = await page.text()
    assert page.status == 201 and "/start OP" in page_text
    officer, _ = await staff_web.signed_in(StaffRole.OFFICER)
    officer_page = await officer.post_form(f"/operators/{world.operator_a}/chat-codes")
    assert officer_page.status == 201
    coordinator, _ = await staff_web.signed_in(StaffRole.PACT_COORDINATOR)
    assert (await coordinator.post_form(f"/operators/{world.operator_a}/chat-codes")).status == 403

    async with staff_web.database.transaction() as session:
        codes = list((await session.exec(select(OperatorChatCode).order_by(col(OperatorChatCode.id)))).all())
        events = list((await session.exec(select(AuditEvent).where(col(AuditEvent.action) == "operator_chat.code_issued"))).all())
    assert [code.operator_id for code in codes] == [world.operator_a, world.operator_b, world.operator_a, world.operator_a]
    assert codes[0].code_hash == hash_operator_code(own["code"]) and own["code"] not in codes[0].code_hash
    assert len(events) == 4


async def test_the_sitrep_api_gives_the_operator_figures(apis: dict[str, Api], world: OperatorWorld, staff_web: StaffWeb) -> None:
    from_date = (staff_web.clock.now.astimezone(UK).date() + timedelta(days=14)).isoformat()
    await hand_back(apis["a"], world.route_a.id or 0, from_date)
    status, late = await apis["b"].call("POST", REPORTS, json={"route_id": world.route_b.id, "kind": "running_late", "minutes_late": 15})
    assert status == 201, late
    staff_web.clock.advance(timedelta(minutes=5))
    status, figures = await apis["coordinator"].call("GET", "/api/v1/reports/sitrep/operators")
    assert status == 200, figures
    assert [(row["operator"], row["kind"], row["count"]) for row in figures["disruptions"]] == [
        ("Garden Cars", "Operator cannot run the route", 1), ("Weald Minibuses", "Running late", 1),
    ]
    assert (figures["reports_timed"], figures["minutes_to_families_median"]) == (0, None)  # nothing sent yet: no worker here
    assert (await apis["a"].call("GET", "/api/v1/reports/sitrep/operators"))[0] == 403
