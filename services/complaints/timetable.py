"""Complaint deadlines under the Ombudsman's Complaint Handling Code, and the statutory transport review route.

Plain functions over dates: no database, no Telegram, no HTTP.

Complaints (Local Government and Social Care Ombudsman, Complaint Handling Code, applied from 1 April 2026):
- stage 1: acknowledge within 5 working days of receipt; respond within 10 working days of the
  acknowledgement; one explained extension of up to 10 further working days;
- stage 2: acknowledge within 5 working days of the escalation; respond within 20 working days of the
  acknowledgement; handled by a different officer from stage 1. The Code as we hold it names no
  stage 2 extension, so none is allowed here.
Until a complaint is acknowledged its respond-by date is counted from the acknowledge-by date (the
latest acknowledgement the Code allows), so officers always see a date.

Disputes about transport eligibility or suitability are not complaints: they follow the statutory
review and appeal route (`review_route_for`, `StatutoryReviewTimetable`).

Working days are Monday to Friday except England and Wales bank holidays. A deadline "within N
working days of D" is the Nth working day after D; D itself never counts, whatever day it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import IntEnum, StrEnum
from itertools import pairwise

from services.calendar.working_days import add_working_days, signed_working_days


# Complaint Handling Code, stage 1 and stage 2.
ACKNOWLEDGE_WITHIN_WORKING_DAYS = 5
STAGE_1_RESPOND_WITHIN_WORKING_DAYS = 10
STAGE_1_MAX_EXTENSION_WORKING_DAYS = 10
STAGE_1_MAX_EXTENSIONS = 1
STAGE_2_RESPOND_WITHIN_WORKING_DAYS = 20
DEFAULT_DUE_SOON_WORKING_DAYS = 2

# Statutory eligibility and suitability route (home-to-school transport guidance).
REVIEW_REQUEST_WINDOW_WORKING_DAYS = 20
REVIEW_DECISION_WITHIN_WORKING_DAYS = 20
APPEAL_REQUEST_WINDOW_WORKING_DAYS = 20
APPEAL_DECISION_WITHIN_WORKING_DAYS = 40
APPEAL_OUTCOME_SENT_WITHIN_WORKING_DAYS = 5

COMPLAINT_REFERENCE_PREFIX = "HTST"
_REFERENCE_PATTERN = re.compile(r"^\s*HTST-(\d{4})-(\d{5,})\s*$", re.IGNORECASE)


# --- working days -------------------------------------------------------------------------------
def _add_working_days(start: date, working_days: int) -> date:
    """The Nth working day after `start` (start itself never counts)."""
    if working_days < 0:
        raise ValueError("working_days must not be negative")
    return add_working_days(start, working_days)


# --- references -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ComplaintReference:
    """A complaint reference such as HTST-2026-00042, split into its year and running number."""

    year: int
    number: int

    def __str__(self) -> str:
        return format_complaint_reference(self.year, self.number)


def format_complaint_reference(year: int, number: int) -> str:
    """The reference families and officers quote, e.g. HTST-2026-00042."""
    if not 2000 <= year <= 9999:
        raise ValueError(f"year out of range: {year}")
    if number < 1:
        raise ValueError(f"complaint number must be positive: {number}")
    return f"{COMPLAINT_REFERENCE_PREFIX}-{year:04d}-{number:05d}"


def parse_complaint_reference(text: str) -> ComplaintReference:
    """Read a reference typed by a person (case and surrounding spaces forgiven); ValueError if malformed."""
    match = _REFERENCE_PATTERN.match(text)
    if match is None:
        raise ValueError(f"not a complaint reference: {text!r}")
    year, number = int(match.group(1)), int(match.group(2))
    format_complaint_reference(year, number)  # same range checks as formatting
    return ComplaintReference(year=year, number=number)


# --- complaint timetable --------------------------------------------------------------------------


class ComplaintStage(IntEnum):
    """Stage of the council's two-stage complaints procedure."""

    STAGE_1 = 1
    STAGE_2 = 2


class DeadlineStatus(StrEnum):
    """Where a deadline stands: open ones are on time, due soon or overdue; done ones were met or missed."""

    ON_TIME = "on_time"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    MET = "met"
    MISSED = "missed"


class ExtensionNotAllowed(ValueError):
    """An extension the Code does not allow: the message says which rule it breaks."""


class SameOfficerError(ValueError):
    """Stage 2 was given to the officer who handled stage 1."""


@dataclass(frozen=True, slots=True)
class Extension:
    """An explained extension to the stage 1 response deadline."""

    working_days: int
    reason: str


@dataclass(frozen=True, slots=True)
class StageTimetable:
    """The Code's dates for one stage of one complaint."""

    stage: ComplaintStage
    received_on: date
    acknowledge_by: date
    acknowledged_on: date | None
    respond_by: date
    extension: Extension | None
    extended_respond_by: date | None

    @property
    def final_respond_by(self) -> date:
        """The response deadline in force: the extended one if an extension was granted."""
        return self.extended_respond_by or self.respond_by


@dataclass(frozen=True, slots=True)
class DeadlineCheck:
    """One deadline's standing on a given day."""

    deadline: str  # "acknowledge" or "respond"
    due_on: date
    status: DeadlineStatus
    working_days_left: int  # negative once overdue; 0 on the due day


def validate_extension(
    *, stage: ComplaintStage, working_days: int, reason: str, extensions_already: int = 0
) -> Extension:
    """Check an extension against the Code (stage 1 only, one, 1-10 working days, with a reason) and return it."""
    if stage is not ComplaintStage.STAGE_1:
        raise ExtensionNotAllowed("only a stage 1 response can be extended")
    if extensions_already >= STAGE_1_MAX_EXTENSIONS:
        raise ExtensionNotAllowed("a stage 1 response can be extended only once")
    if not 1 <= working_days <= STAGE_1_MAX_EXTENSION_WORKING_DAYS:
        raise ExtensionNotAllowed(
            f"an extension must be 1 to {STAGE_1_MAX_EXTENSION_WORKING_DAYS} working days, not {working_days}"
        )
    if not reason.strip():
        raise ExtensionNotAllowed(
            "an extension must be explained to the complainant: give a reason"
        )
    return Extension(working_days=working_days, reason=reason.strip())


def stage_timetable(
    *,
    stage: ComplaintStage,
    received_on: date,
    acknowledged_on: date | None = None,
    extension: Extension | None = None,
) -> StageTimetable:
    """Due dates for one stage; for stage 2, `received_on` is the day the complainant asked to escalate."""
    if acknowledged_on is not None and acknowledged_on < received_on:
        raise ValueError("a complaint cannot be acknowledged before it is received")
    if extension is not None:
        validate_extension(
            stage=stage, working_days=extension.working_days, reason=extension.reason
        )
    acknowledge_by = _add_working_days(received_on, ACKNOWLEDGE_WITHIN_WORKING_DAYS)
    respond_within = (
        STAGE_1_RESPOND_WITHIN_WORKING_DAYS
        if stage is ComplaintStage.STAGE_1
        else STAGE_2_RESPOND_WITHIN_WORKING_DAYS
    )
    respond_by = _add_working_days(acknowledged_on or acknowledge_by, respond_within)
    extended = _add_working_days(respond_by, extension.working_days) if extension else None
    return StageTimetable(
        stage=stage,
        received_on=received_on,
        acknowledge_by=acknowledge_by,
        acknowledged_on=acknowledged_on,
        respond_by=respond_by,
        extension=extension,
        extended_respond_by=extended,
    )


def deadline_status(
    *,
    due_on: date,
    today: date,
    done_on: date | None = None,
    due_soon_working_days: int = DEFAULT_DUE_SOON_WORKING_DAYS,
) -> DeadlineStatus:
    """Met/missed once done; otherwise overdue after the due day, due soon within N working days, else on time."""
    if done_on is not None:
        return DeadlineStatus.MET if done_on <= due_on else DeadlineStatus.MISSED
    if today > due_on:
        return DeadlineStatus.OVERDUE
    if signed_working_days(today, due_on) <= due_soon_working_days:
        return DeadlineStatus.DUE_SOON
    return DeadlineStatus.ON_TIME


def next_deadline(
    timetable: StageTimetable,
    *,
    today: date,
    responded_on: date | None = None,
    due_soon_working_days: int = DEFAULT_DUE_SOON_WORKING_DAYS,
) -> DeadlineCheck:
    """The deadline an officer must act on next (acknowledge, then respond), or how the response went."""
    if timetable.acknowledged_on is None and responded_on is None:
        name, due_on = "acknowledge", timetable.acknowledge_by
    else:
        name, due_on = "respond", timetable.final_respond_by
    status = deadline_status(
        due_on=due_on,
        today=today,
        done_on=responded_on,
        due_soon_working_days=due_soon_working_days,
    )
    return DeadlineCheck(
        deadline=name,
        due_on=due_on,
        status=status,
        working_days_left=signed_working_days(today, due_on),
    )


def is_acknowledged_within_code(timetable: StageTimetable) -> bool | None:
    """True/False once acknowledged; None while not yet acknowledged."""
    if timetable.acknowledged_on is None:
        return None
    return timetable.acknowledged_on <= timetable.acknowledge_by


def is_response_within_code(timetable: StageTimetable, *, responded_on: date) -> bool:
    """True when the acknowledgement and the response were both on time (extension included)."""
    acknowledged_on_time = is_acknowledged_within_code(timetable) is not False
    return acknowledged_on_time and responded_on <= timetable.final_respond_by


def validate_stage_two_officer(
    *, stage_one_officer_id: int | None, stage_two_officer_id: int
) -> None:
    """Raise SameOfficerError if stage 2 would be handled by the stage 1 officer (Code: a different person)."""
    if stage_one_officer_id is not None and stage_one_officer_id == stage_two_officer_id:
        raise SameOfficerError("stage 2 must be handled by a different officer from stage 1")


def is_due_soon_or_overdue(check: DeadlineCheck) -> bool:
    """True for the deadlines the dashboard and the officers' daily digest surface."""
    return check.status in (DeadlineStatus.DUE_SOON, DeadlineStatus.OVERDUE)


# --- statutory review and appeal route for eligibility and suitability ------------------------------


class ComplaintSubject(StrEnum):
    """What a family is unhappy about; decides between the complaints procedure and the statutory route."""

    SERVICE_DELIVERY = "service_delivery"
    STAFF_CONDUCT = "staff_conduct"
    COMMUNICATION = "communication"
    ELIGIBILITY_DECISION = "eligibility_decision"
    SUITABILITY_OF_TRANSPORT = "suitability_of_transport"
    OTHER = "other"


class ReviewRoute(StrEnum):
    """The two routes a family's dispute can take."""

    COMPLAINTS_PROCEDURE = "complaints_procedure"
    STATUTORY_REVIEW_AND_APPEAL = "statutory_review_and_appeal"


_STATUTORY_SUBJECTS = frozenset(
    {ComplaintSubject.ELIGIBILITY_DECISION, ComplaintSubject.SUITABILITY_OF_TRANSPORT}
)


def review_route_for(subject: ComplaintSubject) -> ReviewRoute:
    """Eligibility and suitability disputes go to the statutory review and appeal route, everything else is a complaint."""
    if subject in _STATUTORY_SUBJECTS:
        return ReviewRoute.STATUTORY_REVIEW_AND_APPEAL
    return ReviewRoute.COMPLAINTS_PROCEDURE


@dataclass(frozen=True, slots=True)
class StatutoryReviewTimetable:
    """Dates of the two-stage review and appeal route, filled in as far as the case has gone."""

    decision_on: date
    request_review_by: date
    review_requested_on: date | None = None
    review_decision_by: date | None = None
    review_decided_on: date | None = None
    request_appeal_by: date | None = None
    appeal_requested_on: date | None = None
    appeal_decision_by: date | None = None
    appeal_decided_on: date | None = None
    appeal_outcome_sent_by: date | None = None

    @property
    def is_review_request_in_time(self) -> bool | None:
        """Whether the family asked for a stage 1 review within 20 working days; None until asked."""
        return (
            None
            if self.review_requested_on is None
            else self.review_requested_on <= self.request_review_by
        )

    @property
    def is_appeal_request_in_time(self) -> bool | None:
        """Whether the family asked for the appeal panel within 20 working days of the review; None until asked."""
        if self.appeal_requested_on is None or self.request_appeal_by is None:
            return None
        return self.appeal_requested_on <= self.request_appeal_by


def statutory_review_timetable(
    *,
    decision_on: date,
    review_requested_on: date | None = None,
    review_decided_on: date | None = None,
    appeal_requested_on: date | None = None,
    appeal_decided_on: date | None = None,
) -> StatutoryReviewTimetable:
    """Every statutory deadline that follows from the dates known so far."""
    _check_in_order(
        decision_on, review_requested_on, review_decided_on, appeal_requested_on, appeal_decided_on
    )
    return StatutoryReviewTimetable(
        decision_on=decision_on,
        request_review_by=_add_working_days(decision_on, REVIEW_REQUEST_WINDOW_WORKING_DAYS),
        review_requested_on=review_requested_on,
        review_decision_by=_after(review_requested_on, REVIEW_DECISION_WITHIN_WORKING_DAYS),
        review_decided_on=review_decided_on,
        request_appeal_by=_after(review_decided_on, APPEAL_REQUEST_WINDOW_WORKING_DAYS),
        appeal_requested_on=appeal_requested_on,
        appeal_decision_by=_after(appeal_requested_on, APPEAL_DECISION_WITHIN_WORKING_DAYS),
        appeal_decided_on=appeal_decided_on,
        appeal_outcome_sent_by=_after(appeal_decided_on, APPEAL_OUTCOME_SENT_WITHIN_WORKING_DAYS),
    )


def _after(start: date | None, working_days: int) -> date | None:
    """`_add_working_days` that passes None through."""
    return None if start is None else _add_working_days(start, working_days)


def _check_in_order(*days: date | None) -> None:
    """Each known step of the statutory route must come on or after the one before it."""
    known = [day for day in days if day is not None]
    if any(later < earlier for earlier, later in pairwise(known)):
        raise ValueError("statutory review dates are out of order")
    present = [day is not None for day in days]
    if any(later and not earlier for earlier, later in pairwise(present)):
        raise ValueError("a later statutory review step is set without the step before it")
