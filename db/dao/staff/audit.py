"""Data access for the audit trail: append and read, never change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from db.models.staff import ActorKind, AuditEvent


@dataclass(frozen=True)
class AuditFilter:
    """What the audit log page and API can narrow by."""

    action: str | None = None
    actor_kind: ActorKind | None = None
    actor_id: int | None = None
    object_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def save_audit_event(
    session: AsyncSession,
    *,
    occurred_at: datetime,
    actor_kind: ActorKind,
    actor_id: int | None,
    actor_label: str,
    actor_role: str | None,
    action: str,
    object_type: str | None,
    object_ids: list[str],
    detail: dict[str, Any],
    request_id: str | None,
    client_ip: str | None,
) -> AuditEvent:
    """Append one audit row."""
    event = AuditEvent(
        occurred_at=occurred_at,
        actor_kind=actor_kind,
        actor_id=actor_id,
        actor_label=actor_label,
        actor_role=actor_role,
        action=action,
        object_type=object_type,
        object_ids=object_ids,
        detail=detail,
        request_id=request_id,
        client_ip=client_ip,
    )
    session.add(event)
    await session.flush()
    return event


def _filtered(statement: SelectOfScalar[Any], where: AuditFilter) -> SelectOfScalar[Any]:
    if where.action:
        statement = statement.where(AuditEvent.action == where.action)
    if where.actor_kind:
        statement = statement.where(AuditEvent.actor_kind == where.actor_kind.value)
    if where.actor_id is not None:
        statement = statement.where(AuditEvent.actor_id == where.actor_id)
    if where.object_type:
        statement = statement.where(AuditEvent.object_type == where.object_type)
    if where.since:
        statement = statement.where(col(AuditEvent.occurred_at) >= where.since)
    if where.until:
        statement = statement.where(col(AuditEvent.occurred_at) < where.until)
    return statement


async def fetch_audit_events(
    session: AsyncSession, *, where: AuditFilter, limit: int, offset: int
) -> list[AuditEvent]:
    """One page of audit rows, newest first."""
    statement = (
        _filtered(select(AuditEvent), where)
        .order_by(col(AuditEvent.id).desc())
        .limit(limit)
        .offset(offset)
    )
    result = await session.exec(statement)
    return list(result.all())


async def count_audit_events(session: AsyncSession, *, where: AuditFilter) -> int:
    """How many audit rows match."""
    result = await session.exec(_filtered(select(func.count()).select_from(AuditEvent), where))
    return int(result.one())


async def fetch_audit_actions(session: AsyncSession) -> list[str]:
    """Every action name recorded so far, for the filter's choices."""
    result = await session.exec(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    return list(result.all())
