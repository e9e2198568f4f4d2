"""Complaints and problems reported on the day, as published in the parental-views section (counted by the database)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from functools import lru_cache

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.reports.parental_views import Period
from db.dao.reports.parental_views_figures import (
    AnsweredGroup,
    RecordKind,
    count_answered_complaints_by_day,
    count_by_category,
    count_complaint_stages,
    count_problems,
    fetch_resolution_spans,
)
from db.models.casework import Complaint, ComplaintOutcome
from reports.operator_figures import disruptions_beside_problems_table
from reports.parental_views.model import Section, Table
from reports.parental_views.publishing import is_suppressed, published_count, published_share
from reports.parental_views.ranks import median_hours, median_ranks, nearest_rank_index, span_hours
from services.casework.errors import COUNCIL_TIME_ZONE, council_day
from services.complaints.timetable import ComplaintSubject, StageTimetable, is_response_within_code
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


@lru_cache(maxsize=4096)
def _timetable(stage: int, received_on: date, acknowledged_on: date | None, extension_working_days: int | None) -> StageTimetable:
    """The Code's dates for a stage received and acknowledged on these days (many complaints share them)."""
    noon = time(12, tzinfo=COUNCIL_TIME_ZONE)
    acknowledged_at = None if acknowledged_on is None else datetime.combine(acknowledged_on, noon)
    if stage == 1:
        complaint = Complaint(reference="(grouped)", stage=1, stage1_received_at=datetime.combine(received_on, noon),
                              stage1_acknowledged_at=acknowledged_at, stage1_extension_working_days=extension_working_days)
    else:
        complaint = Complaint(reference="(grouped)", stage=2, stage2_received_at=datetime.combine(received_on, noon),
                              stage2_acknowledged_at=acknowledged_at)
    return timetable_of(complaint, stage=stage)


def _is_group_within_code(group: AnsweredGroup, stage: int) -> bool:
    """The definition in `_within_code`, read from the group's days."""
    acknowledged_on = None if group.acknowledged_at is None else council_day(group.acknowledged_at)
    timetable = _timetable(stage, council_day(group.received_at), acknowledged_on, group.extension_working_days)
    return is_response_within_code(timetable, responded_on=council_day(group.responded_at))


def _timely_row(stage: int, groups: list[AnsweredGroup]) -> tuple[str, str, str]:
    answered = sum(group.count for group in groups)
    on_time = sum(group.count for group in groups if _is_group_within_code(group, stage))
    return (f"Stage {stage}", published_count(answered), published_share(on_time, answered) if answered else "none answered")


async def complaints_section(session: AsyncSession, *, period: Period) -> Section:
    """Complaints by stage and category, the share answered within the Code's timescales, and outcomes."""
    stage_counts = {stage: await count_complaint_stages(session, period=period, stage=stage) for stage in (1, 2)}
    stages = Table("Complaints by stage", ("Stage", "Complaints"), (
        ("Stage 1 (received this year)", published_count(sum(stage_counts[1].values()))),
        ("Escalated to stage 2", published_count(sum(stage_counts[2].values()))),
    ))
    category_table = Table("Complaints by category", ("Category", "Complaints"), tuple(
        (_category_label(key), published_count(count)) for key, count in await count_by_category(session, kind=RecordKind.COMPLAINTS, period=period)
    ))
    timely_rows, outcome_rows = [], []
    for stage in (1, 2):
        timely_rows.append(_timely_row(stage, await count_answered_complaints_by_day(session, period=period, stage=stage)))
        counts = stage_counts[stage]
        outcomes = {outcome: sum(count for (key, _), count in counts.items() if key == outcome) for outcome in OUTCOME_LABELS}
        awaiting = sum(count for (_, is_awaiting), count in counts.items() if is_awaiting)
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


async def problems_section(session: AsyncSession, *, period: Period, describe: Callable[[float], str]) -> Section:
    """Problems reported on the day, by category, and how fast officers resolved them."""
    reported, resolved = await count_problems(session, period=period)
    if resolved and not is_suppressed(resolved):
        slowest_rank = nearest_rank_index(resolved, 90)
        spans = await fetch_resolution_spans(session, period=period, ranks=(*median_ranks(resolved), slowest_rank))
        median, slowest_tenth = describe(median_hours(spans, resolved)), describe(span_hours(*spans[slowest_rank]))
    else:
        median = slowest_tenth = "not published (small numbers)" if resolved else "none resolved"
    categories = await count_by_category(session, kind=RecordKind.PROBLEMS, period=period)
    return Section(
        key="problems", title="Problems reported on the day",
        paragraphs=("A problem reported on the day (transport did not come, running late, a safety concern) is a "
                    "request for help, not a complaint. It is resolved when an officer records what was done.",),
        tables=(
            Table("Problems by kind", ("Kind", "Reported"), tuple(
                (_problem_label(key), published_count(count)) for key, count in categories
            )),
            Table("How fast problems were resolved", ("Reported", "Resolved", "Median time to resolve", "9 in 10 resolved within"), (
                (published_count(reported), published_count(resolved), median, slowest_tenth),
            )),
            await disruptions_beside_problems_table(session, period=period),
        ),
    )
