"""The parental-views figures for one academic year, from Carerline's own records.

Pure reads through db/dao; every count goes out through publishing.py (under 5 → "fewer than 5",
percentages with their counts). `build_parental_views` assembles the whole section.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.reports.parental_views import (
    CaseRow,
    FeedbackRow,
    count_linked_carers,
    count_messages_sent,
    fetch_change_lead_times,
    fetch_change_notice_outcomes,
    fetch_complaint_rows,
    fetch_feedback_rows,
    fetch_problem_rows,
)
from reports.parental_views.casework_figures import complaints_section, problems_section
from reports.parental_views.model import ChartData, ParentalViewsReport, Section, Table
from reports.parental_views.narrative import commentary_section, method_section, quotes_section, you_said_section
from services.calendar.periods import AcademicYear
from reports.parental_views.publishing import is_suppressed, published_count, published_share, whole_percent
from services.feedback.themes import Theme

UNKNOWN_DISTRICT = "District not known"
NOT_PUBLISHED = "not published (small numbers)"
THEME_LABELS: dict[str, str] = {
    Theme.PUNCTUALITY: "Punctuality",
    Theme.DRIVER_OR_ASSISTANT_CONDUCT: "Driver or assistant conduct",
    Theme.COMMUNICATION: "Communication",
    Theme.SAFETY: "Safety",
    Theme.VEHICLE_AND_ACCESSIBILITY: "Vehicle and accessibility",
    Theme.JOURNEY_LENGTH: "Journey length",
    Theme.ELIGIBILITY_AND_APPLICATIONS: "Eligibility and applications",
    Theme.STAFF_CHANGES: "Staff changes",
    Theme.PRAISE: "Praise",
    Theme.OTHER: "Other",
}


def theme_label(key: str) -> str:
    """A theme as readers see it."""
    return THEME_LABELS.get(key, key.replace("_", " ").capitalize())


def count_families(rows: Iterable[FeedbackRow | CaseRow]) -> int:
    """Distinct families (carers); a record whose carer was erased counts as one family of its own."""
    known: set[int] = set()
    anonymous = 0
    for row in rows:
        if row.carer_id is None:
            anonymous += 1
        else:
            known.add(row.carer_id)
    return len(known) + anonymous


def describe_duration(hours: float) -> str:
    """Hours as people read them: "45 minutes", "5 hours", "3 days 4 hours"; negative = after the event."""
    if hours < 0:
        return describe_duration(-hours) + " after it took effect"
    if hours < 1:
        return f"{round(hours * 60)} minutes"
    whole = round(hours)
    days, rest = divmod(whole, 24)
    if days == 0:
        return f"{rest} hour" + ("" if rest == 1 else "s")
    text = f"{days} day" + ("" if days == 1 else "s")
    return text + (f" {rest} hour" + ("" if rest == 1 else "s") if rest else "")


def nearest_rank_percentile(values: Sequence[float], percent: int) -> float:
    """The nearest-rank percentile (the smallest value with at least `percent`% of values at or below it)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * percent // 100))
    return ordered[rank - 1]


def signed_change(current: int, previous: int) -> str:
    """"+3", "-2" or "no change" when both counts may be published; otherwise not published."""
    if is_suppressed(current) or is_suppressed(previous):
        return NOT_PUBLISHED
    difference = current - previous
    return "no change" if difference == 0 else f"{difference:+,}"


def _hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


async def reach_section(session: AsyncSession, *, year: AcademicYear, now: datetime) -> Section:
    """Families reached and how: linked carers, messages, acknowledgements and notice before changes."""
    period = year.period
    linked = await count_linked_carers(session, before=min(period.ends_at, now))
    sent = await count_messages_sent(session, period=period)
    outcomes = await fetch_change_notice_outcomes(session, period=period)
    lead_hours = [_hours(queued, effective) for queued, effective in await fetch_change_lead_times(session, period=period)]
    rows = [
        ("Carers linked to a child on Carerline", published_count(linked)),
        ("Messages sent to families", published_count(sent)),
        ("Changes notified", published_count(len(lead_hours))),
        ("Personal change notices sent", published_count(len(outcomes))),
        ("Change notices families confirmed they had seen", published_share(sum(outcomes), len(outcomes)) if outcomes else "none"),
    ]
    if lead_hours and not is_suppressed(len(lead_hours)):
        rows.append(("Notice before a change took effect: median", describe_duration(statistics.median(lead_hours))))
        rows.append(("Notice before a change took effect: shortest", describe_duration(min(lead_hours))))
    else:
        rows.append(("Notice before a change took effect", NOT_PUBLISHED if lead_hours else "no changes notified"))
    return Section(
        key="reach", title="Families reached and how",
        paragraphs=("Carerline sends each linked carer a personal notice when their child's transport changes, "
                    "and asks them to confirm they have seen it.",),
        tables=(Table("How families were reached", ("Measure", f"{year.label}"), tuple(rows)),),
    )


def _participation_row(label: str, feedback: list[FeedbackRow], complaints: list[CaseRow], problems: list[CaseRow]) -> tuple[str, ...]:
    return (label, published_count(count_families(feedback)), published_count(count_families(complaints)),
            published_count(count_families(problems)))


def participation_section(year: AcademicYear, feedback: list[FeedbackRow], complaints: list[CaseRow], problems: list[CaseRow]) -> Section:
    """How many families gave feedback, made complaints and reported problems, by term and by district."""
    headers = ("Term", "Families giving feedback", "Families making complaints", "Families reporting problems")

    def in_term(rows: Sequence[FeedbackRow | CaseRow], key: str) -> list:
        return [row for row in rows if (term := year.term_of(_moment(row))) is not None and term.key == key]

    term_rows = [_participation_row(term.label, in_term(feedback, term.key), in_term(complaints, term.key), in_term(problems, term.key))
                 for term in year.terms]
    term_rows.append(_participation_row("Whole year", feedback, complaints, problems))
    districts = sorted({row.district or UNKNOWN_DISTRICT for row in (*feedback, *complaints, *problems)})

    def in_district(rows: Sequence[FeedbackRow | CaseRow], district: str) -> list:
        return [row for row in rows if (row.district or UNKNOWN_DISTRICT) == district]

    district_rows = [_participation_row(d, in_district(feedback, d), in_district(complaints, d), in_district(problems, d))
                     for d in districts]
    series = []
    for name, rows in (("Feedback", feedback), ("Complaints", complaints), ("Problems", problems)):
        values = tuple(_chartable(count_families(in_term(rows, term.key))) for term in year.terms)
        series.append((name, values))
    labels = [term.label for term in year.terms]
    alt = "Bar chart of families who gave feedback, made complaints and reported problems in each term: " + "; ".join(
        f"{label}: feedback {row[1]}, complaints {row[2]}, problems {row[3]}" for label, row in zip(labels, term_rows, strict=False)
    ) + "."
    return Section(
        key="participation", title="Families who gave feedback, complained or reported problems",
        paragraphs=("A family is a carer on Carerline; one family may appear under several headings.",),
        tables=(Table("By term", headers, tuple(term_rows)),
                Table("By district (the child's district)", ("District", *headers[1:]), tuple(district_rows))),
        chart=ChartData("contacts_by_term", "Families heard from, by term", tuple(labels), tuple(series),
                        "Families", alt),
    )


def _chartable(count: int) -> float | None:
    return None if is_suppressed(count) else float(count)


def _moment(row: FeedbackRow | CaseRow) -> datetime:
    return row.created_at if isinstance(row, FeedbackRow) else row.at


def _satisfied(rows: Iterable[FeedbackRow]) -> tuple[int, int]:
    ratings = [row.rating for row in rows if row.rating is not None]
    return sum(rating >= 4 for rating in ratings), len(ratings)


def _points_change(current: tuple[int, int], previous: tuple[int, int]) -> str:
    if any(is_suppressed(value) for value in (*current, *previous)):
        return NOT_PUBLISHED
    difference = whole_percent(*current) - whole_percent(*previous)
    return "no change" if difference == 0 else f"{difference:+} percentage points"


def satisfaction_section(year: AcademicYear, feedback: list[FeedbackRow], last_year: list[FeedbackRow]) -> Section:
    """Share of ratings that were 4 or 5 out of 5, by term, with the change from the same term a year before."""
    rows, this_values, last_values = [], [], []
    previous_year = year.previous
    for term, old_term in zip(year.terms, previous_year.terms, strict=True):
        now_pair = _satisfied(row for row in feedback if year.term_of(row.created_at) == term)
        old_pair = _satisfied(row for row in last_year if previous_year.term_of(row.created_at) == old_term)
        rows.append((term.label, published_count(now_pair[1]), _share(now_pair), _share(old_pair), _points_change(now_pair, old_pair)))
        this_values.append(_percent_or_none(now_pair))
        last_values.append(_percent_or_none(old_pair))
    whole, whole_old = _satisfied(feedback), _satisfied(last_year)
    rows.append(("Whole year", published_count(whole[1]), _share(whole), _share(whole_old), _points_change(whole, whole_old)))
    labels = tuple(term.key.capitalize() for term in year.terms)
    alt = "Bar chart of the share of ratings that were 4 or 5 out of 5, by term, this year and last: " + "; ".join(
        f"{row[0]}: {row[2]} (last year {row[3]})" for row in rows[:-1]) + "."
    return Section(
        key="satisfaction", title="Satisfaction",
        paragraphs=("Families rate their transport from 1 to 5 when they give feedback. Satisfied means a rating of 4 or 5.",),
        tables=(Table("Families satisfied, by term", ("Term", "Ratings given", "Satisfied", f"Same term {previous_year.label}", "Change"), tuple(rows)),),
        chart=ChartData("satisfaction_by_term", "Ratings of 4 or 5 out of 5, by term", labels,
                        ((year.label, tuple(this_values)), (previous_year.label, tuple(last_values))), "Per cent satisfied", alt),
    )


def _share(pair: tuple[int, int]) -> str:
    return published_share(*pair) if pair[1] else "no ratings"


def _percent_or_none(pair: tuple[int, int]) -> float | None:
    return None if is_suppressed(pair[0]) or is_suppressed(pair[1]) else float(whole_percent(*pair))


def theme_counts(rows: Iterable[FeedbackRow]) -> Counter[str]:
    """How many pieces of feedback mention each theme."""
    counts: Counter[str] = Counter()
    for row in rows:
        counts.update(set(row.themes))
    return counts


def ranked_themes(feedback: list[FeedbackRow]) -> list[str]:
    """Theme keys, most mentioned first (ties in taxonomy order)."""
    counts = theme_counts(feedback)
    order = {theme.value: index for index, theme in enumerate(Theme)}
    return sorted(counts, key=lambda key: (-counts[key], order.get(key, len(order)), key))


def themes_section(year: AcademicYear, feedback: list[FeedbackRow], last_year: list[FeedbackRow]) -> Section:
    """Themes ranked by how often families raised them, with the change from the year before."""
    counts, old = theme_counts(feedback), theme_counts(last_year)
    ranked = ranked_themes(feedback)
    rows = tuple((str(rank), theme_label(key), published_count(counts[key]), published_count(old[key]), signed_change(counts[key], old[key]))
                 for rank, key in enumerate(ranked, start=1))
    shown = [key for key in ranked if not is_suppressed(counts[key])]
    alt = "Bar chart of themes ranked by mentions: " + ("; ".join(f"{theme_label(k)} {counts[k]:,}" for k in shown) or "none to show") + "."
    return Section(
        key="themes", title="What families talked about",
        paragraphs=("Each piece of feedback is tagged with themes from a published list; one piece may have several.",),
        tables=(Table("Themes ranked", ("Rank", "Theme", "Mentions", year.previous.label, "Change"), rows),),
        chart=ChartData("themes_ranked", "Themes ranked by mentions", tuple(theme_label(k) for k in shown),
                        ((year.label, tuple(float(counts[k]) for k in shown)),), "Mentions", alt, is_horizontal=True),
    )


ProgressCallback = Callable[[str], None]


async def build_parental_views(
    session: AsyncSession, *, year: AcademicYear, now: datetime, on_step: ProgressCallback | None = None
) -> ParentalViewsReport:
    """The whole parental-views section for an academic year (one read-only transaction)."""
    step = on_step or (lambda _name: None)
    step("Reach")
    reach = await reach_section(session, year=year, now=now)
    step("Feedback, complaints and problems")
    feedback = await fetch_feedback_rows(session, period=year.period)
    last_year = await fetch_feedback_rows(session, period=year.previous.period)
    complaints = await fetch_complaint_rows(session, period=year.period)
    problems = await fetch_problem_rows(session, period=year.period)
    step("Quotes and commentary")
    sections = (
        reach,
        participation_section(year, feedback, complaints, problems),
        satisfaction_section(year, feedback, last_year),
        themes_section(year, feedback, last_year),
        await quotes_section(session, year=year, theme_order=ranked_themes(feedback), label_of=theme_label),
        complaints_section(complaints),
        problems_section(problems, describe=describe_duration, percentile=nearest_rank_percentile),
        await you_said_section(session, year=year),
        await commentary_section(session, year=year),
        method_section(year),
    )
    summary = (
        f"This section covers the academic year {year.label} (1 September {year.first_calendar_year} to "
        f"31 August {year.first_calendar_year + 1}). It is produced by Carerline from its own records, so every figure "
        "can be traced back to them.",
        f"{published_count(count_families(feedback))} families gave feedback, {published_count(count_families(complaints))} "
        f"made complaints and {published_count(count_families(problems))} reported problems on the day.",
    )
    return ParentalViewsReport(
        academic_year=year.label, title=f"Parents' and carers' views: SEND home-to-school transport {year.label}",
        produced_at=now, summary=summary, sections=sections,
    )
