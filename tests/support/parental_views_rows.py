"""The parental-views figures by their row-by-row definition: every record read into Python and counted there.

This is how the section was computed before the database did the counting (and what the method note
describes); tests compare the real, aggregated report with it on seeded years. Rows are read in id order,
so ties in "most first" lists fall to the category met first, as the aggregated queries break them.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.reports.parental_views import Period
from db.models import Carer, ChangeNotice, Child, Complaint, FeedbackItem, ProblemReport, TransportChange
from db.models.casework import QuoteStatus
from reports.parental_views.casework_figures import OUTCOME_LABELS, _category_label, _problem_label, _within_code
from reports.parental_views.figures import (
    NOT_PUBLISHED, UNKNOWN_DISTRICT, _chartable, _percent_or_none, _points_change, _share, describe_duration,
    reach_section, signed_change, theme_label,
)
from reports.parental_views.model import ChartData, QuoteGroup, Section, Table
from reports.parental_views.narrative import QUOTES_PER_THEME, _short
from reports.parental_views.publishing import is_suppressed, published_count, published_share
from reports.parental_views.ranks import nearest_rank_percentile
from services.calendar.periods import AcademicYear
from services.feedback.themes import Theme
from services.privacy.redaction import redact


@dataclass(frozen=True)
class Row:
    """One record as the figures need it."""

    at: datetime
    carer_id: int | None
    district: str | None
    record: object


def families(rows: Iterable[Row]) -> int:
    """Distinct carers, plus one per record without a carer."""
    rows = list(rows)
    return len({row.carer_id for row in rows if row.carer_id is not None}) + sum(row.carer_id is None for row in rows)


async def _rows(session: AsyncSession, model: type, moment: object, period: Period, district: object) -> list[Row]:
    result = await session.exec(
        select(model, district).outerjoin(Child, col(Child.id) == model.child_id)  # type: ignore[attr-defined]
        .where(moment >= period.starts_at, moment < period.ends_at).order_by(model.id)  # type: ignore[attr-defined, operator]
    )
    return [Row(getattr(item, moment.key), item.carer_id, where, item) for item, where in result.all()]  # type: ignore[attr-defined]


async def read_year(session: AsyncSession, period: Period) -> dict[str, list[Row]]:
    """Every feedback item, complaint and problem of the period, with its district."""
    return {
        "feedback": await _rows(session, FeedbackItem, col(FeedbackItem.created_at), period, func.coalesce(FeedbackItem.district, Child.district)),
        "complaints": await _rows(session, Complaint, col(Complaint.stage1_received_at), period, Child.district),
        "problems": await _rows(session, ProblemReport, col(ProblemReport.reported_at), period, Child.district),
    }


def participation(year: AcademicYear, rows: dict[str, list[Row]]) -> Section:
    """Families by term and by district."""
    kinds = ("feedback", "complaints", "problems")

    def line(label: str, keep: object) -> tuple[str, ...]:
        return (label, *(published_count(families(row for row in rows[kind] if keep(row))) for kind in kinds))  # type: ignore[operator]

    def in_term(key: str) -> object:
        return lambda row: (term := year.term_of(row.at)) is not None and term.key == key

    term_rows = [line(term.label, in_term(term.key)) for term in year.terms] + [line("Whole year", lambda row: True)]
    districts = sorted({row.district or UNKNOWN_DISTRICT for kind in kinds for row in rows[kind]})
    district_rows = [line(name, lambda row, name=name: (row.district or UNKNOWN_DISTRICT) == name) for name in districts]
    series = tuple((name, tuple(_chartable(families(row for row in rows[kind] if in_term(term.key)(row))) for term in year.terms))  # type: ignore[operator]
                   for name, kind in zip(("Feedback", "Complaints", "Problems"), kinds, strict=True))
    headers = ("Term", "Families giving feedback", "Families making complaints", "Families reporting problems")
    labels = [term.label for term in year.terms]
    alt = "Bar chart of families who gave feedback, made complaints and reported problems in each term: " + "; ".join(
        f"{label}: feedback {row[1]}, complaints {row[2]}, problems {row[3]}" for label, row in zip(labels, term_rows, strict=False)) + "."
    return Section(
        key="participation", title="Families who gave feedback, complained or reported problems",
        paragraphs=("A family is a carer on Carerline; one family may appear under several headings.",),
        tables=(Table("By term", headers, tuple(term_rows)), Table("By district (the child's district)", ("District", *headers[1:]), tuple(district_rows))),
        chart=ChartData("contacts_by_term", "Families heard from, by term", tuple(labels), series, "Families", alt),
    )


def _satisfied(rows: Iterable[Row]) -> tuple[int, int]:
    ratings = [row.record.rating for row in rows if row.record.rating is not None]  # type: ignore[attr-defined]
    return sum(rating >= 4 for rating in ratings), len(ratings)


def satisfaction(year: AcademicYear, feedback: list[Row], last_year: list[Row]) -> Section:
    """Ratings of 4 or 5 by term, this year and last."""
    rows, now_values, old_values = [], [], []
    for term, old_term in zip(year.terms, year.previous.terms, strict=True):
        now_pair = _satisfied(row for row in feedback if year.term_of(row.at) == term)
        old_pair = _satisfied(row for row in last_year if year.previous.term_of(row.at) == old_term)
        rows.append((term.label, published_count(now_pair[1]), _share(now_pair), _share(old_pair), _points_change(now_pair, old_pair)))
        now_values.append(_percent_or_none(now_pair))
        old_values.append(_percent_or_none(old_pair))
    whole, whole_old = _satisfied(feedback), _satisfied(last_year)
    rows.append(("Whole year", published_count(whole[1]), _share(whole), _share(whole_old), _points_change(whole, whole_old)))
    alt = "Bar chart of the share of ratings that were 4 or 5 out of 5, by term, this year and last: " + "; ".join(
        f"{row[0]}: {row[2]} (last year {row[3]})" for row in rows[:-1]) + "."
    return Section(
        key="satisfaction", title="Satisfaction",
        paragraphs=("Families rate their transport from 1 to 5 when they give feedback. Satisfied means a rating of 4 or 5.",),
        tables=(Table("Families satisfied, by term", ("Term", "Ratings given", "Satisfied", f"Same term {year.previous.label}", "Change"), tuple(rows)),),
        chart=ChartData("satisfaction_by_term", "Ratings of 4 or 5 out of 5, by term", tuple(term.key.capitalize() for term in year.terms),
                        ((year.label, tuple(now_values)), (year.previous.label, tuple(old_values))), "Per cent satisfied", alt),
    )


def theme_counts(rows: Iterable[Row]) -> Counter[str]:
    """Pieces of feedback per theme, each counted once."""
    counts: Counter[str] = Counter()
    for row in rows:
        counts.update(set(row.record.themes))  # type: ignore[attr-defined]
    return counts


def ranked(counts: Counter[str]) -> list[str]:
    """Most mentioned first, ties in taxonomy order."""
    order = {theme.value: index for index, theme in enumerate(Theme)}
    return sorted(counts, key=lambda key: (-counts[key], order.get(key, len(order)), key))


def themes(year: AcademicYear, feedback: list[Row], last_year: list[Row]) -> Section:
    """Themes ranked, with last year's counts."""
    counts, old = theme_counts(feedback), theme_counts(last_year)
    rows = tuple((str(rank), theme_label(key), published_count(counts[key]), published_count(old[key]), signed_change(counts[key], old[key]))
                 for rank, key in enumerate(ranked(counts), start=1))
    shown = [key for key in ranked(counts) if not is_suppressed(counts[key])]
    alt = "Bar chart of themes ranked by mentions: " + ("; ".join(f"{theme_label(k)} {counts[k]:,}" for k in shown) or "none to show") + "."
    return Section(
        key="themes", title="What families talked about",
        paragraphs=("Each piece of feedback is tagged with themes from a published list; one piece may have several.",),
        tables=(Table("Themes ranked", ("Rank", "Theme", "Mentions", year.previous.label, "Change"), rows),),
        chart=ChartData("themes_ranked", "Themes ranked by mentions", tuple(theme_label(k) for k in shown),
                        ((year.label, tuple(float(counts[k]) for k in shown)),), "Mentions", alt, is_horizontal=True),
    )


async def quotes(session: AsyncSession, year: AcademicYear, theme_order: Sequence[str]) -> Section:
    """Every approved quote redacted, then the first three different ones under each quote's best-ranked theme."""
    result = await session.exec(
        select(FeedbackItem, Carer.first_name, Child.display_name)
        .outerjoin(Carer, col(Carer.id) == FeedbackItem.carer_id).outerjoin(Child, col(Child.id) == FeedbackItem.child_id)
        .where(FeedbackItem.quote_status == QuoteStatus.APPROVED, col(FeedbackItem.text).is_not(None))
        .order_by(col(FeedbackItem.created_at), col(FeedbackItem.id))
    )
    rank = {key: index for index, key in enumerate(theme_order)}
    groups: dict[str, list[str]] = {}
    for item, carer_name, child_name in result.all():
        if not year.period.starts_at <= item.created_at < year.period.ends_at:
            continue
        text = redact(item.text, known_names=[name for name in (carer_name, child_name) if name])
        theme = min(tuple(item.themes) or ("other",), key=lambda key: (rank.get(key, len(rank)), key))
        group, quote = groups.setdefault(theme, []), _short(text)
        if len(group) < QUOTES_PER_THEME and quote not in group:
            group.append(quote)
    ordered = sorted(groups, key=lambda key: (rank.get(key, len(rank)), key))
    return Section(
        key="quotes", title="In families' own words",
        paragraphs=("Families chose to let Kent PACT quote them anonymously. A PACT coordinator chose each quote, and "
                    "names, contact details, addresses and reference numbers have been removed.",)
        if ordered else ("No quotes were approved for this year.",),
        quote_groups=tuple(QuoteGroup(theme_label(key), tuple(groups[key])) for key in ordered),
    )


def complaints(rows: list[Row]) -> list[Table]:
    """The complaints tables."""
    items: list[Complaint] = [row.record for row in rows]  # type: ignore[misc]
    escalated = [item for item in items if item.stage2_received_at is not None]
    tables = [Table("Complaints by stage", ("Stage", "Complaints"), (
        ("Stage 1 (received this year)", published_count(len(items))), ("Escalated to stage 2", published_count(len(escalated))))),
        Table("Complaints by category", ("Category", "Complaints"), tuple(
            (_category_label(key), published_count(count)) for key, count in Counter(item.category for item in items).most_common()))]
    timely, outcome_rows = [], []
    for stage, group in ((1, items), (2, escalated)):
        answers = [result for item in group if (result := _within_code(item, stage)) is not None]
        timely.append((f"Stage {stage}", published_count(len(answers)), published_share(sum(answers), len(answers)) if answers else "none answered"))
        outcomes = Counter(item.stage1_outcome if stage == 1 else item.stage2_outcome for item in group)
        awaiting = sum(1 for item in group if (item.stage1_responded_at if stage == 1 else item.stage2_responded_at) is None)
        outcome_rows.append((f"Stage {stage}", *(published_count(outcomes[outcome]) for outcome in OUTCOME_LABELS), published_count(awaiting)))
    tables.append(Table("Answered within the Code's timescales", ("Stage", "Answered", "Within the Code's timescales"), tuple(timely)))
    tables.append(Table("Outcomes", ("Stage", *OUTCOME_LABELS.values(), "Awaiting an answer"), tuple(outcome_rows)))
    return tables


def problems(rows: list[Row]) -> list[Table]:
    """The problems tables."""
    items: list[ProblemReport] = [row.record for row in rows]  # type: ignore[misc]
    hours = [(item.resolved_at - item.reported_at).total_seconds() / 3600 for item in items if item.resolved_at is not None]
    if hours and not is_suppressed(len(hours)):
        median, slowest = describe_duration(statistics.median(hours)), describe_duration(nearest_rank_percentile(hours, 90))
    else:
        median = slowest = NOT_PUBLISHED if hours else "none resolved"
    return [Table("Problems by kind", ("Kind", "Reported"), tuple(
                (_problem_label(key), published_count(count)) for key, count in Counter(item.category for item in items).most_common())),
            Table("How fast problems were resolved", ("Reported", "Resolved", "Median time to resolve", "9 in 10 resolved within"),
                  ((published_count(len(items)), published_count(len(hours)), median, slowest),))]


async def reach_rows(session: AsyncSession, year: AcademicYear) -> tuple[tuple[str, ...], ...]:
    """The reach figures that come from change notices and lead times, row by row."""
    period = year.period
    changes = (await session.exec(select(TransportChange).where(
        col(TransportChange.effective_at) >= period.starts_at, col(TransportChange.effective_at) < period.ends_at))).all()
    change_ids = [change.id for change in changes]
    notices = (await session.exec(select(ChangeNotice).where(col(ChangeNotice.change_id).in_(change_ids)))).all()
    lead = [(change.effective_at - change.notices_queued_at).total_seconds() / 3600 for change in changes if change.notices_queued_at]
    seen = [notice.acknowledged_at is not None for notice in notices]
    rows = [("Changes notified", published_count(len(lead))), ("Personal change notices sent", published_count(len(seen))),
            ("Change notices families confirmed they had seen", published_share(sum(seen), len(seen)) if seen else "none")]
    if lead and not is_suppressed(len(lead)):
        rows += [("Notice before a change took effect: median", describe_duration(statistics.median(lead))),
                 ("Notice before a change took effect: shortest", describe_duration(min(lead)))]
    else:
        rows.append(("Notice before a change took effect", NOT_PUBLISHED if lead else "no changes notified"))
    return tuple(rows)


async def row_by_row_sections(session: AsyncSession, *, year: AcademicYear, now: datetime) -> dict[str, object]:
    """The figures that the database now counts, by their definition; keyed like the report's sections."""
    this, last = await read_year(session, year.period), await read_year(session, year.previous.period)
    counts = theme_counts(this["feedback"])
    reach = await reach_section(session, year=year, now=now)
    return {
        "reach_rows": reach.tables[0].rows[:2] + await reach_rows(session, year),
        "participation": participation(year, this),
        "satisfaction": satisfaction(year, this["feedback"], last["feedback"]),
        "themes": themes(year, this["feedback"], last["feedback"]),
        "quotes": await quotes(session, year, ranked(counts)),
        "complaints_tables": tuple(complaints(this["complaints"])),
        "problems_tables": tuple(problems(this["problems"])),
        "families": tuple(families(this[kind]) for kind in ("feedback", "complaints", "problems")),
    }
