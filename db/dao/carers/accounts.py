"""Data access for carers and the children they are linked to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, insert
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.portable import built_among_chats
from db.models import Carer, CarerChildLink, Child, School
from db.models.carers import new_pseudonym
from db.single_write import execute_statement

_CARERS = Carer.__table__  # type: ignore[attr-defined]
# Built once and reused with parameters (db/dao/portable.py: built_per_dialect says why): these run on every update.
_CARER_OF_CHAT = select(Carer).where(Carer.chat_id == bindparam("b_chat_id"))
_CARERS_OF_CHATS = built_among_chats(lambda among: select(Carer).where(among), col(Carer.chat_id))
_NEW_CARER = insert(_CARERS).returning(_CARERS.c.id)
_LINKED_CHILDREN = select(func.count()).select_from(CarerChildLink).where(CarerChildLink.carer_id == bindparam("b_carer_id"))


async def fetch_carer_by_chat_id(session: AsyncSession, *, chat_id: int) -> Carer | None:
    """The carer talking in this chat, if there is one."""
    result = await session.exec(_CARER_OF_CHAT, params={"b_chat_id": chat_id})
    return result.first()


async def fetch_carers_by_chat_ids(session: AsyncSession, *, chat_ids: list[int]) -> dict[int, Carer]:
    """The carers talking in these chats, by chat id (chats without a carer are left out)."""
    result = await session.exec(_CARERS_OF_CHATS(session), params={"b_chat_ids": list(chat_ids)})
    return {carer.chat_id: carer for carer in result.all() if carer.chat_id is not None}


async def fetch_carer(session: AsyncSession, *, carer_id: int) -> Carer | None:
    """One carer by id."""
    return await session.get(Carer, carer_id)


async def save_carer(session: AsyncSession, *, carer: Carer) -> Carer:
    """Insert or update a carer."""
    session.add(carer)
    await session.flush()
    return carer


async def insert_consenting_carer(
    session: AsyncSession, *, chat_id: int, first_name: str, language: str, notice_version: str, consented_at: datetime
) -> int:
    """A new carer who has just consented, as one plain INSERT (no ORM object or flush); the new id."""
    values = {
        "chat_id": chat_id, "pseudonym": new_pseudonym(), "first_name": first_name, "language": language,
        "consent_notice_version": notice_version, "consent_given_at": consented_at, "created_at": consented_at,
    }
    connection = await session.connection()
    return int((await connection.execute(_NEW_CARER, values)).scalar_one())


async def count_linked_children(session: AsyncSession, *, carer_id: int) -> int:
    """How many children the carer is linked to."""
    result = await execute_statement(session, _LINKED_CHILDREN, {"b_carer_id": carer_id})
    return int(result.scalar_one_or_none() or 0)


async def fetch_linked_children(session: AsyncSession, *, carer_id: int) -> list[tuple[CarerChildLink, Child, School]]:
    """The carer's links with each child and school, in the order they were made."""
    result = await session.exec(
        select(CarerChildLink, Child, School)
        .join(Child, col(Child.id) == CarerChildLink.child_id)
        .join(School, col(School.id) == Child.school_id)
        .where(CarerChildLink.carer_id == carer_id)
        .order_by(col(CarerChildLink.linked_at), col(CarerChildLink.id))
    )
    return list(result.all())


async def fetch_link(session: AsyncSession, *, carer_id: int, child_id: int) -> CarerChildLink | None:
    """The link between one carer and one child, if it exists."""
    result = await session.exec(
        select(CarerChildLink).where(CarerChildLink.carer_id == carer_id, CarerChildLink.child_id == child_id)
    )
    return result.first()


async def save_link(session: AsyncSession, *, carer_id: int, child_id: int, linked_at: datetime) -> CarerChildLink:
    """Link a carer to a child."""
    link = CarerChildLink(carer_id=carer_id, child_id=child_id, linked_at=linked_at)
    session.add(link)
    await session.flush()
    return link


async def delete_link(session: AsyncSession, *, carer_id: int, child_id: int) -> bool:
    """Remove one link; False when there was none."""
    result = await session.exec(
        delete(CarerChildLink).where(
            col(CarerChildLink.carer_id) == carer_id, col(CarerChildLink.child_id) == child_id
        )
    )
    return bool(result.rowcount)


async def delete_links_for_carer(session: AsyncSession, *, carer_id: int) -> int:
    """Remove every link of one carer; how many there were."""
    result = await session.exec(delete(CarerChildLink).where(col(CarerChildLink.carer_id) == carer_id))
    return int(result.rowcount or 0)
