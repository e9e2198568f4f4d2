"""The audit trail: every staff action writes one row in the same transaction as the action itself."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.staff.audit import (
    AuditFilter,
    count_audit_events,
    fetch_audit_actions,
    fetch_audit_events,
    save_audit_event,
)
from db.models.staff import ActorKind, AuditEvent
from db.types import utc_now


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in person, an API token, the system, or someone not signed in."""

    kind: ActorKind
    id: int | None
    label: str
    role: str | None = None

    @classmethod
    def system(cls, label: str = "Carerline") -> "Actor":
        """The service itself (scheduled jobs, the CLI)."""
        return cls(kind=ActorKind.SYSTEM, id=None, label=label)

    @classmethod
    def anonymous(cls) -> "Actor":
        """Someone not signed in (failed sign-ins)."""
        return cls(kind=ActorKind.ANONYMOUS, id=None, label="not signed in")


@dataclass(frozen=True)
class RequestOrigin:
    """Where an action came from, for the audit row."""

    request_id: str | None = None
    client_ip: str | None = None


@dataclass(frozen=True)
class AuditPage:
    """One page of the audit log."""

    events: list[AuditEvent]
    total: int
    page: int
    page_size: int
    actions: list[str] = field(default_factory=list)

    @property
    def page_count(self) -> int:
        """How many pages there are (at least one)."""
        return max(1, -(-self.total // self.page_size))


async def record_audit(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    object_type: str | None = None,
    object_ids: Iterable[int | str] = (),
    detail: dict[str, Any] | None = None,
    origin: RequestOrigin | None = None,
    now: datetime | None = None,
) -> AuditEvent:
    """Write one audit row: who, what, when, which records."""
    origin = origin or RequestOrigin()
    return await save_audit_event(
        session,
        occurred_at=now or utc_now(),
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_label=actor.label[:254],
        actor_role=actor.role,
        action=action,
        object_type=object_type,
        object_ids=[str(object_id) for object_id in object_ids],
        detail=detail or {},
        request_id=origin.request_id,
        client_ip=origin.client_ip,
    )


async def read_audit_log(
    session: AsyncSession,
    *,
    reader: Actor,
    where: AuditFilter,
    page: int,
    page_size: int,
    origin: RequestOrigin | None = None,
    now: datetime | None = None,
) -> AuditPage:
    """A page of the audit log; reading it is itself audited."""
    page = max(1, page)
    total = await count_audit_events(session, where=where)
    events = await fetch_audit_events(
        session, where=where, limit=page_size, offset=(page - 1) * page_size
    )
    actions = await fetch_audit_actions(session)
    await record_audit(
        session,
        actor=reader,
        action="audit_log.viewed",
        object_type="audit_event",
        detail={
            "page": page,
            "filter": {k: str(v) for k, v in vars(where).items() if v is not None},
        },
        origin=origin,
        now=now,
    )
    return AuditPage(events=events, total=total, page=page, page_size=page_size, actions=actions)
