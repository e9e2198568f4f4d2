"""What an operator may see: its own routes, their stops and pick-up windows, and the first names at each stop.

Never a council reference, a carer, a complaint or feedback: the data access reads only route,
stop and first name (db/dao/operators.fetch_riders_of_routes).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import time

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.operators import (
    fetch_operator,
    fetch_operators,
    fetch_riders_of_routes,
    fetch_routes_of_operator,
    fetch_stops_of_routes,
)
from db.models import Operator


@dataclass(frozen=True)
class StopView:
    """A pick-up point as the operator's driver needs it."""

    sequence: int
    name: str
    pickup_from: time
    pickup_to: time
    first_names: list[str]


@dataclass(frozen=True)
class RouteView:
    """One of the operator's routes."""

    id: int
    code: str
    vehicle_type: str
    is_suspended: bool
    stops: list[StopView] = field(default_factory=list)


@dataclass(frozen=True)
class OperatorView:
    """The operator and its routes."""

    id: int
    name: str
    routes: list[RouteView]


async def operator_routes(session: AsyncSession, *, operator_id: int) -> OperatorView:
    """The operator's routes with their stops, pick-up windows and riders' first names."""
    operator = await fetch_operator(session, operator_id=operator_id)
    if operator is None or operator.id is None:
        raise LookupError("There is no operator with that id")
    routes = await fetch_routes_of_operator(session, operator_id=operator_id)
    route_ids = [route.id for route in routes if route.id is not None]
    names_at: dict[tuple[int, int | None], list[str]] = defaultdict(list)
    for route_id, stop_id, name in await fetch_riders_of_routes(session, route_ids=route_ids):
        names_at[(route_id, stop_id)].append(name)
    stops_of: dict[int, list[StopView]] = defaultdict(list)
    for stop in await fetch_stops_of_routes(session, route_ids=route_ids):
        stops_of[stop.route_id].append(
            StopView(
                sequence=stop.sequence, name=stop.name, pickup_from=stop.pickup_from, pickup_to=stop.pickup_to,
                first_names=names_at.get((stop.route_id, stop.id), []),
            )
        )
    return OperatorView(
        id=operator.id,
        name=operator.name,
        routes=[
            RouteView(id=route.id or 0, code=route.code, vehicle_type=route.vehicle_type,
                      is_suspended=route.is_suspended, stops=stops_of.get(route.id or 0, []))
            for route in routes
        ],
    )


async def list_operators(session: AsyncSession) -> list[Operator]:
    """Every operator in the transport data, by name (for adding operator accounts)."""
    return await fetch_operators(session)
