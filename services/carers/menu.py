"""What the parents' menu shows: how many children are linked, and their transport."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.carers.menu_opening import reset_counting_children
from db.dao.transport.for_carers import ChildTransportRow, fetch_transport_for_carer


async def open_menu(session: AsyncSession, *, chat_id: int, carer_id: int, now: datetime) -> int:
    """Leave any half-finished step (its buttons become old) and return how many children are linked.

    The step's reset is the one write and the last statement (a single write); on PostgreSQL it returns the count.
    """
    return await reset_counting_children(session, chat_id=chat_id, carer_id=carer_id, now=now)


async def describe_transport(session: AsyncSession, *, carer_id: int) -> list[ChildTransportRow]:
    """Each linked child's school, route, pick-up point and operator."""
    return await fetch_transport_for_carer(session, carer_id=carer_id)
