"""End to end: a carer with data in every area is erased; no value of theirs is left in any table or column,
while the council keeps its complaint record (outcomes, dates, categories, officers' answers redacted)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

import services.surveys.workflow  # noqa: F401  (registers the surveys eraser, as the running service does)
from db.dao.carers.conversations import save_conversation, save_throttle
from db.dao.carers.linking import save_code_use, save_linking_failure
from db.dao.casework.complaints import save_attachment
from db.dao.delivery.message_log import save_inbound_message, save_outbound_message
from db.engine import Database
from db.models import (
    ChangeNotice,
    ChatDeliveryState,
    ChatThrottle,
    Child,
    Complaint,
    ComplaintAttachment,
    ComplaintEvent,
    ConsentEvent,
    ConsentEventKind,
    DriverChange,
    FamilyContact,
    FeedbackItem,
    LinkingCode,
    OutboxMessage,
    ProblemReport,
    Route,
    Survey,
    SurveyResponse,
)
from db.models.casework import ComplaintOutcome, FeedbackSource
from services.casework.duty_alerts import DutyNotifier
from services.complaints.timetable import ComplaintSubject
from services.complaints.workflow import (
    ComplaintReceipt,
    acknowledge_complaint,
    escalate_complaint,
    extend_complaint,
    respond_to_complaint,
    submit_complaint,
)
from services.feedback.records import FeedbackTopic, record_feedback
from services.feedback.tagging import ProblemCategory
from services.privacy.erasure import erase_carer
from services.problems.reports import report_problem, resolve_problem_report
from tests.services.conftest import STAFF_BASE_URL
from tests.support.factories import COUNCIL, make_family, make_linking_code, make_transport_change
from tests.support.schema import every_stored_value
from services.carers.channel_plans import CouncilContact

NOW = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
CHAT_ID = 8_123_456_789_012
OTHER_CHAT_ID = 8_123_456_789_555
CARER, CHILD = "Bernadette", "Tobias"
# What the council's route-planning export holds about the carer (family_contacts).
SURNAME, MOBILE, EMAIL, ADDRESS = "Okafor", "+447700900123", "b.okafor@example.com", "14 Quarry Rise\nMaidstone ME14 1XQ"
# Words only this family wrote: each must be gone after erasure.
FAMILY_WORDS = (
    "Zephyrine lane gate code", "Quillfeather never came", "Marrowbone stop again", "Umbrellaworth rude",
    "Kestrelmoor draft", "Glimmerwick photo",
)
OFFICER, SECOND_OFFICER = 301, 302
STAGE1_ANSWER = f"Dear {CARER}, we are sorry {CHILD} was left at the stop. We have spoken to the operator."
STAGE2_ANSWER = f"Dear Mrs {SURNAME}, we reviewed how {CHILD}'s route is planned and changed the pick-up order."
EXTENSION = f"We need to speak to {CHILD}'s school before we answer."
# What is allowed to keep the child's name: the council's own record of the child (services/privacy/columns.py).
COUNCIL_RECORD = {("children", "display_name")}


async def _fill_every_area(database: Database) -> tuple[int, int, int, int]:
    """One family with data in every area, and a second family that must be untouched. Returns ids."""
    async with database.transaction() as session:
        carer, child = await make_family(session, carer_name=CARER, child_name=CHILD)
        other, other_child = await make_family(session, carer_name="Ophelia", child_name="Wilhelmina")
        carer.chat_id, other.chat_id = CHAT_ID, OTHER_CHAT_ID
        session.add(carer)
        session.add(other)
        await session.flush()
        carer_id, child_id = carer.id or 0, child.id or 0
        session.add(FamilyContact(child_id=child_id, position=1, name=f"{CARER} {SURNAME}", mobile_e164=MOBILE,
                                  email=EMAIL, postal_address=ADDRESS, carer_id=carer_id))
        session.add(ConsentEvent(carer_id=carer_id, kind=ConsentEventKind.GIVEN, notice_version="2026-11", occurred_at=NOW))
        await make_linking_code(session, child=child, now=NOW)
        code_id = (await session.exec(select(LinkingCode.id).where(LinkingCode.child_id == child_id))).one()
        await save_code_use(session, code_id=code_id or 0, carer_id=carer_id, used_at=NOW)
        await save_linking_failure(session, chat_id=CHAT_ID, failed_at=NOW, locks_until=None)
        await save_conversation(session, chat_id=CHAT_ID, state="feedback_text", data={"draft": FAMILY_WORDS[4]},
                                expected_version=0, now=NOW)
        await save_throttle(session, throttle=ChatThrottle(chat_id=CHAT_ID, window_started_at=NOW, updates_in_window=3))
        for update_id, chat_id in ((1, CHAT_ID), (2, OTHER_CHAT_ID)):
            await save_inbound_message(session, update_id=update_id, chat_id=chat_id, kind="text",
                                       text=f"Hello, {FAMILY_WORDS[0]}" if chat_id == CHAT_ID else "Hello",
                                       telegram_message_id=update_id)
        await save_outbound_message(session, chat_id=CHAT_ID, kind="text", text=f"Thank you {CARER}", telegram_message_id=3)
        session.add(ChatDeliveryState(chat_id=CHAT_ID, next_send_at=NOW))
        session.add(ChatDeliveryState(chat_id=OTHER_CHAT_ID, next_send_at=NOW))
        survey = Survey(title="Autumn term", intro="How was it?", rating_question="How was the journey?",
                        closes_at=NOW + timedelta(days=7), remind_at=NOW + timedelta(days=3))
        session.add(survey)
        await session.flush()
        session.add(SurveyResponse(survey_id=survey.id or 0, carer_id=carer_id, invited_at=NOW, completed_at=NOW, rating=4))
        await record_feedback(session, carer_id=carer_id, child_id=child_id, source=FeedbackSource.BOT,
                              topic=FeedbackTopic.JOURNEY, rating=2, text=f"{CHILD}'s driver was {FAMILY_WORDS[3]}",
                              consent_to_quote=True, now=NOW)
        await make_transport_change(session, route=await _route_of(session, child), now=NOW)
        await make_transport_change(session, route=await _route_of(session, other_child), now=NOW)
    report = await report_problem(
        database, notifier=DutyNotifier([]), carer_id=carer_id, child_id=child_id, category=ProblemCategory.DRIVER_OR_ASSISTANT_CHANGED,
        details=f"{CARER} here: {FAMILY_WORDS[1]}", now=NOW, staff_base_url=STAFF_BASE_URL, council=COUNCIL,
    )
    async with database.transaction() as session:
        await resolve_problem_report(session, report_id=report.report_id, officer_id=OFFICER,
                                     note=f"Rang {CARER}, taxi sent for {CHILD}", now=NOW + timedelta(hours=1), council=COUNCIL)
        receipt = await submit_complaint(session, carer_id=carer_id, child_id=child_id,
                                         subject=ComplaintSubject.SERVICE_DELIVERY,
                                         description=f"{CHILD} was left at the {FAMILY_WORDS[2]}", now=NOW,
                                         council=CouncilContact(phone="03000 41 00 00", hours="8:30am to 5pm"))
        assert isinstance(receipt, ComplaintReceipt)
        await save_attachment(session, attachment=ComplaintAttachment(
            complaint_id=receipt.complaint_id, stored_name="a" * 32, original_name=f"{FAMILY_WORDS[5]}.png",
            content_type="image/png", size_bytes=10, sha256="b" * 64))
        later = NOW + timedelta(days=1)
        await extend_complaint(session, complaint_id=receipt.complaint_id, officer_id=OFFICER, working_days=5,
                               reason=EXTENSION, now=later, council=COUNCIL)
        await respond_to_complaint(session, complaint_id=receipt.complaint_id, officer_id=OFFICER, response=STAGE1_ANSWER,
                                   outcome=ComplaintOutcome.PARTLY_UPHELD, now=later + timedelta(days=2), council=COUNCIL)
        await escalate_complaint(session, complaint_id=receipt.complaint_id, carer_id=carer_id,
                                 reason=f"Not good enough for {CHILD}", now=later + timedelta(days=3), council=COUNCIL)
        await acknowledge_complaint(session, complaint_id=receipt.complaint_id, officer_id=SECOND_OFFICER,
                                    now=later + timedelta(days=4), council=COUNCIL)
        await respond_to_complaint(session, complaint_id=receipt.complaint_id, officer_id=SECOND_OFFICER,
                                   response=STAGE2_ANSWER, outcome=ComplaintOutcome.UPHELD, now=later + timedelta(days=9), council=COUNCIL)
    return carer_id, child_id, receipt.complaint_id, report.report_id


async def _route_of(session: AsyncSession, child: Child) -> Route:
    route = await session.get(Route, child.route_id)
    assert route is not None
    return route


def _traces(values: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    needles = (str(CHAT_ID), CARER, CHILD, SURNAME, MOBILE, MOBILE.replace("+44", "0"), EMAIL, "Quarry Rise", *FAMILY_WORDS)
    return [
        (table, column, value) for table, column, value in values
        if any(needle.lower() in value.lower() for needle in needles) and (table, column) not in COUNCIL_RECORD
    ]


async def test_erasure_leaves_no_identifying_value_and_keeps_the_complaint_record(database: Database) -> None:
    carer_id, _child_id, complaint_id, report_id = await _fill_every_area(database)
    before = _traces(await every_stored_value(database))
    seen_tables = {table for table, _column, _value in before}
    # The scan must see the family in every area before erasure, or finding nothing afterwards proves nothing.
    assert seen_tables >= {
        "carers", "message_log", "conversation_states", "chat_throttles", "linking_failures", "chat_delivery_states",
        "outbox_messages", "feedback_items", "problem_reports", "complaints", "complaint_events", "complaint_attachments",
        "family_contacts",
    }, seen_tables

    async with database.transaction() as session:
        assert await erase_carer(session, carer_id=carer_id, now=NOW + timedelta(days=20))

    assert _traces(await every_stored_value(database)) == []
    async with database.transaction() as session:
        complaint = await session.get(Complaint, complaint_id)
        events = (await session.exec(select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint_id))).all()
        report = await session.get(ProblemReport, report_id)
        feedback = (await session.exec(select(FeedbackItem).where(FeedbackItem.carer_id.is_(None)))).one()  # type: ignore[union-attr]
        notices = (await session.exec(select(ChangeNotice).where(ChangeNotice.carer_id == carer_id))).all()
        driver_change = (await session.exec(select(DriverChange))).one()
        survey_response = (await session.exec(select(SurveyResponse))).one()
        pacing = (await session.exec(select(ChatDeliveryState.chat_id))).all()
        other_outbox = (await session.exec(select(OutboxMessage).where(OutboxMessage.chat_id == OTHER_CHAT_ID))).all()
    assert complaint is not None and report is not None
    # What the council keeps for its complaint figures.
    assert (complaint.category, complaint.stage, complaint.status) == ("service_delivery", 2, "closed")
    assert (complaint.stage1_outcome, complaint.stage2_outcome) == ("partly_upheld", "upheld")
    assert complaint.stage1_received_at is not None and complaint.stage2_responded_at is not None
    assert complaint.stage1_extension_working_days == 5 and complaint.reference.startswith("HTST-")
    # Officers' answers: kept, redacted of the family's identity, not blanked.
    assert complaint.stage1_response == "Dear [name], we are sorry [name] was left at the stop. We have spoken to the operator."
    assert complaint.stage2_response is not None and complaint.stage2_response.startswith("Dear ")
    assert complaint.stage2_response.endswith("[name], we reviewed how [name]'s route is planned and changed the pick-up order.")
    assert complaint.stage1_extension_reason == "We need to speak to [name]'s school before we answer."
    staff_notes = {event.kind: event.note for event in events if event.actor == "staff" and event.note}
    assert staff_notes["responded"].startswith("Dear [name]") and staff_notes["extended"] == complaint.stage1_extension_reason
    assert all(event.note is None for event in events if event.actor != "staff")
    # The family's words and links go; categories, dates and counts stay.
    assert (complaint.carer_id, complaint.child_id, complaint.description, complaint.escalation_reason) == (None,) * 4
    assert (report.category, report.resolved_at is not None, report.details, report.resolution_note) == ("driver_or_assistant_changed", True, None, None)
    assert (feedback.rating, feedback.text, feedback.child_id) == (2, None, None)
    assert notices and all(notice.child_ids == [] for notice in notices)
    assert driver_change.problem_report_id is None  # the child's driver change stays, untied from the report
    assert (survey_response.rating, survey_response.carer_id) == (4, None)
    # The other family is untouched.
    assert list(pacing) == [OTHER_CHAT_ID] and other_outbox
