"""The reports API: exports as paged JSON, the SitRep, the parental-views section and PACT's writing, by role."""

from __future__ import annotations


import aiohttp
from sqlmodel import col, select

from db.models.casework import FeedbackSource
from db.models.staff import AuditEvent, StaffRole
from services.feedback.records import record_feedback
from tests.support.factories import make_family
from tests.support.staff import StaffWeb


async def _api(staff_web: StaffWeb, role: StaffRole) -> aiohttp.ClientSession:
    token = await staff_web.add_token(role)
    return aiohttp.ClientSession(f"{staff_web.url}/api/v1/", headers={"Authorization": f"Bearer {token}"})


async def test_a_coordinator_writes_and_curates_through_the_api(staff_web: StaffWeb) -> None:
    async with staff_web.database.transaction() as session:
        carer, child = await make_family(session, carer_name="Bernadette", child_name="Tobias")
        item = await record_feedback(session, carer_id=carer.id, child_id=child.id, source=FeedbackSource.SURVEY, topic="journey",
                                     rating=4, text="Tobias was late again, ring 07700 900123", consent_to_quote=True, now=staff_web.clock())
    async with await _api(staff_web, StaffRole.PACT_COORDINATOR) as api:
        quotes = await (await api.get("parental-views/quotes")).json()
        assert [quote["redacted_text"] for quote in quotes["items"]] == ["[name] was late again, ring [phone]"]
        decided = await api.post(f"parental-views/quotes/{item.id}/decision", json={"decision": "approve"})
        assert decided.status == 200 and (await decided.json())["status"] == "approved"
        assert (await api.post("parental-views/quotes/999999/decision", json={"decision": "approve"})).status == 404

        added = await api.post("parental-views/2025-26/you-said", json={"you_said": "Tell us sooner", "we_did": "A week's notice"})
        assert added.status == 201
        row = await added.json()
        changed = await api.put(f"parental-views/you-said/{row['id']}", json={"you_said": "Tell us sooner", "we_did": "Ten days' notice", "position": 3})
        assert (await changed.json())["we_did"] == "Ten days' notice"
        assert (await api.put("parental-views/2025-26/commentary", json={"text": "A steadier year."})).status == 200
        assert (await (await api.get("parental-views/2025-26/commentary")).json())["text"] == "A steadier year."
        assert (await api.post("parental-views/2025-30/you-said", json={"you_said": "a", "we_did": "b"})).status == 422

        report = await (await api.get("reports/parental-views/2025-26")).json()
        sections = {section["key"]: section for section in report["sections"]}
        assert sections["you_said"]["tables"][0]["rows"] == [["Tell us sooner", "Ten days' notice"]]
        assert sections["commentary"]["paragraphs"] == ["A steadier year."]
        assert (await api.delete(f"parental-views/you-said/{row['id']}")).status == 204
        assert (await (await api.get("parental-views/2025-26/you-said")).json())["items"] == []
        refused = await api.get("exports/feedback", params={"identifying": "true"})
        assert refused.status == 403
        page = await (await api.get("exports/feedback")).json()
        assert page["items"][0]["text"] == "[name] was late again, ring [phone]" and "carer_name" not in page["columns"]
    async with staff_web.database.transaction() as session:
        actions = list((await session.exec(select(AuditEvent.action).order_by(col(AuditEvent.id)))).all())
    for action in ("parental_views.quote_approved", "parental_views.you_said_added", "parental_views.commentary_written",
                   "parental_views.report_downloaded", "parental_views.you_said_removed", "export.refused", "export.pseudonymised"):
        assert action in actions


async def test_officers_get_the_sitrep_and_identifying_exports_but_do_not_curate(staff_web: StaffWeb) -> None:
    async with staff_web.database.transaction() as session:
        carer, child = await make_family(session, carer_name="Bernadette", child_name="Tobias")
        await record_feedback(session, carer_id=carer.id, child_id=child.id, source=FeedbackSource.SURVEY, topic="journey",
                              rating=2, text="Tobias waited an hour", consent_to_quote=False, now=staff_web.clock())
    async with await _api(staff_web, StaffRole.OFFICER) as api:
        sitrep = await (await api.get("reports/sitrep")).json()
        assert "open_problems" in {figure["key"] for figure in sitrep["figures"]}
        page = await (await api.get("exports/feedback", params={"identifying": "true", "limit": "1"})).json()
        assert page["items"][0]["text"] == "Tobias waited an hour" and page["items"][0]["carer_name"] == "Bernadette"
        assert page["next_after_id"] is not None
        assert (await (await api.get("exports/feedback", params={"after_id": str(page["next_after_id"])})).json())["items"] == []
        assert (await api.get("parental-views/quotes")).status == 403
        assert (await api.get("reports/parental-views/2025-26")).status == 200
