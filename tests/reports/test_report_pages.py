"""The staff pages for the SitRep and exports, served for real: figures, downloads, roles and the audit row."""

from __future__ import annotations

import csv
import io
import json
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from db.models.casework import FeedbackItem, FeedbackSource, ProblemReport
from db.models.staff import AuditEvent, StaffRole
from tests.support.factories import make_carer, make_child
from tests.support.staff import StaffWeb


async def _seed(staff_web: StaffWeb) -> str:
    async with staff_web.database.transaction() as session:
        child = await make_child(session, display_name="Tobias")
        carer = await make_carer(session, first_name="Bernadette", children=[child])
        for number in range(3):
            session.add(FeedbackItem(carer_id=carer.id, child_id=child.id, source=FeedbackSource.BOT, rating=4,
                                     topic="journey", text=f"Tobias loved it, ring Bernadette on 07700 900{number}12"))
        session.add(ProblemReport(reference="PR-2026-00001", category="late", child_id=child.id))
        return carer.pseudonym


async def test_the_sitrep_page_and_csv(staff_web: StaffWeb) -> None:
    await _seed(staff_web)
    client, _ = await staff_web.signed_in(StaffRole.OFFICER)
    page = await (await client.get("/reports/sitrep")).text()
    row = page.split('id="figure-open_problems"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">1</td>' in row
    assert "Tobias" not in page
    response = await client.get("/reports/sitrep.csv")
    assert response.content_type == "text/csv"
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert ("Problems reported and still open", "1") in [(row["figure"], row["count"]) for row in rows]


@pytest.mark.parametrize("export_format", ["csv", "xlsx", "json"])
async def test_a_coordinator_downloads_a_pseudonymised_export(staff_web: StaffWeb, export_format: str) -> None:
    pseudonym = await _seed(staff_web)
    client, _ = await staff_web.signed_in(StaffRole.PACT_COORDINATOR)
    form = await (await client.get("/exports")).text()
    assert 'name="identifying"' not in form
    response = await client.get(f"/exports/download?kind=feedback&format={export_format}")
    assert response.status == 200
    assert f"carerline-feedback-pseudonymised.{export_format}" in response.headers["Content-Disposition"]
    body = await response.read()
    if export_format == "csv":
        records = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    elif export_format == "json":
        records = json.loads(body)
    else:
        rows = list(load_workbook(BytesIO(body), read_only=True).active.iter_rows(values_only=True))
        records = [dict(zip(rows[0], row)) for row in rows[1:]]
    assert [record["carer"] for record in records] == [pseudonym] * 3
    text = body.decode("utf-8", errors="replace") if export_format != "xlsx" else repr(records)
    for secret in ("Tobias", "Bernadette", "07700"):
        assert secret not in text


async def test_identifying_downloads_are_refused_for_coordinators_and_audited_for_officers(staff_web: StaffWeb) -> None:
    await _seed(staff_web)
    coordinator, _ = await staff_web.signed_in(StaffRole.PACT_COORDINATOR)
    refused = await coordinator.get("/exports/download?kind=feedback&format=csv&identifying=yes")
    assert refused.status == 403
    officer, user = await staff_web.signed_in(StaffRole.OFFICER)
    assert 'name="identifying"' in await (await officer.get("/exports")).text()
    allowed = await officer.get("/exports/download?kind=feedback&format=csv&identifying=yes&district=Maidstone")
    assert allowed.status == 200 and "Bernadette" in await allowed.text()
    invalid = await officer.get("/exports/download?kind=feedback&format=csv&since=31-03-2026")
    assert invalid.status == 422 and "Enter a date like 2026-03-31" in await invalid.text()
    async with staff_web.database.transaction() as session:
        statement = select(AuditEvent).where(AuditEvent.action.startswith("export."))  # type: ignore[attr-defined]
        events = (await session.exec(statement.order_by(AuditEvent.id))).all()
    assert [(event.action, event.actor_id) for event in events][-1] == ("export.identifying", user.id)
    assert "export.refused" in [event.action for event in events]
