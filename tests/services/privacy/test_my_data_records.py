"""A carer's copy of their data holds their feedback, complaints, problem reports and applications."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime, timezone

from db.engine import Database
from db.models.casework import FeedbackSource
from services.applications.stages import CouncilContact, record_application
from services.privacy.my_data import export_carer_data
from services.complaints.timetable import ComplaintSubject
from services.complaints.workflow import submit_complaint
from services.feedback.records import record_feedback
from tests.support.factories import make_family

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


async def test_copy_of_my_data_holds_what_the_carer_told_us(database: Database) -> None:
    async with database.transaction() as session:
        carer, child = await make_family(session, child_name="Sam")
        other_carer, _ = await make_family(session, child_name="Nell")
        await record_feedback(
            session, carer_id=carer.id, child_id=child.id, source=FeedbackSource.BOT, topic="journey", rating=2,
            text="The bus was late three times this week.", consent_to_quote=True, now=NOW,
        )
        await record_feedback(
            session, carer_id=other_carer.id, child_id=None, source=FeedbackSource.BOT, topic="journey", rating=5,
            text="Someone else's words", consent_to_quote=False, now=NOW,
        )
        receipt = await submit_complaint(
            session, carer_id=carer.id, child_id=child.id, subject=ComplaintSubject.COMMUNICATION,
            description="Nobody told us the driver changed.", now=NOW, council=CouncilContact(phone="03000 41 00 00", hours="8:30am to 5pm"),
        )
        await record_application(
            session, reference="APP-2026-7", council_reference=child.council_reference, received_on=date(2026, 2, 20),
            recorded_by="test", now=NOW, contact=CouncilContact(phone="03000 41 00 00", hours="9am to 5pm"),
        )
        copy = await export_carer_data(session, carer_id=carer.id, now=NOW)  # type: ignore[arg-type]

    with zipfile.ZipFile(io.BytesIO(copy)) as archive:
        document = json.loads(archive.read("my-data.json"))
    assert [item["your_words"] for item in document["feedback"]] == ["The bus was late three times this week."]
    assert document["feedback"][0]["may_be_quoted_anonymously"] is True
    [complaint] = document["complaints"]
    assert complaint["reference"] == receipt.reference and complaint["your_words"] == "Nobody told us the driver changed."
    assert complaint["steps"] and complaint["steps"][0]["when"].startswith("2026-03-02")
    [application] = document["transport_applications"]
    assert application["reference"] == "APP-2026-7" and application["steps"][0]["stage"] == "received"
    assert document["problems_reported"] == [] and document["surveys"] == [] and document["transport_change_notices"] == []
    assert "Someone else's words" not in json.dumps(document)
