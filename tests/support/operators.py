"""Two operators with a route each, families on them, and an operator token: what the operator tests start from."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from db.engine import Database
from db.models import Carer, Child, OutboxMessage, Route
from db.models.staff import StaffRole
from db.types import utc_now
from services.staff.audit import Actor
from services.staff.accounts import create_api_token, create_user
from tests.support.factories import make_carer, make_child, make_operator, make_route
from tests.support.staff import PASSWORD


@dataclass
class OperatorWorld:
    """Operator A (route_a, two families) and operator B (route_b, one family)."""

    operator_a: int
    operator_b: int
    route_a: Route
    route_b: Route
    children_a: list[Child]
    carers_a: list[Carer]
    carer_b: Carer
    child_b: Child


async def make_operator_world(database: Database, *, chat_ids: tuple[int, int, int] = (81_001, 81_002, 81_003)) -> OperatorWorld:
    """Both operators, their routes, children Sam and Ola on A (carers in English and Polish), Kit on B."""
    async with database.transaction() as session:
        operator_a = await make_operator(session, name="Garden Cars")
        operator_b = await make_operator(session, name="Weald Minibuses")
        route_a = await make_route(session, operator=operator_a, code="OPA-1")
        route_b = await make_route(session, operator=operator_b, code="OPB-1")
        sam = await make_child(session, route=route_a, display_name="Sam")
        ola = await make_child(session, route=route_a, display_name="Ola")
        kit = await make_child(session, route=route_b, display_name="Kit")
        carer_en = await make_carer(session, chat_id=chat_ids[0], first_name="Alex", children=[sam])
        carer_pl = await make_carer(session, chat_id=chat_ids[1], first_name="Ania", language="pl", children=[ola])
        carer_b = await make_carer(session, chat_id=chat_ids[2], first_name="Bo", children=[kit])
        assert operator_a.id is not None and operator_b.id is not None
        return OperatorWorld(operator_a.id, operator_b.id, route_a, route_b, [sam, ola], [carer_en, carer_pl], carer_b, kit)


async def operator_token(database: Database, *, operator_id: int, name: str = "Dispatch") -> str:
    """A live operator token's plain value."""
    async with database.transaction() as session:
        issued = await create_api_token(
            session, name=name, role=StaffRole.OPERATOR, actor=Actor.system("tests"), operator_id=operator_id,
            now=utc_now(),
        )
    return issued.plain_token


async def operator_user(database: Database, *, operator_id: int, email: str) -> None:
    """An operator account (password tests.support.staff.PASSWORD)."""
    async with database.transaction() as session:
        await create_user(
            session, email=email, display_name="Olu Controller", role=StaffRole.OPERATOR, password=PASSWORD,
            actor=Actor.system("tests"), operator_id=operator_id,
        )


async def outbox_rows(database: Database, *, source_type: str = "operator_disruption") -> list[OutboxMessage]:
    """Outbox rows of one source type, oldest first."""
    async with database.transaction() as session:
        result = await session.exec(
            select(OutboxMessage).where(OutboxMessage.source_type == source_type).order_by(col(OutboxMessage.id))
        )
        return list(result.all())
