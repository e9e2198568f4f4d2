"""Broadcasts on the staff side: pages and API, two-person approval, roles, CSRF and the report."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import aiohttp
from sqlmodel import select

from db.models.outbox import OutboxMessage
from db.models.staff import AuditEvent, StaffRole
from tests.support.factories import make_carer, make_child, make_route, make_school
from tests.support.staff import StaffWeb, start_staff_web

MESSAGE = "Dear {{ carer_first_name }}, {{ child_name }}'s bus to {{ school }} changes on Monday."


async def _school(staff_web: StaffWeb, carers: int) -> int:
    async with staff_web.database.transaction() as session:
        school = await make_school(session, name="Oakwood")
        route = await make_route(session, school=school)
        for number in range(carers):
            child = await make_child(session, route=route, display_name=f"Kid{number}")
            await make_carer(session, first_name=f"Carer{number}", children=[child])
        return school.id  # type: ignore[return-value]


def _broadcast_id(location: str) -> int:
    match = re.fullmatch(r"/broadcasts/(\d+)", location)
    assert match, location
    return int(match.group(1))


async def test_composer_preview_and_send_without_approval_for_a_small_audience(staff_web: StaffWeb) -> None:
    school_id = await _school(staff_web, carers=3)
    coordinator, _ = await staff_web.signed_in(StaffRole.PACT_COORDINATOR)
    page = await coordinator.get("/broadcasts/new")
    assert page.status == 200 and "Oakwood" in await page.text()
    created = await coordinator.post_form(
        "/broadcasts/new", {"title": "Bus news", "audience_kind": "school", "audience_school": str(school_id), "template_text": MESSAGE}
    )
    assert created.status == 303
    broadcast_id = _broadcast_id(created.headers["Location"])
    preview = await (await coordinator.get(f"/broadcasts/{broadcast_id}")).text()
    assert 'id="recipient-count">3<' in preview
    assert "Dear Carer0, Kid0's bus to Oakwood" in preview and "Dear Carer1, Kid1" in preview and "Carer2" not in preview
    sent = await coordinator.post_form(f"/broadcasts/{broadcast_id}/send")
    assert sent.status == 303 and sent.headers["Location"] == f"/broadcasts/{broadcast_id}/report"
    report = await (await coordinator.get(sent.headers["Location"])).text()
    assert 'id="count-queued">3<' in report and 'id="percent-queued">100%<' in report
    async with staff_web.database.transaction() as session:
        rows = (await session.exec(select(OutboxMessage).where(OutboxMessage.source_type == "broadcast"))).all()
        actions = {event.action for event in (await session.exec(select(AuditEvent))).all()}
    assert len(rows) == 3
    assert {"broadcast.created", "broadcast.sent"} <= actions


async def test_an_unknown_placeholder_is_shown_on_the_form_not_a_500(staff_web: StaffWeb) -> None:
    school_id = await _school(staff_web, carers=1)
    coordinator, _ = await staff_web.signed_in(StaffRole.PACT_COORDINATOR)
    await coordinator.get("/broadcasts/new")
    response = await coordinator.post_form(
        "/broadcasts/new", {"title": "Oops", "audience_kind": "school", "audience_school": str(school_id), "template_text": "Hi {{ secret }}"}
    )
    text = await response.text()
    assert response.status == 200 and "Unknown placeholder secret" in text and 'href="#template_text"' in text


async def test_above_the_threshold_a_second_person_must_approve(database_url: str, clock) -> None:  # type: ignore[no-untyped-def]
    staff_web, runner = await start_staff_web(database_url=database_url, clock=clock, broadcast_approval_threshold=1)
    try:
        school_id = await _school(staff_web, carers=2)
        author, _ = await staff_web.signed_in(StaffRole.PACT_COORDINATOR)
        created = await author.post_form(
            "/broadcasts/new", {"title": "Big", "audience_kind": "school", "audience_school": str(school_id), "template_text": MESSAGE}
        )
        broadcast_id = _broadcast_id(created.headers["Location"])
        refused = await author.post_form(f"/broadcasts/{broadcast_id}/send")
        assert refused.status == 409 and "approve it first" in await refused.text()
        assert (await author.post_form(f"/broadcasts/{broadcast_id}/request-approval")).status == 303
        own = await author.post_form(f"/broadcasts/{broadcast_id}/approve")
        assert own.status == 409 and "Someone other than the author" in await own.text()
        officer, _ = await staff_web.signed_in(StaffRole.OFFICER)
        approvals = await (await officer.get("/broadcasts/approvals")).text()
        assert f"/broadcasts/{broadcast_id}" in approvals
        assert (await officer.post_form(f"/broadcasts/{broadcast_id}/approve")).status == 303
        assert (await author.post_form(f"/broadcasts/{broadcast_id}/send")).status == 303
        cancelled = await author.post_form(f"/broadcasts/{broadcast_id}/cancel")
        assert cancelled.status == 303
        report = await (await author.get(f"/broadcasts/{broadcast_id}/report")).text()
        assert 'id="count-not_sent">2<' in report and 'id="count-queued">0<' in report
    finally:
        for client in staff_web.clients:
            await client.close()
        await runner.cleanup()
        await staff_web.database.dispose()


async def test_admins_cannot_use_broadcasts_and_forms_need_csrf(staff_web: StaffWeb) -> None:
    admin, _ = await staff_web.signed_in(StaffRole.ADMIN)
    assert (await admin.get("/broadcasts")).status == 403
    coordinator, _ = await staff_web.signed_in(StaffRole.PACT_COORDINATOR)
    forged = await coordinator.post_form("/broadcasts/new", {"title": "x", "audience_kind": "everyone", "template_text": "Hi"}, with_csrf=False)
    assert forged.status == 403
    no_route = await coordinator.post_form("/broadcasts/new", {"title": "x", "audience_kind": "route", "audience_route": "", "template_text": "Hi"})
    page = await no_route.text()
    assert '<a href="#audience_route">Choose a route</a>' in page and "the message is for" not in page


async def test_the_api_composes_previews_and_refuses_token_approval(staff_web: StaffWeb) -> None:
    school_id = await _school(staff_web, carers=2)
    token = await staff_web.add_token(StaffRole.OFFICER)
    async with aiohttp.ClientSession(staff_web.url, headers={"Authorization": f"Bearer {token}"}) as api:
        bad = await api.post("/api/v1/broadcasts", json={"title": "T", "template_text": "{{ nope }}", "audience_kind": "everyone"})
        assert bad.status == 422 and (await bad.json())["fields"][0]["field"] == "template_text"
        for value in (None, "not-a-school"):  # the error names the body's own field, never a page's select
            no_school = await api.post("/api/v1/broadcasts", json={"title": "T", "template_text": MESSAGE, "audience_kind": "school", "audience_value": value})
            assert no_school.status == 422 and [field["field"] for field in (await no_school.json())["fields"]] == ["audience_value"]
        created = await api.post(
            "/api/v1/broadcasts", json={"title": "T", "template_text": MESSAGE, "audience_kind": "school", "audience_value": str(school_id)}
        )
        assert created.status == 201
        broadcast_id = (await created.json())["id"]
        preview = await (await api.get(f"/api/v1/broadcasts/{broadcast_id}/preview")).json()
        assert preview["count"] == 2 and len(preview["samples"]) == 2
        await api.post(f"/api/v1/broadcasts/{broadcast_id}/request-approval")
        approve = await api.post(f"/api/v1/broadcasts/{broadcast_id}/approve")
        assert approve.status == 409
        missing = await api.get("/api/v1/broadcasts/999999/report")
        assert missing.status == 404
        report = await api.get(f"/api/v1/broadcasts/{broadcast_id}/report")
        assert (await report.json())["total"] == 0


async def test_scheduling_from_the_page_and_a_bad_time_is_shown_on_the_field(staff_web: StaffWeb) -> None:
    school_id = await _school(staff_web, carers=1)
    coordinator, _ = await staff_web.signed_in(StaffRole.PACT_COORDINATOR)
    created = await coordinator.post_form(
        "/broadcasts/new", {"title": "Later", "audience_kind": "school", "audience_school": str(school_id), "template_text": MESSAGE}
    )
    broadcast_id = _broadcast_id(created.headers["Location"])
    when = (staff_web.clock() + timedelta(days=2)).astimezone(ZoneInfo("Europe/London"))
    date_parts = {"send_at-day": str(when.day), "send_at-month": str(when.month), "send_at-year": str(when.year)}
    bad = await coordinator.post_form(f"/broadcasts/{broadcast_id}/schedule", {**date_parts, "send_at-time": "teatime"})
    shown = await bad.text()
    assert bad.status == 409 and 'href="#send_at"' in shown and 'id="send_at"' in shown and 'type="datetime-local"' not in shown
    assert "Enter the time for the sending date in 24-hour form, for example 17:00" in shown and 'value="teatime"' in shown
    scheduled = await coordinator.post_form(f"/broadcasts/{broadcast_id}/schedule", {**date_parts, "send_at-time": when.strftime("%H:%M")})
    assert scheduled.status == 303
    page = await (await coordinator.get(f"/broadcasts/{broadcast_id}")).text()
    assert 'id="scheduled-for">To be sent on' in page and 'id="broadcast-status">scheduled<' in page
