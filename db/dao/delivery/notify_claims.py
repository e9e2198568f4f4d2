"""Data access for the Notify delivery worker: claiming text, email and letter rows and recording sends.

The rate schedule and holds reuse `delivery_rate_buckets` (db/dao/delivery/claims.py): one row "notify" paces the
API key, and "notify:sms", "notify:email", "notify:letter" hold one channel (the day's limit, a configuration error).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, func, or_, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.delivery.claims import _is_postgresql, lock_rate_bucket, pause_rate_bucket
from db.models import Carer, DeliveryRateBucket, FamilyContact, OutboxMessage, OutboxState

_outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
_carers = Carer.__table__  # type: ignore[attr-defined]
_contacts = FamilyContact.__table__  # type: ignore[attr-defined]
_buckets = DeliveryRateBucket.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class NotifyCandidate:
    """A queued Notify row with the family contact's detail as it is now (read at send time, so erasure wins)."""

    id: int
    channel: str
    idempotency_key: str
    purpose: str
    update_kind: str | None
    text: str | None
    subject: str | None
    ack_expires_at: datetime | None
    must_send: bool
    is_in_doubt: bool
    attempts: int
    carer_id: int | None
    carer_has_consent: bool
    carer_muted_kinds: list[str]
    contact_erased: bool
    mobile_e164: str | None
    email: str | None
    postal_address: str | None

    @property
    def detail(self) -> str | None:
        """The number, email or postal address this row's channel needs, or None when it is not held."""
        if self.contact_erased:
            return None
        return {"sms": self.mobile_e164, "email": self.email, "letter": self.postal_address}.get(self.channel) or None


async def fetch_bucket_pauses(session: AsyncSession, *, names: Sequence[str]) -> dict[str, float]:
    """{bucket name: paused until (epoch seconds)} for the buckets that exist."""
    result = await session.exec(select(_buckets.c.name, _buckets.c.paused_until_s).where(_buckets.c.name.in_(list(names))))
    return {name: float(until) for name, until in result.all()}


async def fetch_claimable_notify_rows(
    session: AsyncSession, *, channels: Sequence[str], now: datetime, limit: int
) -> list[NotifyCandidate]:
    """Queued rows of these channels due now, urgent first; locked, skipping rows other workers hold."""
    if not channels:
        return []
    statement = (
        select(
            _outbox.c.id, _outbox.c.channel, _outbox.c.idempotency_key, _outbox.c.purpose, _outbox.c.update_kind,
            _outbox.c.text, _outbox.c.subject, _outbox.c.ack_expires_at, _outbox.c.must_send, _outbox.c.is_in_doubt,
            _outbox.c.attempts, _outbox.c.carer_id,
            and_(_carers.c.consent_given_at.is_not(None), _carers.c.consent_withdrawn_at.is_(None)).label("has_consent"),
            _carers.c.muted_update_kinds,
            _contacts.c.erased_at.label("contact_erased_at"), _contacts.c.mobile_e164, _contacts.c.email,
            _contacts.c.postal_address,
        )
        .select_from(
            _outbox.outerjoin(_carers, _carers.c.id == _outbox.c.carer_id).outerjoin(
                _contacts, _contacts.c.id == _outbox.c.family_contact_id
            )
        )
        .where(
            _outbox.c.channel.in_(list(channels)),
            _outbox.c.state == OutboxState.QUEUED.value,
            _outbox.c.not_before <= now,
        )
        .order_by(_outbox.c.priority, _outbox.c.not_before, _outbox.c.id)
        .limit(limit)
    )
    if _is_postgresql(session):
        statement = statement.with_for_update(of=_outbox, skip_locked=True)
    result = await session.exec(statement)
    return [
        NotifyCandidate(
            id=row.id, channel=row.channel, idempotency_key=row.idempotency_key, purpose=row.purpose,
            update_kind=row.update_kind, text=row.text, subject=row.subject, ack_expires_at=row.ack_expires_at,
            must_send=row.must_send, is_in_doubt=row.is_in_doubt, attempts=row.attempts, carer_id=row.carer_id,
            # A row with no linked carer has no consent record to withdraw: the council holds the contact.
            carer_has_consent=row.carer_id is None or bool(row.has_consent),
            carer_muted_kinds=list(row.muted_update_kinds or []),
            contact_erased=row.contact_erased_at is not None,
            mobile_e164=row.mobile_e164, email=row.email, postal_address=row.postal_address,
        )
        for row in result.all()
    ]


async def save_notify_sent(session: AsyncSession, *, sent: Sequence[dict[str, Any]]) -> None:
    """Rows Notify accepted: keys row_id, notify_id, sent_at.

    A receipt or an acknowledgement recorded meanwhile keeps its state (a failure receipt can beat the send's flush).
    """
    if not sent:
        return
    statement = (
        update(_outbox)
        .where(_outbox.c.id == bindparam("row_id"))
        .values(
            state=case(
                (or_(_outbox.c.state == OutboxState.SENDING.value, _outbox.c.state == OutboxState.QUEUED.value),
                 OutboxState.SENT.value),
                else_=_outbox.c.state,
            ),
            notify_id=func.coalesce(_outbox.c.notify_id, bindparam("notify_id")),
            sent_at=func.coalesce(_outbox.c.sent_at, bindparam("sent_at")),
            is_in_doubt=False,
            lease_owner=None,
            lease_expires_at=None,
            last_error=None,
        )
    )
    await session.exec(statement, params=list(sent))


async def hold_bucket(session: AsyncSession, *, name: str, until_s: float) -> None:
    """Nobody sends through this bucket before `until_s` (created if it is new; only ever moved later)."""
    await lock_rate_bucket(session, name=name)
    await pause_rate_bucket(session, name=name, until_s=until_s)
