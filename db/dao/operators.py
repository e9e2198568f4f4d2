"""Data access for operators' own routes, their disruption reports, who was told, and change drafts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Carer, Child, Operator, Route, RouteStop
from db.models.transport import (
    DisruptionKind,
    DisruptionNotice,
    DisruptionStatus,
    DraftStatus,
    OperatorDisruption,
    Run,
    TransportChangeDraft,
)

# Reports whose families may still be waiting for a follow-up: a new report of the same kind joins them.
OPEN_STATUSES = (DisruptionStatus.FAMILIES_TOLD.value, DisruptionStatus.AWAITING_OFFICER.value)


async def fetch_operator(session: AsyncSession, *, operator_id: int) -> Operator | None:
    """One operator by id."""
    return await session.get(Operator, operator_id)


async def fetch_operators(session: AsyncSession) -> list[Operator]:
    """Every operator, by name."""
    return list((await session.exec(select(Operator).order_by(col(Operator.name)))).all())


async def fetch_routes_of_operator(session: AsyncSession, *, operator_id: int) -> list[Route]:
    """The routes one operator runs, by code."""
    result = await session.exec(select(Route).where(Route.operator_id == operator_id).order_by(col(Route.code)))
    return list(result.all())


async def fetch_route(session: AsyncSession, *, route_id: int) -> Route | None:
    """One route by id."""
    return await session.get(Route, route_id)


async def fetch_stops_of_routes(session: AsyncSession, *, route_ids: Sequence[int]) -> list[RouteStop]:
    """The stops of these routes, in running order."""
    if not route_ids:
        return []
    result = await session.exec(
        select(RouteStop).where(col(RouteStop.route_id).in_(list(route_ids))).order_by(col(RouteStop.route_id), col(RouteStop.sequence))
    )
    return list(result.all())


async def fetch_riders_of_routes(session: AsyncSession, *, route_ids: Sequence[int]) -> list[tuple[int, int | None, str]]:
    """(route id, stop id, first name) of each active child on these routes: nothing more leaves the table."""
    if not route_ids:
        return []
    result = await session.exec(
        select(Child.route_id, Child.stop_id, Child.display_name)
        .where(col(Child.route_id).in_(list(route_ids)), col(Child.is_active).is_(True))
        .order_by(col(Child.display_name))
    )
    return [(route_id, stop_id, name) for route_id, stop_id, name in result.all() if route_id is not None]


async def save_disruption(session: AsyncSession, *, disruption: OperatorDisruption) -> OperatorDisruption:
    """Insert or update a report."""
    session.add(disruption)
    await session.flush()
    return disruption


async def fetch_disruption(
    session: AsyncSession, *, disruption_id: int, for_update: bool = False
) -> OperatorDisruption | None:
    """One report; `for_update` locks it until the transaction ends (PostgreSQL)."""
    statement = select(OperatorDisruption).where(OperatorDisruption.id == disruption_id)
    if for_update:
        statement = statement.with_for_update()
    return (await session.exec(statement)).first()


async def fetch_open_disruption(
    session: AsyncSession, *, route_id: int, run_date: date, run: Run, kind: DisruptionKind
) -> OperatorDisruption | None:
    """The first open report of this kind on this route and run, which a new one collapses into."""
    result = await session.exec(
        select(OperatorDisruption)
        .where(
            OperatorDisruption.route_id == route_id,
            OperatorDisruption.run_date == run_date,
            OperatorDisruption.run == run.value,
            OperatorDisruption.kind == kind.value,
            col(OperatorDisruption.status).in_(OPEN_STATUSES),
            col(OperatorDisruption.collapsed_into_id).is_(None),
        )
        .order_by(col(OperatorDisruption.id))
        .with_for_update()
    )
    return result.first()


async def fetch_disruptions(
    session: AsyncSession, *, operator_id: int | None = None, since: datetime | None = None, route_id: int | None = None
) -> list[OperatorDisruption]:
    """Reports, newest first: one operator's, or everyone's; optionally since a moment or on one route."""
    statement = select(OperatorDisruption)
    if operator_id is not None:
        statement = statement.where(OperatorDisruption.operator_id == operator_id)
    if since is not None:
        statement = statement.where(col(OperatorDisruption.reported_at) >= since)
    if route_id is not None:
        statement = statement.where(OperatorDisruption.route_id == route_id)
    result = await session.exec(statement.order_by(col(OperatorDisruption.reported_at).desc(), col(OperatorDisruption.id).desc()))
    return list(result.all())


async def save_disruption_notices(session: AsyncSession, *, notices: Sequence[dict[str, Any]]) -> None:
    """Record who was told (keys: disruption_id, carer_id, step, child_ids, outbox_message_id, queued_at)."""
    if notices:
        await session.exec(insert(DisruptionNotice), params=list(notices))


async def fetch_disruption_notices(
    session: AsyncSession, *, disruption_id: int, step: str | None = None
) -> list[DisruptionNotice]:
    """Who was told about one report (optionally at one step)."""
    statement = select(DisruptionNotice).where(DisruptionNotice.disruption_id == disruption_id)
    if step is not None:
        statement = statement.where(DisruptionNotice.step == step)
    return list((await session.exec(statement.order_by(col(DisruptionNotice.id)))).all())


async def fetch_carers_by_ids(session: AsyncSession, *, carer_ids: Sequence[int]) -> list[Carer]:
    """Carers by id."""
    if not carer_ids:
        return []
    return list((await session.exec(select(Carer).where(col(Carer.id).in_(list(carer_ids))).order_by(col(Carer.id)))).all())


async def fetch_children_by_ids(session: AsyncSession, *, child_ids: Sequence[int]) -> list[Child]:
    """Children by id."""
    if not child_ids:
        return []
    return list((await session.exec(select(Child).where(col(Child.id).in_(list(child_ids))))).all())


async def save_draft(session: AsyncSession, *, draft: TransportChangeDraft) -> TransportChangeDraft:
    """Insert or update a change draft."""
    session.add(draft)
    await session.flush()
    return draft


async def fetch_draft_of_disruption(
    session: AsyncSession, *, disruption_id: int, for_update: bool = False
) -> TransportChangeDraft | None:
    """The change drafted from one report, if any."""
    statement = select(TransportChangeDraft).where(TransportChangeDraft.disruption_id == disruption_id)
    if for_update:
        statement = statement.with_for_update()
    return (await session.exec(statement)).first()


async def fetch_drafts(session: AsyncSession, *, status: DraftStatus | None = None) -> list[TransportChangeDraft]:
    """Change drafts, oldest first (optionally only those in one status)."""
    statement = select(TransportChangeDraft)
    if status is not None:
        statement = statement.where(TransportChangeDraft.status == status.value)
    return list((await session.exec(statement.order_by(col(TransportChangeDraft.id)))).all())


async def fetch_latest_disruption_on_route_today(
    session: AsyncSession, *, route_id: int, run_date: date
) -> OperatorDisruption | None:
    """The latest report that still stands on this route today (not withdrawn, rejected or folded into another)."""
    standing = (
        DisruptionStatus.FAMILIES_TOLD.value, DisruptionStatus.AWAITING_OFFICER.value,
        DisruptionStatus.CONFIRMED.value, DisruptionStatus.RESOLVED.value,
    )
    result = await session.exec(
        select(OperatorDisruption)
        .where(
            OperatorDisruption.route_id == route_id,
            OperatorDisruption.run_date == run_date,
            col(OperatorDisruption.status).in_(standing),
        )
        .order_by(col(OperatorDisruption.reported_at).desc(), col(OperatorDisruption.id).desc())
    )
    return result.first()


async def deidentify_disruption_notices_for_carer(session: AsyncSession, *, carer_id: int) -> int:
    """Erasure: keep who was told when (pseudonymous carer), drop which children each message was about."""
    result = await session.exec(
        update(DisruptionNotice).where(col(DisruptionNotice.carer_id) == carer_id).values(child_ids=[])  # type: ignore[call-overload]
    )
    return int(result.rowcount or 0)
