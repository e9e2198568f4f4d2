"""Data access for the staff side's transport pages and API: overviews, one route's children, change figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import (
    Carer,
    CarerChildLink,
    ChangeChild,
    ChangeNotice,
    Child,
    Operator,
    OutboxMessage,
    Route,
    RouteStop,
    School,
    TransportChange,
)


@dataclass(frozen=True)
class SchoolRow:
    """A school with how many routes and active children it has."""

    school: School
    routes: int
    children: int


@dataclass(frozen=True)
class RouteRow:
    """A route with its operator, school, stops and how many active children ride it."""

    route: Route
    operator: Operator
    school: School
    stops: list[RouteStop]
    children: int


async def fetch_school_rows(session: AsyncSession) -> list[SchoolRow]:
    """Every school by name, with its route and active-child counts."""
    routes = dict(
        (await session.exec(select(Route.school_id, func.count()).group_by(Route.school_id))).all()
    )
    children = dict(
        (
            await session.exec(
                select(Child.school_id, func.count())
                .where(col(Child.is_active).is_(True))
                .group_by(Child.school_id)
            )
        ).all()
    )
    schools = (await session.exec(select(School).order_by(col(School.name), col(School.id)))).all()
    return [
        SchoolRow(school, routes.get(school.id, 0), children.get(school.id, 0))
        for school in schools
    ]


async def fetch_route_rows(session: AsyncSession, *, route_id: int | None = None) -> list[RouteRow]:
    """Every route (or the one with this id) by code, with operator, school, stops and child count."""
    statement = (
        select(Route, Operator, School)
        .join(Operator, col(Operator.id) == Route.operator_id)
        .join(School, col(School.id) == Route.school_id)
        .order_by(col(Route.code))
    )
    if route_id is not None:
        statement = statement.where(Route.id == route_id)
    triples = (await session.exec(statement)).all()
    route_ids = [route.id for route, _, _ in triples if route.id is not None]
    if not route_ids:
        return []
    stops = (
        await session.exec(
            select(RouteStop)
            .where(col(RouteStop.route_id).in_(route_ids))
            .order_by(col(RouteStop.sequence))
        )
    ).all()
    children = dict(
        (
            await session.exec(
                select(Child.route_id, func.count())
                .where(col(Child.route_id).in_(route_ids), col(Child.is_active).is_(True))
                .group_by(Child.route_id)
            )
        ).all()
    )
    return [
        RouteRow(
            route,
            operator,
            school,
            [stop for stop in stops if stop.route_id == route.id],
            children.get(route.id, 0),
        )
        for route, operator, school in triples
    ]


async def fetch_children_on_route(
    session: AsyncSession, *, route_id: int
) -> list[tuple[Child, int | None, int]]:
    """(child, stop number, linked carers) for each active child on the route, by council reference."""
    carers = (
        select(func.count())
        .select_from(CarerChildLink)
        .where(col(CarerChildLink.child_id) == Child.id)
        .scalar_subquery()
    )
    rows = await session.exec(
        select(Child, RouteStop.sequence, carers)
        .outerjoin(RouteStop, col(RouteStop.id) == Child.stop_id)
        .where(Child.route_id == route_id, col(Child.is_active).is_(True))
        .order_by(col(Child.council_reference))
    )
    return [(child, sequence, int(count)) for child, sequence, count in rows.all()]


async def fetch_recent_changes(
    session: AsyncSession, *, limit: int
) -> list[tuple[TransportChange, str | None, str | None]]:
    """(change, route code, operator code), the latest to take effect first."""
    rows = await session.exec(
        select(TransportChange, Route.code, Operator.code)
        .outerjoin(Route, col(Route.id) == TransportChange.route_id)
        .outerjoin(Operator, col(Operator.id) == TransportChange.operator_id)
        .order_by(col(TransportChange.effective_at).desc(), col(TransportChange.id).desc())
        .limit(limit)
    )
    return list(rows.all())


async def fetch_change_with_codes(
    session: AsyncSession, *, change_id: int
) -> tuple[TransportChange, str | None, str | None] | None:
    """(change, route code, operator code) for one change, or None."""
    row = await session.exec(
        select(TransportChange, Route.code, Operator.code)
        .outerjoin(Route, col(Route.id) == TransportChange.route_id)
        .outerjoin(Operator, col(Operator.id) == TransportChange.operator_id)
        .where(TransportChange.id == change_id)
    )
    return row.first()


@dataclass(frozen=True)
class NoticeFigures:
    """One change's notices counted by where they are."""

    children: int = 0
    families: int = 0
    queued: int = 0
    sent: int = 0
    failed: int = 0
    unreachable: int = 0
    not_sent: int = 0
    acknowledged: int = 0
    reminded: int = 0


async def count_notice_figures(
    session: AsyncSession, *, change_ids: Sequence[int]
) -> dict[int, NoticeFigures]:
    """{change id: figures} from the notices, their outbox rows and the carers' reachability."""
    if not change_ids:
        return {}
    ids = list(change_ids)
    children = dict(
        (
            await session.exec(
                select(ChangeChild.change_id, func.count())
                .where(col(ChangeChild.change_id).in_(ids))
                .group_by(ChangeChild.change_id)
            )
        ).all()
    )
    rows = await session.exec(
        select(
            ChangeNotice.change_id,
            OutboxMessage.state,
            OutboxMessage.last_error,
            Carer.unreachable_since,
            ChangeNotice.acknowledged_at,
            ChangeNotice.reminded_at,
        )
        .outerjoin(Carer, col(Carer.id) == ChangeNotice.carer_id)
        .outerjoin(OutboxMessage, col(OutboxMessage.id) == ChangeNotice.outbox_message_id)
        .where(col(ChangeNotice.change_id).in_(ids))
    )
    tallies: dict[int, dict[str, int]] = {
        change_id: {"children": children.get(change_id, 0)} for change_id in ids
    }
    for change_id, state, last_error, unreachable_since, acknowledged_at, reminded_at in rows.all():
        tally = tallies[change_id]
        for figure in _figures_of(
            state, last_error, unreachable_since, acknowledged_at, reminded_at
        ):
            tally[figure] = tally.get(figure, 0) + 1
    return {change_id: NoticeFigures(**tally) for change_id, tally in tallies.items()}


def _figures_of(
    state: str | None,
    last_error: str | None,
    unreachable_since: datetime | None,
    acknowledged_at: datetime | None,
    reminded_at: datetime | None,
) -> list[str]:
    figures = ["families"]
    # No message at all: a family contact with no mobile, email or address held (straight to the call list).
    if state is None or last_error == "unreachable" or (state == "failed" and unreachable_since is not None):
        figures.append("unreachable")
    elif state in ("sent", "acknowledged") or acknowledged_at is not None:
        figures.append("sent")
    elif state == "failed":
        figures.append("failed")
    elif state == "skipped":
        figures.append("not_sent")
    else:
        figures.append("queued")
    if acknowledged_at is not None:
        figures.append("acknowledged")
    if reminded_at is not None:
        figures.append("reminded")
    return figures


async def count_unacknowledged_notices(session: AsyncSession, *, effective_since: datetime) -> int:
    """Notices not acknowledged, of changes not yet over (for the dashboard)."""
    result = await session.exec(
        select(func.count())
        .select_from(ChangeNotice)
        .join(TransportChange, col(TransportChange.id) == ChangeNotice.change_id)
        .where(
            col(ChangeNotice.acknowledged_at).is_(None),
            TransportChange.effective_at >= effective_since,
        )
    )
    return int(result.one())


async def fetch_child_by_id(session: AsyncSession, *, child_id: int) -> Child | None:
    """One child by id."""
    return await session.get(Child, child_id)
