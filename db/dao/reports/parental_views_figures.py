"""The parental-views figures counted by the database: one GROUP BY per table, never a row per item in Python.

What comes back grows with the report (terms, districts, theme lists, categories, calendar days), not with
the records: at 500,000 pieces of feedback and 10,000 complaints the section reads about 7,000 small rows,
nearly all of them complaints grouped by the days that decide the Code's timescales (bounded by the calendar).
Quotes come from a LIMITed query per theme; percentiles from the row at their rank in the database's ordering.
reports/parental_views/ turns these counts into published figures.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Integer, String, Text, and_, case, cast, exists, func, literal, not_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.reports.parental_views import Period
from db.models.carers import Carer
from db.models.casework import Complaint, FeedbackItem, ProblemReport, QuoteStatus
from db.models.changes import ChangeNotice, TransportChange
from db.models.transport import Child

class RecordKind(StrEnum):
    """The records families are counted over."""

    FEEDBACK = "feedback"
    COMPLAINTS = "complaints"
    PROBLEMS = "problems"


@dataclass(frozen=True, slots=True)
class FamilyCounts:
    """Distinct families (a record with no carer counts as one of its own) per term, per district and in the year."""

    by_term: dict[str, int]
    by_district: dict[str | None, int]
    whole_year: int


@dataclass(frozen=True, slots=True)
class QuoteRow:
    """An approved quote as held, with the names redaction must take out."""

    feedback_id: int
    created_at: datetime
    text: str
    carer_name: str | None
    child_name: str | None


@dataclass(frozen=True, slots=True)
class AnsweredGroup:
    """Answered complaint stages that share their days: each moment stands for every moment of its council day."""

    received_at: datetime
    acknowledged_at: datetime | None
    extension_working_days: int | None
    responded_at: datetime
    count: int


def _is_postgresql(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"


def _source(kind: RecordKind) -> tuple[Any, Any, Any, Any]:
    """(table, moment, carer id, district recorded on the record itself, if any) for a kind of record."""
    if kind is RecordKind.FEEDBACK:
        return FeedbackItem, col(FeedbackItem.created_at), col(FeedbackItem.carer_id), col(FeedbackItem.district)
    if kind is RecordKind.COMPLAINTS:
        return Complaint, col(Complaint.stage1_received_at), col(Complaint.carer_id), literal(None, String)
    return ProblemReport, col(ProblemReport.reported_at), col(ProblemReport.carer_id), literal(None, String)


def _families(carer_id: Any) -> Any:
    return func.count(func.distinct(carer_id)) + func.coalesce(func.sum(case((carer_id.is_(None), 1), else_=0)), 0)


def _in(moment: Any, period: Period) -> Any:
    return and_(moment >= period.starts_at, moment < period.ends_at)


async def _count_families_in(session: AsyncSession, *, kind: RecordKind, period: Period) -> int:
    table, moment, carer_id, _district = _source(kind)
    return int((await session.exec(select(_families(carer_id)).select_from(table).where(_in(moment, period)))).one())


async def count_families(
    session: AsyncSession, *, kind: RecordKind, period: Period, terms: Sequence[tuple[str, Period]]
) -> FamilyCounts:
    """Families behind the records of one kind in the period: by term, by district and in the whole period.

    One range query per term (records arrive in time order, so each reads a stretch of the index).
    """
    table, moment, carer_id, own_district = _source(kind)
    by_term = {key: await _count_families_in(session, kind=kind, period=term) for key, term in terms}
    # Families per (child, recorded district) first, so the children are looked up once each and in id order.
    per_child = (
        select(table.child_id.label("child_id"), own_district.label("district"), carer_id.label("carer_id"),
               func.sum(case((carer_id.is_(None), 1), else_=0)).label("without_carer"))
        .where(_in(moment, period)).group_by(table.child_id, own_district, carer_id).subquery()
    )
    # The district as the report defines it: recorded on the record, else the child's; blank counts as none.
    district = func.nullif(func.coalesce(per_child.c.district, Child.district), "")
    result = await session.exec(
        select(district, func.count(func.distinct(per_child.c.carer_id)) + func.coalesce(func.sum(per_child.c.without_carer), 0))
        .select_from(per_child).outerjoin(Child, col(Child.id) == per_child.c.child_id).group_by(district)
    )
    by_district = {name: int(count) for name, count in result.all()}
    return FamilyCounts(by_term=by_term, by_district=by_district, whole_year=await _count_families_in(session, kind=kind, period=period))


async def count_ratings(session: AsyncSession, *, period: Period) -> tuple[int, int]:
    """(ratings of 4 or 5, ratings given) on feedback in the period."""
    moment, rating = col(FeedbackItem.created_at), col(FeedbackItem.rating)
    result = await session.exec(
        select(func.coalesce(func.sum(case((rating >= 4, 1), else_=0)), 0), func.count(rating)).where(_in(moment, period))
    )
    satisfied, rated = result.one()
    return int(satisfied), int(rated)


def _theme_values(session: AsyncSession) -> Any:
    """The themes of the outer feedback row as a table of text values."""
    function = func.json_array_elements_text if _is_postgresql(session) else func.json_each
    return function(FeedbackItem.themes).table_valued("value")


async def count_theme_mentions(session: AsyncSession, *, period: Period) -> dict[str, int]:
    """Per theme: how many pieces of feedback in the period carry it (once each, however often listed).

    The database groups the items by their list of themes (a few dozen distinct lists); Python counts each list once.
    """
    themes = cast(FeedbackItem.themes, Text)
    result = await session.exec(select(themes, func.count()).where(_in(col(FeedbackItem.created_at), period)).group_by(themes))
    counts: dict[str, int] = {}
    for listed, items in result.all():
        for theme in set(json.loads(listed) or []):
            counts[str(theme)] = counts.get(str(theme), 0) + int(items)
    return counts


def _carries_any(session: AsyncSession, keys: Sequence[str]) -> Any:
    themes = _theme_values(session)
    return exists(select(literal(1)).select_from(themes).where(themes.c.value.in_(list(keys))))


async def fetch_approved_quotes(
    session: AsyncSession, *, period: Period, theme: str, outranked_by: Sequence[str], with_untagged: bool,
    after: tuple[datetime, int] | None, limit: int,
) -> list[QuoteRow]:
    """Approved quotes given in the period whose best-ranked theme is `theme` (none of `outranked_by`), oldest first.

    `with_untagged` adds quotes with no theme at all. Keyset paging: pass the last (created_at, id) as `after`.
    """
    carries = and_(_carries_any(session, [theme]), not_(_carries_any(session, outranked_by))) if outranked_by \
        else _carries_any(session, [theme])
    if with_untagged:
        carries = or_(carries, func.json_array_length(FeedbackItem.themes) == 0)
    created_at, item_id = col(FeedbackItem.created_at), col(FeedbackItem.id)
    statement = (
        select(FeedbackItem.id, FeedbackItem.created_at, FeedbackItem.text, Carer.first_name, Child.display_name)
        .outerjoin(Carer, col(Carer.id) == FeedbackItem.carer_id)
        .outerjoin(Child, col(Child.id) == FeedbackItem.child_id)
        .where(FeedbackItem.quote_status == QuoteStatus.APPROVED, col(FeedbackItem.text).is_not(None), _in(created_at, period), carries)
        .order_by(created_at, item_id).limit(limit)
    )
    if after is not None:
        statement = statement.where(or_(created_at > after[0], and_(created_at == after[0], item_id > after[1])))
    return [QuoteRow(feedback_id=a, created_at=b, text=c, carer_name=d, child_name=e) for a, b, c, d, e in (await session.exec(statement)).all()]


async def count_by_category(session: AsyncSession, *, kind: RecordKind, period: Period) -> list[tuple[str, int]]:
    """Complaints or problems in the period per category, most first (ties: the category met first, by id)."""
    table, moment, _carer, _district = _source(kind)
    count = func.count()
    result = await session.exec(
        select(table.category, count).where(_in(moment, period)).group_by(table.category).order_by(count.desc(), func.min(table.id))
    )
    return [(str(category), int(number)) for category, number in result.all()]


async def count_complaint_stages(session: AsyncSession, *, period: Period, stage: int) -> dict[tuple[str | None, bool], int]:
    """Complaints received in the period that reached the stage, per (outcome, awaiting an answer)."""
    outcome = col(Complaint.stage1_outcome) if stage == 1 else col(Complaint.stage2_outcome)
    responded = col(Complaint.stage1_responded_at) if stage == 1 else col(Complaint.stage2_responded_at)
    awaiting = case((responded.is_(None), 1), else_=0)
    statement = (select(outcome, awaiting, func.count()).where(_in(col(Complaint.stage1_received_at), period))
                 .group_by(outcome, awaiting))
    if stage == 2:
        statement = statement.where(col(Complaint.stage2_received_at).is_not(None))
    return {(None if key is None else str(key), bool(is_awaiting)): int(count) for key, is_awaiting, count in (await session.exec(statement)).all()}


def _day_and_last_hour(session: AsyncSession, moment: Any) -> tuple[Any, Any]:
    """A UTC timestamp as (its UTC date as text, is it in the 23:00 hour): enough to tell its day in England."""
    if _is_postgresql(session):
        utc = func.timezone("UTC", moment)
        return func.to_char(utc, "YYYY-MM-DD"), func.to_char(utc, "HH24") == "23"
    return func.substr(moment, 1, 10), func.substr(moment, 12, 2) == "23"


def _standing_moment(day: str | None, is_last_hour: Any) -> datetime | None:
    """A moment on the same day in England as every UTC moment of `day` before 23:00 (noon) or in its last hour."""
    if day is None:
        return None
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=UTC).replace(hour=23 if is_last_hour else 12)


async def count_answered_complaints_by_day(session: AsyncSession, *, period: Period, stage: int) -> list[AnsweredGroup]:
    """Answered stages of complaints received in the period, grouped by the days that decide the Code's timescales."""
    if stage == 1:
        received, acknowledged, responded = col(Complaint.stage1_received_at), col(Complaint.stage1_acknowledged_at), col(Complaint.stage1_responded_at)
        extensions = [col(Complaint.stage1_extension_working_days)]
    else:
        received, acknowledged, responded = col(Complaint.stage2_received_at), col(Complaint.stage2_acknowledged_at), col(Complaint.stage2_responded_at)
        extensions = []  # the Code allows no extension at stage 2
    keys = [*_day_and_last_hour(session, received), *_day_and_last_hour(session, acknowledged),
            *_day_and_last_hour(session, responded), *extensions]
    result = await session.exec(
        select(*keys, func.count()).where(_in(col(Complaint.stage1_received_at), period), responded.is_not(None),
                                          received.is_not(None)).group_by(*keys)
    )
    groups = []
    for row in result.all():
        received_at, responded_at = _standing_moment(row[0], row[1]), _standing_moment(row[4], row[5])
        assert received_at is not None and responded_at is not None
        groups.append(AnsweredGroup(received_at=received_at, acknowledged_at=_standing_moment(row[2], row[3]),
                                    extension_working_days=None if stage == 2 or row[6] is None else int(row[6]),
                                    responded_at=responded_at, count=int(row[-1])))
    return groups


def _microseconds_between(session: AsyncSession, start: Any, end: Any) -> Any:
    """end - start in whole microseconds, exactly (SQLite holds timestamps as 'YYYY-MM-DD HH:MM:SS.ffffff')."""
    if _is_postgresql(session):
        return func.extract("epoch", end - start) * 1_000_000
    seconds = cast(func.strftime("%s", end), Integer) - cast(func.strftime("%s", start), Integer)
    return seconds * 1_000_000 + cast(func.substr(end, 21, 6), Integer) - cast(func.substr(start, 21, 6), Integer)


async def _spans_at_ranks(session: AsyncSession, *, start: Any, end: Any, where: Sequence[Any], ranks: Sequence[int]) -> dict[int, tuple[datetime, datetime]]:
    """(start, end) of the span at each rank (0 = shortest) in the database's ordering of end - start."""
    spans = {}
    for rank in sorted(set(ranks)):
        result = await session.exec(select(start, end).where(*where).order_by(_microseconds_between(session, start, end)).offset(rank).limit(1))
        row = result.first()
        if row is not None:
            spans[rank] = (row[0], row[1])
    return spans


async def count_problems(session: AsyncSession, *, period: Period) -> tuple[int, int]:
    """(problems reported in the period, of them resolved)."""
    result = await session.exec(select(func.count(), func.count(ProblemReport.resolved_at)).where(_in(col(ProblemReport.reported_at), period)))
    reported, resolved = result.one()
    return int(reported), int(resolved)


async def fetch_resolution_spans(session: AsyncSession, *, period: Period, ranks: Sequence[int]) -> dict[int, tuple[datetime, datetime]]:
    """(reported, resolved) of the resolved problem at each rank, quickest first."""
    reported, resolved = col(ProblemReport.reported_at), col(ProblemReport.resolved_at)
    return await _spans_at_ranks(session, start=reported, end=resolved, where=[_in(reported, period), resolved.is_not(None)], ranks=ranks)


async def count_change_notice_outcomes(session: AsyncSession, *, period: Period) -> tuple[int, int]:
    """(change notices acknowledged, change notices) for changes taking effect in the period."""
    result = await session.exec(
        select(func.count(ChangeNotice.acknowledged_at), func.count())
        .select_from(ChangeNotice).join(TransportChange, col(TransportChange.id) == ChangeNotice.change_id)
        .where(_in(col(TransportChange.effective_at), period))
    )
    acknowledged, total = result.one()
    return int(acknowledged), int(total)


def _notified(period: Period) -> list[Any]:
    return [_in(col(TransportChange.effective_at), period), col(TransportChange.notices_queued_at).is_not(None)]


async def count_notified_changes(session: AsyncSession, *, period: Period) -> int:
    """Changes taking effect in the period whose notices were queued."""
    return int((await session.exec(select(func.count()).select_from(TransportChange).where(*_notified(period)))).one())


async def fetch_lead_time_spans(session: AsyncSession, *, period: Period, ranks: Sequence[int]) -> dict[int, tuple[datetime, datetime]]:
    """(notices queued, took effect) of the notified change at each rank, shortest notice first."""
    return await _spans_at_ranks(session, start=col(TransportChange.notices_queued_at), end=col(TransportChange.effective_at),
                                 where=_notified(period), ranks=ranks)
