"""Data access for the council's transport data: lookups by natural key, and the rows an import saves."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Carer, CarerChildLink, Child, LinkingCode, Operator, Route, RouteStop, School


async def fetch_schools_by_code(session: AsyncSession, *, codes: Sequence[str]) -> dict[str, School]:
    """Schools with these codes."""
    result = await session.exec(select(School).where(col(School.code).in_(list(codes))))
    return {school.code: school for school in result.all()}


async def fetch_operators_by_code(session: AsyncSession, *, codes: Sequence[str]) -> dict[str, Operator]:
    """Operators with these codes."""
    result = await session.exec(select(Operator).where(col(Operator.code).in_(list(codes))))
    return {operator.code: operator for operator in result.all()}


async def fetch_routes_by_code(session: AsyncSession, *, codes: Sequence[str]) -> dict[str, Route]:
    """Routes with these codes."""
    result = await session.exec(select(Route).where(col(Route.code).in_(list(codes))))
    return {route.code: route for route in result.all()}


async def fetch_stops_for_routes(session: AsyncSession, *, route_ids: Sequence[int]) -> dict[tuple[int, int], RouteStop]:
    """Stops of these routes, by (route id, sequence)."""
    result = await session.exec(select(RouteStop).where(col(RouteStop.route_id).in_(list(route_ids))))
    return {(stop.route_id, stop.sequence): stop for stop in result.all()}


async def fetch_children_by_reference(session: AsyncSession, *, references: Sequence[str]) -> dict[str, Child]:
    """Children with these council references (in chunks: an export can hold thousands)."""
    found: dict[str, Child] = {}
    references = list(references)
    for start in range(0, len(references), 1000):
        result = await session.exec(select(Child).where(col(Child.council_reference).in_(references[start : start + 1000])))
        found.update({child.council_reference: child for child in result.all()})
    return found


async def fetch_children_by_ids(session: AsyncSession, *, child_ids: Sequence[int]) -> list[Child]:
    """Children by id, in id order."""
    result = await session.exec(select(Child).where(col(Child.id).in_(list(child_ids))).order_by(col(Child.id)))
    return list(result.all())


async def save_all(session: AsyncSession, *, rows: Sequence[object]) -> None:
    """Insert or update model rows and flush (ids are filled in)."""
    session.add_all(list(rows))
    await session.flush()


async def fetch_children_with_live_codes(session: AsyncSession, *, child_ids: Sequence[int], now: object) -> set[int]:
    """Which of these children have a linking code that is neither revoked nor expired."""
    if not child_ids:
        return set()
    result = await session.exec(
        select(LinkingCode.child_id)
        .where(
            col(LinkingCode.child_id).in_(list(child_ids)),
            col(LinkingCode.revoked_at).is_(None),
            LinkingCode.expires_at > now,
        )
        .distinct()
    )
    return set(result.all())


async def fetch_route_by_code(session: AsyncSession, *, code: str) -> Route | None:
    """One route by its code."""
    return (await session.exec(select(Route).where(Route.code == code))).first()


async def fetch_operator_by_code(session: AsyncSession, *, code: str) -> Operator | None:
    """One operator by its code."""
    return (await session.exec(select(Operator).where(Operator.code == code))).first()


async def fetch_stop(session: AsyncSession, *, route_id: int, sequence: int) -> RouteStop | None:
    """One stop of a route by its sequence number."""
    result = await session.exec(select(RouteStop).where(RouteStop.route_id == route_id, RouteStop.sequence == sequence))
    return result.first()


async def fetch_active_children_on_routes(
    session: AsyncSession, *, route_ids: Sequence[int], stop_id: int | None = None
) -> list[Child]:
    """Active children on these routes (optionally only those picked up at one stop)."""
    statement = select(Child).where(col(Child.route_id).in_(list(route_ids)), col(Child.is_active).is_(True))
    if stop_id is not None:
        statement = statement.where(Child.stop_id == stop_id)
    result = await session.exec(statement.order_by(col(Child.id)))
    return list(result.all())


async def fetch_route_ids_of_operator(session: AsyncSession, *, operator_id: int) -> list[int]:
    """Every route an operator runs."""
    result = await session.exec(select(Route.id).where(Route.operator_id == operator_id).order_by(col(Route.id)))
    return [route_id for route_id in result.all() if route_id is not None]


async def fetch_carers_of_children(session: AsyncSession, *, child_ids: Sequence[int]) -> list[tuple[Carer, int]]:
    """(carer, child id) for every link to these children."""
    pairs: list[tuple[Carer, int]] = []
    child_ids = list(child_ids)
    for start in range(0, len(child_ids), 1000):
        result = await session.exec(
            select(Carer, CarerChildLink.child_id)
            .join(CarerChildLink, col(CarerChildLink.carer_id) == Carer.id)
            .where(col(CarerChildLink.child_id).in_(child_ids[start : start + 1000]))
            .order_by(col(Carer.id))
        )
        pairs.extend(result.all())
    return pairs


async def fetch_routes_by_ids(session: AsyncSession, *, route_ids: Sequence[int]) -> dict[int, str]:
    """{route id: route code}."""
    if not route_ids:
        return {}
    result = await session.exec(select(Route.id, Route.code).where(col(Route.id).in_(list(route_ids))))
    return {route_id: code for route_id, code in result.all() if route_id is not None}
