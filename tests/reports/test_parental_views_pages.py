"""The parental-views staff pages served for real: curating quotes, "You said, we did", commentary, downloads, roles."""

from __future__ import annotations

import io
import re

from docx import Document
from sqlmodel import col, select

from db.models.casework import FeedbackSource
from db.models.staff import AuditEvent, StaffRole
from services.feedback.records import record_feedback
from tests.support.factories import make_family
from tests.support.staff import StaffWeb


async def _proposed_quote(staff_web: StaffWeb) -> int:
    async with staff_web.database.transaction() as session:
        carer, child = await make_family(session, carer_name="Bernadette", child_name="Tobias")
        item = await record_feedback(
            session, carer_id=carer.id, child_id=child.id, source=FeedbackSource.SURVEY, topic="journey", rating=5,
            text="Tobias loves the new driver, call Bernadette on 07700 900123", consent_to_quote=True, now=staff_web.clock(),
        )
        return item.id or 0


async def _actions(staff_web: StaffWeb) -> list[str]:
    async with staff_web.database.transaction() as session:
        return list((await session.exec(select(AuditEvent.action).order_by(col(AuditEvent.id)))).all())


async def test_a_coordinator_curates_writes_and_downloads_the_section(staff_web: StaffWeb) -> None:
    feedback_id = await _proposed_quote(staff_web)
    client, _ = await staff_web.signed_in(StaffRole.PACT_COORDINATOR)
    year = "2026-27"  # the settable clock's academic year
    overview = await (await client.get("/parental-views")).text()
    assert f"Parental views {year}" in overview and "Quotes to curate" in overview

    quotes = await (await client.get("/parental-views/quotes")).text()
    assert "[name] loves the new driver, call [name] on [phone]" in quotes
    assert "Tobias" not in quotes and "07700" not in quotes
    response = await client.post_form(f"/parental-views/quotes/{feedback_id}/curate", {"decision": "approve"})
    assert response.status == 303 and response.headers["Location"] == "/parental-views/quotes?notice=approved"
    assert "Waiting for a decision" in (page := await (await client.get("/parental-views/quotes")).text())
    assert "No quotes are waiting." in page

    empty = await client.post_form("/parental-views/you-said", {"year": year, "you_said": " ", "we_did": "x"})
    assert empty.status == 422 and "Enter some text" in await empty.text()
    added = await client.post_form("/parental-views/you-said", {"year": year, "you_said": "Tell us sooner", "we_did": "Notices now go out a week ahead"})
    assert added.status == 303
    listing = await (await client.get(f"/parental-views/you-said?year={year}")).text()
    row_id = re.search(r'href="/parental-views/you-said/(\d+)"', listing).group(1)  # type: ignore[union-attr]
    assert (await client.get(f"/parental-views/you-said/{row_id}")).status == 200
    changed = await client.post_form(f"/parental-views/you-said/{row_id}", {"you_said": "Tell us sooner, please", "we_did": "Notices go out a week ahead", "position": "1"})
    assert changed.status == 303
    saved = await client.post_form("/parental-views/commentary", {"year": year, "text": "A better year.\n\nStill work to do on punctuality."})
    assert saved.status == 303
    assert "Still work to do on punctuality." in await (await client.get(f"/parental-views/commentary?year={year}")).text()

    html = await (await client.get(f"/parental-views/download?year={year}&format=html")).text()
    assert "Tell us sooner, please" in html and "Still work to do on punctuality." in html
    assert "[name] loves the new driver" in html and "Bernadette" not in html
    docx = await client.get(f"/parental-views/download?year={year}&format=docx")
    assert docx.headers["Content-Disposition"] == f'attachment; filename="parental-views-{year}.docx"'
    cells = {cell.text for table in Document(io.BytesIO(await docx.read())).tables for row in table.rows for cell in row.cells}
    assert "Notices go out a week ahead" in cells
    removed = await client.post_form(f"/parental-views/you-said/{row_id}/remove")
    assert removed.status == 303
    assert "No rows yet" in await (await client.get(f"/parental-views/you-said?year={year}")).text()
    actions = await _actions(staff_web)
    for action in ("parental_views.quote_approved", "parental_views.you_said_added", "parental_views.you_said_changed",
                   "parental_views.commentary_written", "parental_views.report_downloaded", "parental_views.you_said_removed"):
        assert action in actions


async def test_officers_download_but_do_not_curate_and_admins_see_nothing(staff_web: StaffWeb) -> None:
    officer, _ = await staff_web.signed_in(StaffRole.OFFICER)
    assert "Quotes to curate" not in await (await officer.get("/parental-views")).text()
    download = await officer.get("/parental-views/download?year=2025-26&format=html")
    assert download.status == 200 and "SEND home-to-school transport 2025-26" in await download.text()
    assert (await officer.get("/parental-views/quotes")).status == 403
    assert (await officer.post_form("/parental-views/commentary", {"year": "2025-26", "text": "x"})).status == 403
    assert (await officer.get("/parental-views/download?year=2025&format=html")).status == 404
    admin, _ = await staff_web.signed_in(StaffRole.ADMIN)
    assert (await admin.get("/parental-views")).status == 403
