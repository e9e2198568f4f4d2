"""Problems reported on the day: a reference for the family, an urgent record and an alert for the duty
officers, the family told when it is resolved, and driver or assistant changes counted per term.

A problem report is a service request, not a complaint (Complaint Handling Code): it is recorded and
monitored here. Every report alerts the duty officers, not only the urgent ones, because "running
late" or "wrong pick-up" also needs someone today; urgent ones (no transport, safety) are marked so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.carers.accounts import fetch_link
from db.dao.casework.shared import (
    allocate_reference_number,
    fetch_driver_change_days,
    fetch_duty_alerts,
    mark_duty_alert,
    save_driver_change,
    save_duty_alert,
)
from db.dao.casework.problem_reports import (
    count_problem_reports_since,
    fetch_child_with_route,
    fetch_open_problem_reports,
    fetch_problem_report,
    save_problem_report,
)
from db.engine import Database
from db.models.casework import DriverChangeSource, DutyAlertStatus, ProblemReport, ReferenceSeries
from services.casework.errors import (
    COUNCIL_TIME_ZONE,
    CaseNotFound,
    NotYourCase,
    StepNotAllowed,
    clean_text,
    council_day,
)
from messaging.limits import FAMILY_TEXT_LIMITS
from services.carers.channel_plans import CouncilContact
from services.casework.notifications import CarerNotice, TextKey, notify_carer
from services.operators.cross_check import link_operator_report, operator_word_for_duty
from services.transport.driver_changes import TermChangeCount, count_changes_per_term, term_for
from services.casework.duty_alerts import ChannelOutcome, DutyAlert, DutyNotifier, render_duty_alert
from services.feedback.tagging import ProblemCategory, is_urgent_problem, themes_for_problem

STAFF_PROBLEM_PATH = "/casework/problems/{report_id}"
MAX_DETAILS_LENGTH = 1000
MAX_NOTE_LENGTH = FAMILY_TEXT_LIMITS["problem_note"]
DUTY_ALERT_SUBJECT = "problem_report"

# What officers read (staff pages, alerts, digest); parents read casework.problem.category.* instead.
PROBLEM_LABELS: dict[ProblemCategory, str] = {
    ProblemCategory.TRANSPORT_DID_NOT_COME: "Transport did not come",
    ProblemCategory.RUNNING_LATE: "Running late",
    ProblemCategory.WRONG_PICKUP: "Wrong pick-up",
    ProblemCategory.SAFETY_CONCERN: "Safety concern",
    ProblemCategory.DRIVER_OR_ASSISTANT_CHANGED: "Driver or assistant changed",
}


def format_problem_reference(year: int, number: int) -> str:
    """The reference a family quotes for a problem, e.g. PR-2026-00017."""
    return f"{ReferenceSeries.PROBLEM_REPORT.value}-{year:04d}-{number:05d}"


def problem_link(staff_base_url: str, report_id: int) -> str:
    """The staff page of one report."""
    return staff_base_url.rstrip("/") + STAFF_PROBLEM_PATH.format(report_id=report_id)


@dataclass(frozen=True, slots=True)
class ProblemReportReceipt:
    """What the bot needs after a report: the reference, and how the duty alert went."""

    report_id: int
    reference: str
    is_urgent: bool
    route_code: str | None
    driver_changes_this_term: TermChangeCount | None
    alert_outcomes: tuple[ChannelOutcome, ...]

    @property
    def is_alert_delivered(self) -> bool:
        """True when at least one duty channel took the alert."""
        return any(outcome.is_sent for outcome in self.alert_outcomes)


@dataclass(frozen=True, slots=True)
class OpenProblemReport:
    """An unresolved report as the officers' dashboard lists it."""

    report_id: int
    reference: str
    category: ProblemCategory
    category_label: str
    route_code: str | None
    child_name: str | None
    reported_at: datetime
    is_urgent: bool
    link: str


async def report_problem(
    database: Database,
    *,
    notifier: DutyNotifier,
    carer_id: int,
    child_id: int,
    category: ProblemCategory,
    details: str | None,
    now: datetime,
    staff_base_url: str,
    council: CouncilContact,
) -> ProblemReportReceipt:
    """Bot "Report a problem today": record it, tell the family its reference, alert the duty officers.

    Opens its own transactions: the record (and the family's message) commit first, the alert goes
    out with no transaction open, then each channel's outcome is logged.
    """
    async with database.transaction() as session:
        report, alert, alert_ids, change_count = await _record_problem(
            session,
            carer_id=carer_id,
            child_id=child_id,
            category=category,
            details=details,
            now=now,
            staff_base_url=staff_base_url,
            channels=notifier.channels,
            council=council,
        )
    outcomes = await notifier.send(render_duty_alert(alert))
    async with database.transaction() as session:
        for outcome in outcomes:
            await mark_duty_alert(
                session,
                alert_id=alert_ids[outcome.channel],
                status=DutyAlertStatus.SENT if outcome.is_sent else DutyAlertStatus.FAILED,
                at=now,
                error=outcome.error,
            )
    assert report.id is not None
    return ProblemReportReceipt(
        report_id=report.id,
        reference=report.reference,
        is_urgent=report.is_urgent,
        route_code=report.route_code,
        driver_changes_this_term=change_count,
        alert_outcomes=tuple(outcomes),
    )


async def _record_problem(
    session: AsyncSession,
    *,
    carer_id: int,
    child_id: int,
    category: ProblemCategory,
    details: str | None,
    now: datetime,
    staff_base_url: str,
    channels: list[str],
    council: CouncilContact,
) -> tuple[ProblemReport, DutyAlert, dict[str, int], TermChangeCount | None]:
    category = ProblemCategory(category)
    cleaned = clean_text(details, max_length=MAX_DETAILS_LENGTH, field="details")
    if await fetch_link(session, carer_id=carer_id, child_id=child_id) is None:
        raise NotYourCase("the carer is not linked to this child")
    found = await fetch_child_with_route(session, child_id=child_id)
    assert found is not None  # a link implies the child exists
    child, route = found
    year = council_day(now).year
    number = await allocate_reference_number(session, series=ReferenceSeries.PROBLEM_REPORT, year=year)
    report = await save_problem_report(
        session,
        report=ProblemReport(
            reference=format_problem_reference(year, number),
            carer_id=carer_id,
            child_id=child_id,
            route_id=route.id if route else None,
            route_code=route.code if route else None,
            category=category.value,
            details=cleaned,
            themes=[theme.value for theme in themes_for_problem(category, details=cleaned or "")],
            is_urgent=is_urgent_problem(category),
            reported_at=now,
        ),
    )
    assert report.id is not None
    change_count = None
    if category is ProblemCategory.DRIVER_OR_ASSISTANT_CHANGED:
        await save_driver_change(
            session,
            child_id=child_id,
            changed_on=council_day(now),
            source=DriverChangeSource.PARENT_REPORT,
            problem_report_id=report.id,
            recorded_at=now,
        )
        change_count = await driver_changes_in_term(session, child_id=child_id, day=council_day(now))
    key = "casework.problem.received_urgent" if report.is_urgent else "casework.problem.received"
    notice = CarerNotice(
        key=key,
        source_type="problem_report",
        source_id=report.id,
        step="received",
        values={
            "reference": report.reference,
            "category": TextKey(f"casework.problem.category.{category.value}"),
            "phone": council.phone,
            "hours": council.hours,
        },
        is_urgent=True,
    )
    await notify_carer(session, carer_id=carer_id, notice=notice, now=now, council=council)
    disruption = await link_operator_report(session, report=report, now=now, council=council)  # the operator may have told us already
    alert_ids = {}
    for channel in channels:
        record = await save_duty_alert(
            session,
            subject=DUTY_ALERT_SUBJECT,
            channel=channel,
            reference=report.reference,
            problem_report_id=report.id,
            created_at=now,
        )
        assert record.id is not None
        alert_ids[channel] = record.id
    alert = DutyAlert(
        reference=report.reference,
        category=PROBLEM_LABELS[category],
        route_code=report.route_code,
        child_name=child.display_name,
        reported_at=now,
        link=problem_link(staff_base_url, report.id),
        is_urgent=report.is_urgent,
        operator_word=await operator_word_for_duty(session, report=report, disruption=disruption),
    )
    return report, alert, alert_ids, change_count


async def resolve_problem_report(
    session: AsyncSession, *, report_id: int, officer_id: int | None, note: str | None, now: datetime,
    council: CouncilContact,
) -> ProblemReport:
    """Staff "Mark resolved": record who resolved it (None: an API client, named in the audit) and tell the family."""
    report = await fetch_problem_report(session, report_id=report_id, for_update=True)
    if report is None:
        raise CaseNotFound(f"no problem report {report_id}")
    if report.resolved_at is not None:
        raise StepNotAllowed(f"{report.reference} was already resolved")
    cleaned = clean_text(note, max_length=MAX_NOTE_LENGTH, field="resolution note")
    report.resolved_at = now
    report.resolved_by_staff_id = officer_id
    report.resolution_note = cleaned
    assert report.id is not None
    values: dict[str, object] = {
        "reference": report.reference,
        "category": TextKey(f"casework.problem.category.{report.category}"),
    }
    if cleaned:
        values["note"] = cleaned
    notice = CarerNotice(
        key="casework.problem.resolved_with_note" if cleaned else "casework.problem.resolved",
        source_type="problem_report",
        source_id=report.id,
        step="resolved",
        values=values,
        is_urgent=True,  # the family may be waiting at the roadside
    )
    if await notify_carer(session, carer_id=report.carer_id, notice=notice, now=now, council=council):
        report.parent_told_at = now
    return await save_problem_report(session, report=report)


async def list_open_problem_reports(session: AsyncSession, *, staff_base_url: str) -> list[OpenProblemReport]:
    """Dashboard and digest: every unresolved report, urgent first, then oldest first."""
    rows = await fetch_open_problem_reports(session)
    items = []
    for report, child in rows:
        assert report.id is not None
        category = ProblemCategory(report.category)
        items.append(
            OpenProblemReport(
                report_id=report.id,
                reference=report.reference,
                category=category,
                category_label=PROBLEM_LABELS[category],
                route_code=report.route_code,
                child_name=child.display_name if child else None,
                reported_at=report.reported_at,
                is_urgent=report.is_urgent,
                link=problem_link(staff_base_url, report.id),
            )
        )
    return items


async def count_problems_reported_today(session: AsyncSession, now: datetime) -> int:
    """Dashboard panel "Problems reported today" (since midnight in England)."""
    midnight = datetime.combine(council_day(now), datetime.min.time(), tzinfo=COUNCIL_TIME_ZONE)
    return await count_problem_reports_since(session, since=midnight)


async def record_driver_change(
    session: AsyncSession, *, child_id: int, changed_on: date, officer_id: int, now: datetime
) -> TermChangeCount | None:
    """Staff "Record a driver or assistant change": count it, and return the child's count for that term."""
    await save_driver_change(
        session,
        child_id=child_id,
        changed_on=changed_on,
        source=DriverChangeSource.OFFICER,
        recorded_by_staff_id=officer_id,
        recorded_at=now,
    )
    return await driver_changes_in_term(session, child_id=child_id, day=changed_on)


async def driver_changes_in_term(session: AsyncSession, *, child_id: int, day: date) -> TermChangeCount | None:
    """How many driver or assistant changes the child had in the term holding `day` (None outside the term table)."""
    term = term_for(day)
    if term is None:
        return None
    days = await fetch_driver_change_days(session, child_id=child_id, since=None)
    for count in count_changes_per_term(days):
        if count.term == term:
            return count
    return TermChangeCount(child=child_id, term=term, changes=0)


async def flagged_driver_changes(session: AsyncSession, *, today: date) -> list[TermChangeCount]:
    """Dashboard and digest: children with more than 3 changes in the current term (child = child id)."""
    term = term_for(today)
    if term is None:
        return []
    days = await fetch_driver_change_days(session)
    return [count for count in count_changes_per_term(days) if count.term == term and count.is_flagged]


async def failed_duty_alert_references(session: AsyncSession) -> list[str]:
    """References whose duty alert failed on some channel, for the dashboard to show."""
    return sorted({alert.reference or "" for alert in await fetch_duty_alerts(session, status=DutyAlertStatus.FAILED)})
