"""Data access for fallback: the rows that ended for good, who they were for, and the stamp that makes it happen once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import and_, case, func, or_, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.delivery.claims import _is_postgresql
from db.models import Carer, FamilyContact, OutboxMessage, OutboxState

_outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
_carers = Carer.__table__  # type: ignore[attr-defined]
_contacts = FamilyContact.__table__  # type: ignore[attr-defined]
_FINISHED = (OutboxState.FAILED.value, OutboxState.SKIPPED.value)


@dataclass(frozen=True)
class Recipient:
    """What a fallback row needs to know about the family member: their chat, language and contact details."""

    carer_id: int | None
    chat_id: int | None
    language: str
    carer_is_reachable: bool
    quiet_hours: tuple[time | None, time | None]
    contact_id: int | None
    mobile_e164: str | None
    email: str | None
    postal_address: str | None

    def holds(self, channel: str) -> bool:
        """True when the channel can be used for this family member now."""
        if channel == "telegram":
            return self.chat_id is not None and self.carer_is_reachable
        return bool({"sms": self.mobile_e164, "email": self.email, "letter": self.postal_address}.get(channel))


async def lock_rows_to_fall_back(session: AsyncSession, *, row_ids: Sequence[int]) -> list[OutboxMessage]:
    """The rows among these with channels left to try and no fallback queued yet; locked for this transaction."""
    if not row_ids:
        return []
    statement = (
        select(OutboxMessage)
        .where(
            OutboxMessage.id.in_(list(row_ids)),  # type: ignore[union-attr]
            OutboxMessage.fallback_queued_at.is_(None),  # type: ignore[union-attr]
            func.coalesce(OutboxMessage.channel_plan, "") != "",
            OutboxMessage.acknowledged_at.is_(None),  # type: ignore[union-attr]
        )
        .order_by(OutboxMessage.id)  # type: ignore[arg-type]
        .execution_options(populate_existing=True)
    )
    if _is_postgresql(session):
        statement = statement.with_for_update()
    result = await session.exec(statement)  # type: ignore[call-overload]
    return list(result.scalars().all())


async def fetch_recipient(session: AsyncSession, *, carer_id: int | None, contact_id: int | None) -> Recipient:
    """The carer (if linked) and the family contact (the row's, else the one the carer is linked to)."""
    chat_id, language, reachable, quiet = None, "en", False, (None, None)
    if carer_id is not None:
        carer = (await session.exec(
            select(_carers.c.chat_id, _carers.c.language, _carers.c.erased_at, _carers.c.unreachable_since,
                   _carers.c.quiet_hours_start, _carers.c.quiet_hours_end)
            .where(_carers.c.id == carer_id)
        )).first()
        if carer is not None and carer.erased_at is None:
            chat_id, language, reachable = carer.chat_id, carer.language or "en", carer.unreachable_since is None
            quiet = (carer.quiet_hours_start, carer.quiet_hours_end)
    condition = _contacts.c.id == contact_id if contact_id is not None else _contacts.c.carer_id == carer_id
    contact = None
    if contact_id is not None or carer_id is not None:
        contact = (await session.exec(
            select(_contacts.c.id, _contacts.c.mobile_e164, _contacts.c.email, _contacts.c.postal_address)
            .where(condition, _contacts.c.erased_at.is_(None)).order_by(_contacts.c.position).limit(1)
        )).first()
    return Recipient(
        carer_id=carer_id, chat_id=chat_id, language=language, carer_is_reachable=reachable, quiet_hours=quiet,
        contact_id=contact.id if contact is not None else contact_id,
        mobile_e164=contact.mobile_e164 if contact is not None else None,
        email=contact.email if contact is not None else None,
        postal_address=contact.postal_address if contact is not None else None,
    )


async def stamp_fallback_queued(session: AsyncSession, *, row_ids: Sequence[int], now: datetime) -> None:
    """These rows' fallback is queued (or there was nothing left to try): never again."""
    if row_ids:
        await session.exec(
            update(_outbox).where(_outbox.c.id.in_(list(row_ids)), _outbox.c.fallback_queued_at.is_(None))
            .values(fallback_queued_at=now)
        )


async def fetch_exhausted_notice_keys(session: AsyncSession, *, notice_keys: Sequence[str]) -> set[str]:
    """Notices whose every row ended (failed or skipped) with no channel left to try and none acknowledged."""
    if not notice_keys:
        return set()
    open_row = or_(
        _outbox.c.state.not_in(_FINISHED),
        _outbox.c.acknowledged_at.is_not(None),
        and_(func.coalesce(_outbox.c.channel_plan, "") != "", _outbox.c.fallback_queued_at.is_(None)),
    )
    result = await session.exec(
        select(_outbox.c.notice_key)
        .where(_outbox.c.notice_key.in_(list(notice_keys)))
        .group_by(_outbox.c.notice_key)
        .having(func.sum(case((open_row, 1), else_=0)) == 0)
    )
    return {row[0] for row in result.all()}
