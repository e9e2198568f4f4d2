"""Complaints and problems reported on the day, as published in the parental-views section."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Sequence

from db.dao.reports.parental_views import CaseRow
from db.models.casework import Complaint, ComplaintOutcome, ProblemReport
from reports.parental_views.model import Section, Table
from reports.parental_views.publishing import is_suppressed, published_count, published_share
from services.casework.errors import council_day
from services.complaints.timetable import ComplaintSubject, is_response_within_code
from services.complaints.workflow import COMPLAINT_LABELS, timetable_of
from services.feedback.tagging import ProblemCategory
from services.problems.reports import PROBLEM_LABELS

OUTCOME_LABELS = {
    ComplaintOutcome.UPHELD: "Upheld",
    ComplaintOutcome.PARTLY_UPHELD: "Partly upheld",
    ComplaintOutcome.NOT_UPHELD: "Not upheld",
}


def _category_label(key: str) -> str:
    try:
        return COMPLAINT_LABELS[ComplaintSubject(key)]
    except ValueError:
        return key.replace("_", " ").capitalize()


def _problem_label(key: str) -> str:
    try:
        return PROBLEM_LABELS[ProblemCategory(key)]
    except ValueError:
        return key.replace("_", " ").capitalize()


def _within_code(complaint: Complaint, stage: int) -> bool | None:
    """None while the stage is unanswered; else whether acknowledgement and answer kept the Code's timescales."""
    responded_at = complaint.stage1_responded_at if stage == 1 else complaint.stage2_responded_at
    if responded_at is None:
        return None
    return is_response_within_code(timetable_of(complaint, stage=stage), responded_on=council_day(responded_at))


def complaints_section(rows: Sequence[CaseRow]) -> Section:
    """Complaints by stage and category, the share answered within the Code's timescales, and outcomes."""
    complaints = [row.record for row in rows if isinstance(row.record, Complaint)]
    escalated = [item for item in complaints if item.stage2_received_at is not None]
    stages = Table("Complaints by stage", ("Stage", "Complaints"), (
        ("Stage 1 (received this year)", published_count(len(complaints))),
        ("Escalated to stage 2", published_count(len(escalated))),
    ))
    categories = Counter(item.category for item in complaints)
    category_table = Table("Complaints by category", ("Category", "Complaints"), tuple(
        (_category_label(key), published_count(count)) for key, count in categories.most_common()
    ))
    timely_rows, outcome_rows = [], []
    for stage, items in ((1, complaints), (2, escalated)):
        answers = [result for item in items if (result := _within_code(item, stage)) is not None]
        timely_rows.append((f"Stage {stage}", published_count(len(answers)),
                            published_share(sum(answers), len(answers)) if answers else "none answered"))
        outcomes = Counter(item.stage1_outcome if stage == 1 else item.stage2_outcome for item in items)
        awaiting = sum(1 for item in items if (item.stage1_responded_at if stage == 1 else item.stage2_responded_at) is None)
        outcome_rows.append((f"Stage {stage}", *(published_count(outcomes[outcome]) for outcome in OUTCOME_LABELS),
                             published_count(awaiting)))
    return Section(
        key="complaints", title="Complaints",
        paragraphs=(
            "Complaints follow the Local Government and Social Care Ombudsman's Complaint Handling Code: stage 1 is "
            "acknowledged within 5 working days and answered within 10 working days of the acknowledgement (one "
            "explained extension of up to 10 more); stage 2 is acknowledged within 5 and answered within 20 working days.",
        ),
        tables=(
            stages, category_table,
            Table("Answered within the Code's timescales", ("Stage", "Answered", "Within the Code's timescales"), tuple(timely_rows)),
            Table("Outcomes", ("Stage", *OUTCOME_LABELS.values(), "Awaiting an answer"), tuple(outcome_rows)),
        ),
    )


def problems_section(
    rows: Sequence[CaseRow], *, describe: Callable[[float], str], percentile: Callable[[Sequence[float], int], float]
) -> Section:
    """Problems reported on the day, by category, and how fast officers resolved them."""
    reports = [row.record for row in rows if isinstance(row.record, ProblemReport)]
    categories = Counter(item.category for item in reports)
    hours = [(item.resolved_at - item.reported_at).total_seconds() / 3600 for item in reports if item.resolved_at is not None]
    if hours and not is_suppressed(len(hours)):
        median, slowest_tenth = describe(statistics.median(hours)), describe(percentile(hours, 90))
    else:
        median = slowest_tenth = "not published (small numbers)" if hours else "none resolved"
    return Section(
        key="problems", title="Problems reported on the day",
        paragraphs=("A problem reported on the day (transport did not come, running late, a safety concern) is a "
                    "request for help, not a complaint. It is resolved when an officer records what was done.",),
        tables=(
            Table("Problems by kind", ("Kind", "Reported"), tuple(
                (_problem_label(key), published_count(count)) for key, count in categories.most_common()
            )),
            Table("How fast problems were resolved", ("Reported", "Resolved", "Median time to resolve", "9 in 10 resolved within"), (
                (published_count(len(reports)), published_count(len(hours)), median, slowest_tenth),
            )),
        ),
    )
