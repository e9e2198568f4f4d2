"""The parental-views figures for one academic year, from Carerline's own records.

Pure reads through db/dao, counted by the database (db/dao/reports/parental_views_figures.py), so the time
grows with the report, not with the records; every count goes out through publishing.py (under 5 → "fewer
than 5", percentages with their counts). `build_parental_views` assembles the whole section.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.reports.parental_views import Period, count_linked_carers, count_messages_sent
from db.dao.reports.parental_views_figures import (
    FamilyCounts,
    RecordKind,
    count_change_notice_outcomes,
    count_families,
    count_notified_changes,
    count_ratings,
    count_theme_mentions,
    fetch_lead_time_spans,
)
from reports.parental_views.casework_figures import complaints_section, problems_section
from reports.parental_views.model import ChartData, ParentalViewsReport, Section, Table
from reports.parental_views.narrative import commentary_section, method_section, quotes_section, you_said_section
from services.calendar.periods import AcademicYear
from reports.parental_views.publishing import is_suppressed, published_count, published_share, whole_percent
from reports.parental_views.ranks import median_hours, median_ranks, span_hours
from reports.parental_views.ranks import nearest_rank_percentile as nearest_rank_percentile  # kept here for callers
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


def signed_change(current: int, previous: int) -> str:
    """"+3", "-2" or "no change" when both counts may be published; otherwise not published."""
    if is_suppressed(current) or is_suppressed(previous):
        return NOT_PUBLISHED
    difference = current - previous
    return "no change" if difference == 0 else f"{difference:+,}"


def terms_of(year: AcademicYear) -> list[tuple[str, Period]]:
    """The year's terms as (key, period), as the queries take them."""
    return [(term.key, term.period) for term in year.terms]


async def reach_section(session: AsyncSession, *, year: AcademicYear, now: datetime) -> Section:
    """Families reached and how: linked carers, messages, acknowledgements and notice before changes."""
    period = year.period
    linked = await count_linked_carers(session, before=min(period.ends_at, now))
    sent = await count_messages_sent(session, period=period)
    acknowledged, notices = await count_change_notice_outcomes(session, period=period)
    notified = await count_notified_changes(session, period=period)
    rows = [
        ("Carers linked to a child on Carerline", published_count(linked)),
        ("Messages sent to families", published_count(sent)),
        ("Changes notified", published_count(notified)),
        ("Personal change notices sent", published_count(notices)),
        ("Change notices families confirmed they had seen", published_share(acknowledged, notices) if notices else "none"),
    ]
    if notified and not is_suppressed(notified):
        spans = await fetch_lead_time_spans(session, period=period, ranks=(0, *median_ranks(notified)))
        rows.append(("Notice before a change took effect: median", describe_duration(median_hours(spans, notified))))
        rows.append(("Notice before a change took effect: shortest", describe_duration(span_hours(*spans[0]))))
    else:
        rows.append(("Notice before a change took effect", NOT_PUBLISHED if notified else "no changes notified"))
    return Section(
        key="reach", title="Families reached and how",
        paragraphs=("Carerline sends each linked carer a personal notice when their child's transport changes, "
                    "and asks them to confirm they have seen it.",),
        tables=(Table("How families were reached", ("Measure", f"{year.label}"), tuple(rows)),),
    )


def _participation_row(label: str, counts: Sequence[int]) -> tuple[str, ...]:
    return (label, *(published_count(count) for count in counts))


def participation_section(year: AcademicYear, families: Mapping[RecordKind, FamilyCounts]) -> Section:
    """How many families gave feedback, made complaints and reported problems, by term and by district."""
    headers = ("Term", "Families giving feedback", "Families making complaints", "Families reporting problems")
    kinds = (RecordKind.FEEDBACK, RecordKind.COMPLAINTS, RecordKind.PROBLEMS)
    term_rows = [_participation_row(term.label, [families[kind].by_term.get(term.key, 0) for kind in kinds]) for term in year.terms]
    term_rows.append(_participation_row("Whole year", [families[kind].whole_year for kind in kinds]))
    districts = sorted({district or UNKNOWN_DISTRICT for kind in kinds for district in families[kind].by_district})

    def in_district(kind: RecordKind, name: str) -> int:
        return sum(count for district, count in families[kind].by_district.items() if (district or UNKNOWN_DISTRICT) == name)

    district_rows = [_participation_row(name, [in_district(kind, name) for kind in kinds]) for name in districts]
    series = [(name, tuple(_chartable(families[kind].by_term.get(term.key, 0)) for term in year.terms))
              for name, kind in zip(("Feedback", "Complaints", "Problems"), kinds, strict=True)]
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


def _points_change(current: tuple[int, int], previous: tuple[int, int]) -> str:
    if any(is_suppressed(value) for value in (*current, *previous)):
        return NOT_PUBLISHED
    difference = whole_percent(*current) - whole_percent(*previous)
    return "no change" if difference == 0 else f"{difference:+} percentage points"


def _whole(pairs: Mapping[str, tuple[int, int]]) -> tuple[int, int]:
    return sum(pair[0] for pair in pairs.values()), sum(pair[1] for pair in pairs.values())


def satisfaction_section(year: AcademicYear, ratings: Mapping[str, tuple[int, int]], last_year: Mapping[str, tuple[int, int]]) -> Section:
    """Share of ratings that were 4 or 5 out of 5, by term, with the change from the same term a year before."""
    rows, this_values, last_values = [], [], []
    previous_year = year.previous
    for term, old_term in zip(year.terms, previous_year.terms, strict=True):
        now_pair, old_pair = ratings.get(term.key, (0, 0)), last_year.get(old_term.key, (0, 0))
        rows.append((term.label, published_count(now_pair[1]), _share(now_pair), _share(old_pair), _points_change(now_pair, old_pair)))
        this_values.append(_percent_or_none(now_pair))
        last_values.append(_percent_or_none(old_pair))
    whole, whole_old = _whole(ratings), _whole(last_year)
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


def ranked_themes(counts: Mapping[str, int]) -> list[str]:
    """Theme keys, most mentioned first (ties in taxonomy order)."""
    order = {theme.value: index for index, theme in enumerate(Theme)}
    return sorted((key for key, count in counts.items() if count), key=lambda key: (-counts[key], order.get(key, len(order)), key))


def themes_section(year: AcademicYear, counts: Mapping[str, int], old: Mapping[str, int]) -> Section:
    """Themes ranked by how often families raised them, with the change from the year before."""
    ranked = ranked_themes(counts)
    rows = tuple((str(rank), theme_label(key), published_count(counts[key]), published_count(old.get(key, 0)),
                  signed_change(counts[key], old.get(key, 0))) for rank, key in enumerate(ranked, start=1))
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
    period, terms = year.period, terms_of(year)
    families = {kind: await count_families(session, kind=kind, period=period, terms=terms) for kind in RecordKind}
    ratings = {key: await count_ratings(session, period=term) for key, term in terms}
    last_ratings = {key: await count_ratings(session, period=term) for key, term in terms_of(year.previous)}
    themes = await count_theme_mentions(session, period=period)
    last_themes = await count_theme_mentions(session, period=year.previous.period)
    step("Quotes and commentary")
    sections = (
        reach,
        participation_section(year, families),
        satisfaction_section(year, ratings, last_ratings),
        themes_section(year, themes, last_themes),
        await quotes_section(session, year=year, theme_order=ranked_themes(themes), label_of=theme_label),
        await complaints_section(session, period=period),
        await problems_section(session, period=period, describe=describe_duration),
        await you_said_section(session, year=year),
        await commentary_section(session, year=year),
        method_section(year),
    )
    summary = (
        f"This section covers the academic year {year.label} (1 September {year.first_calendar_year} to "
        f"31 August {year.first_calendar_year + 1}). It is produced by Carerline from its own records, so every figure "
        "can be traced back to them.",
        f"{published_count(families[RecordKind.FEEDBACK].whole_year)} families gave feedback, "
        f"{published_count(families[RecordKind.COMPLAINTS].whole_year)} made complaints and "
        f"{published_count(families[RecordKind.PROBLEMS].whole_year)} reported problems on the day.",
    )
    return ParentalViewsReport(
        academic_year=year.label, title=f"Parents' and carers' views: SEND home-to-school transport {year.label}",
        produced_at=now, summary=summary, sections=sections,
    )
