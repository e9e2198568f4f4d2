"""Data access for broadcasts, their audiences and their delivery figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.surveys import unanswered_carer_ids
from db.models.broadcasts import Broadcast, BroadcastStatus
from db.models.carers import Carer, CarerChildLink
from db.models.casework import Complaint, ComplaintStatus
from db.models.outbox import OutboxMessage, OutboxState
from db.models.transport import Child, Route, School


@dataclass(frozen=True, slots=True)
class AudienceFilter:
    """Which carers to reach: `kind` is everyone, school, route, district, phase, open_complaint or not_answered_survey."""

    kind: str
    value: str | int | None = None


@dataclass(frozen=True, slots=True)
class AudienceRow:
    """A carer with the child (if any) that placed them in the audience."""

    carer: Carer
    child_name: str | None
    school_name: str | None
    route_code: str | None


async def save_broadcast(session: AsyncSession, *, broadcast: Broadcast) -> Broadcast:
    """Insert or update one broadcast."""
    session.add(broadcast)
    await session.flush()
    return broadcast


async def fetch_broadcast(session: AsyncSession, *, broadcast_id: int, for_update: bool = False) -> Broadcast | None:
    """One broadcast by id."""
    statement = select(Broadcast).where(Broadcast.id == broadcast_id)
    if for_update:
        statement = statement.with_for_update()
    return (await session.exec(statement)).first()


async def fetch_broadcasts(session: AsyncSession, *, statuses: list[str] | None = None, limit: int = 200) -> list[Broadcast]:
    """The newest broadcasts, optionally only those in some statuses."""
    statement = select(Broadcast).order_by(col(Broadcast.created_at).desc(), col(Broadcast.id).desc()).limit(limit)
    if statuses:
        statement = statement.where(col(Broadcast.status).in_(statuses))
    return list((await session.exec(statement)).all())


async def fetch_due_broadcasts(session: AsyncSession, *, now: datetime) -> list[Broadcast]:
    """Scheduled broadcasts whose time has come, locked so two processes never send the same one."""
    statement = (
        select(Broadcast)
        .where(col(Broadcast.status) == BroadcastStatus.SCHEDULED.value, col(Broadcast.scheduled_for) <= now)
        .order_by(col(Broadcast.scheduled_for))
        .with_for_update(skip_locked=True)
    )
    return list((await session.exec(statement)).all())


async def fetch_audience(session: AsyncSession, *, where: AudienceFilter) -> list[AudienceRow]:
    """Carers who may get a non-urgent message and match the filter, one row each, in id order."""
    statement = (
        select(Carer, Child.display_name, School.name, Route.code)
        .outerjoin(CarerChildLink, col(CarerChildLink.carer_id) == col(Carer.id))
        .outerjoin(Child, (col(Child.id) == col(CarerChildLink.child_id)) & col(Child.is_active))
        .outerjoin(School, col(School.id) == col(Child.school_id))
        .outerjoin(Route, col(Route.id) == col(Child.route_id))
        .where(
            col(Carer.erased_at).is_(None),
            col(Carer.chat_id).is_not(None),
            col(Carer.consent_given_at).is_not(None),
            col(Carer.consent_withdrawn_at).is_(None),
        )
        .order_by(col(Carer.id), col(Child.id))
    )
    if where.kind == "school":
        statement = statement.where(col(Child.school_id) == int(where.value or 0))
    elif where.kind == "route":
        statement = statement.where(col(Route.code) == str(where.value))
    elif where.kind == "district":
        statement = statement.where(col(Child.district) == str(where.value))
    elif where.kind == "phase":
        statement = statement.where(col(Child.phase) == str(where.value))
    elif where.kind == "open_complaint":
        open_complaints = select(Complaint.carer_id).where(
            col(Complaint.status) != ComplaintStatus.CLOSED.value, col(Complaint.carer_id).is_not(None)
        )
        statement = statement.where(col(Carer.id).in_(open_complaints))
    elif where.kind == "not_answered_survey":
        statement = statement.where(col(Carer.id).in_(unanswered_carer_ids(int(where.value or 0))))
    rows: list[AudienceRow] = []
    seen: set[int] = set()
    for carer, child_name, school_name, route_code in (await session.exec(statement)).all():
        if carer.id in seen:
            continue
        seen.add(carer.id)  # type: ignore[arg-type]
        rows.append(AudienceRow(carer=carer, child_name=child_name, school_name=school_name, route_code=route_code))
    return rows


async def fetch_audience_choices(session: AsyncSession) -> tuple[list[School], list[str], list[str]]:
    """Schools, route codes and districts, for the audience pickers."""
    schools = list((await session.exec(select(School).order_by(col(School.name)))).all())
    routes = list((await session.exec(select(Route.code).order_by(col(Route.code)))).all())
    districts = list((await session.exec(select(Child.district).distinct().order_by(col(Child.district)))).all())
    return schools, routes, districts


async def count_broadcast_outbox(session: AsyncSession, *, broadcast_id: int) -> dict[str, int]:
    """The broadcast's outbox rows by figure: state, or "unreachable" for carers Telegram cannot reach."""
    is_unreachable = (col(OutboxMessage.last_error) == "unreachable") | (
        (col(OutboxMessage.state) == OutboxState.FAILED.value) & col(Carer.unreachable_since).is_not(None)
    )
    statement = (
        select(OutboxMessage.state, is_unreachable, func.count())
        .outerjoin(Carer, col(Carer.id) == col(OutboxMessage.carer_id))
        .where(col(OutboxMessage.source_type) == "broadcast", col(OutboxMessage.source_id) == broadcast_id)
        .group_by(OutboxMessage.state, is_unreachable)
    )
    counts: dict[str, int] = {}
    for state, unreachable, number in (await session.exec(statement)).all():
        key = "unreachable" if unreachable else state
        counts[key] = counts.get(key, 0) + number
    return counts


async def save_cancelled_outbox_rows(session: AsyncSession, *, broadcast_id: int, now: datetime) -> int:
    """Take the broadcast's not-yet-claimed rows out of the queue; returns how many."""
    statement = (
        update(OutboxMessage)
        .where(
            col(OutboxMessage.source_type) == "broadcast",
            col(OutboxMessage.source_id) == broadcast_id,
            col(OutboxMessage.state) == OutboxState.QUEUED.value,
        )
        .values(state=OutboxState.SKIPPED.value, skipped_at=now, last_error="cancelled")
    )
    result = await session.exec(statement)  # type: ignore[call-overload]
    return int(result.rowcount or 0)
