"""Officers' problem-report pages and API: urgent first, every view audited, resolving by form, coordinators kept out."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from db.models.casework import ProblemReport
from db.models.staff import AuditEvent, StaffRole
from tests.support.staff import StaffWeb


async def add_reports(staff_web: StaffWeb) -> tuple[int, int]:
    now = staff_web.clock()
    async with staff_web.database.transaction() as session:
        late = ProblemReport(reference="PR-2026-00001", category="running_late", reported_at=now - timedelta(hours=2))
        urgent = ProblemReport(
            reference="PR-2026-00002", category="safety_concern", details="The belt <was> loose", is_urgent=True, reported_at=now
        )
        session.add(late)
        session.add(urgent)
        await session.flush()
        assert late.id is not None and urgent.id is not None
        return late.id, urgent.id


async def actions(staff_web: StaffWeb) -> list[str]:
    async with staff_web.database.transaction() as session:
        return [event.action for event in (await session.exec(select(AuditEvent).order_by(AuditEvent.id))).all()]


async def test_officer_lists_urgent_first_views_and_resolves_with_audit(staff_web: StaffWeb) -> None:
    late_id, urgent_id = await add_reports(staff_web)
    officer, _ = await staff_web.signed_in(StaffRole.OFFICER)
    listing = await (await officer.get("/casework/problems")).text()
    assert listing.index("PR-2026-00002") < listing.index("PR-2026-00001")
    detail = await officer.get(f"/casework/problems/{urgent_id}")
    body = await detail.text()
    assert detail.status == 200 and "The belt &lt;was&gt; loose" in body and "Mark resolved" in body
    too_long = await officer.post_form(f"/casework/problems/{urgent_id}/resolve", {"note": "x" * 401})
    assert too_long.status == 422 and "400 characters or fewer" in await too_long.text()
    done = await officer.post_form(f"/casework/problems/{urgent_id}/resolve", {"note": "Belt replaced"})
    assert done.status == 303 and done.headers["Location"] == "/casework/problems?notice=resolved"
    again = await officer.post_form(f"/casework/problems/{urgent_id}/resolve", {"note": ""})
    assert again.status == 422 and "already resolved" in await again.text()
    after = await (await officer.get("/casework/problems")).text()
    assert "PR-2026-00002" not in after and "PR-2026-00001" in after
    api = await officer.http.get(f"/api/v1/problem-reports/{urgent_id}")
    report = await api.json()
    assert report["resolution_note"] == "Belt replaced" and report["resolved_at"]
    assert (await officer.get("/casework/problems/2147483000")).status == 404
    recorded = await actions(staff_web)
    assert recorded.count("problem_report.list") == 2
    assert recorded.count("problem_report.resolve") == 1
    assert recorded.count("problem_report.view") >= 2
    assert late_id != urgent_id


async def test_coordinators_cannot_see_problem_reports(staff_web: StaffWeb) -> None:
    _, urgent_id = await add_reports(staff_web)
    coordinator, _ = await staff_web.signed_in(StaffRole.PACT_COORDINATOR)
    assert (await coordinator.get("/casework/problems")).status == 403
    assert (await coordinator.get(f"/casework/problems/{urgent_id}")).status == 403
    assert (await coordinator.post_form(f"/casework/problems/{urgent_id}/resolve", {"note": ""})).status == 403
    token = await staff_web.add_token(StaffRole.PACT_COORDINATOR)
    api = await staff_web.client().http.get("/api/v1/problem-reports", headers={"Authorization": f"Bearer {token}"})
    assert api.status == 403
    dashboard = await (await coordinator.get("/dashboard")).text()
    assert "/casework/problems" not in dashboard
