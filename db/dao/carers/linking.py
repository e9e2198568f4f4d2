"""Data access for linking codes, their uses and failed attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Child, LinkingCode, LinkingCodeUse, LinkingFailure


async def fetch_code_by_hash(session: AsyncSession, *, code_hash: str) -> LinkingCode | None:
    """The code with this hash, if any."""
    result = await session.exec(select(LinkingCode).where(LinkingCode.code_hash == code_hash))
    return result.first()


async def fetch_existing_code_hashes(session: AsyncSession, *, code_hashes: list[str]) -> set[str]:
    """Which of these hashes are already taken."""
    if not code_hashes:
        return set()
    result = await session.exec(select(LinkingCode.code_hash).where(col(LinkingCode.code_hash).in_(code_hashes)))
    return set(result.all())


async def save_linking_codes(session: AsyncSession, *, codes: list[LinkingCode]) -> list[LinkingCode]:
    """Insert new codes."""
    session.add_all(codes)
    await session.flush()
    return codes


async def fetch_children_without_active_code(session: AsyncSession, *, now: datetime) -> list[Child]:
    """Active children with no code that is still usable (not expired, not revoked)."""
    has_active_code = (
        select(LinkingCode.id)
        .where(
            col(LinkingCode.child_id) == Child.id,
            col(LinkingCode.revoked_at).is_(None),
            col(LinkingCode.expires_at) > now,
        )
        .exists()
    )
    result = await session.exec(
        select(Child).where(col(Child.is_active).is_(True), ~has_active_code).order_by(col(Child.council_reference))
    )
    return list(result.all())


async def fetch_children_by_reference(session: AsyncSession, *, council_references: list[str]) -> list[Child]:
    """Children whose council reference is in the list."""
    if not council_references:
        return []
    result = await session.exec(select(Child).where(col(Child.council_reference).in_(council_references)))
    return list(result.all())


async def fetch_child(session: AsyncSession, *, child_id: int) -> Child | None:
    """One child by id."""
    return await session.get(Child, child_id)


async def fetch_code_use(session: AsyncSession, *, code_id: int, carer_id: int) -> LinkingCodeUse | None:
    """This carer's use of this code, if any."""
    result = await session.exec(
        select(LinkingCodeUse).where(LinkingCodeUse.code_id == code_id, LinkingCodeUse.carer_id == carer_id)
    )
    return result.first()


async def count_code_uses(session: AsyncSession, *, code_id: int) -> int:
    """How many carers used this code."""
    result = await session.exec(select(func.count()).select_from(LinkingCodeUse).where(LinkingCodeUse.code_id == code_id))
    return int(result.one())


async def save_code_use(session: AsyncSession, *, code_id: int, carer_id: int, used_at: datetime) -> LinkingCodeUse:
    """Record that a carer used a code."""
    use = LinkingCodeUse(code_id=code_id, carer_id=carer_id, used_at=used_at)
    session.add(use)
    await session.flush()
    return use


async def delete_code_uses_for_carer(session: AsyncSession, *, carer_id: int) -> int:
    """Forget which codes a carer used."""
    result = await session.exec(delete(LinkingCodeUse).where(col(LinkingCodeUse.carer_id) == carer_id))
    return int(result.rowcount or 0)


async def fetch_lockout_until(session: AsyncSession, *, chat_id: int, now: datetime) -> datetime | None:
    """When this chat's lock-out ends, if it is locked out now."""
    result = await session.exec(
        select(func.max(LinkingFailure.locks_until)).where(
            LinkingFailure.chat_id == chat_id, col(LinkingFailure.locks_until) > now
        )
    )
    return result.one()


async def count_failures_since(session: AsyncSession, *, chat_id: int, since: datetime) -> int:
    """Wrong codes from this chat since a time."""
    result = await session.exec(
        select(func.count())
        .select_from(LinkingFailure)
        .where(LinkingFailure.chat_id == chat_id, col(LinkingFailure.failed_at) > since)
    )
    return int(result.one())


async def save_linking_failure(
    session: AsyncSession, *, chat_id: int, failed_at: datetime, locks_until: datetime | None = None
) -> LinkingFailure:
    """Record a wrong code."""
    failure = LinkingFailure(chat_id=chat_id, failed_at=failed_at, locks_until=locks_until)
    session.add(failure)
    await session.flush()
    return failure


async def delete_linking_failures(session: AsyncSession, *, chat_id: int) -> int:
    """Forget a chat's failed attempts."""
    result = await session.exec(delete(LinkingFailure).where(col(LinkingFailure.chat_id) == chat_id))
    return int(result.rowcount or 0)
