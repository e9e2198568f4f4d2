"""Data access for what a carer may see of their children's transport."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import CarerChildLink, Child, Operator, Route, RouteStop, School


@dataclass(frozen=True)
class ChildTransportRow:
    """One linked child with the school, route, stop and operator (each may be missing)."""

    child: Child
    school: School
    route: Route | None
    stop: RouteStop | None
    operator: Operator | None


async def fetch_transport_for_carer(session: AsyncSession, *, carer_id: int) -> list[ChildTransportRow]:
    """Every child linked to the carer with their transport, oldest link first."""
    result = await session.exec(
        select(Child, School, Route, RouteStop, Operator)
        .join(CarerChildLink, col(CarerChildLink.child_id) == Child.id)
        .join(School, col(School.id) == Child.school_id)
        .outerjoin(Route, col(Route.id) == Child.route_id)
        .outerjoin(RouteStop, col(RouteStop.id) == Child.stop_id)
        .outerjoin(Operator, col(Operator.id) == Route.operator_id)
        .where(CarerChildLink.carer_id == carer_id)
        .order_by(col(CarerChildLink.linked_at), col(CarerChildLink.id))
    )
    return [ChildTransportRow(*row) for row in result.all()]
