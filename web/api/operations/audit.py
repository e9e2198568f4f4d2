"""GET /api/v1/audit-events: the audit trail, filtered and paginated (admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, Field

from db.dao.staff.audit import AuditFilter
from db.models.staff import ActorKind
from services.staff.audit import read_audit_log
from services.staff.permissions import Permission
from web.api.registry import ApiCall, api_operation
from web.api.schemas import RecordId, plain_text


class AuditEventQuery(BaseModel):
    """Filters for the audit trail."""

    action: str | None = plain_text(
        default=None, max_length=64, description="Exact action, like sign_in.failed"
    )
    actor_kind: ActorKind | None = None
    actor_id: RecordId | None = None
    object_type: str | None = plain_text(default=None, max_length=64, description="Like staff_user")
    since: AwareDatetime | None = Field(default=None, description="Events at or after this time")
    until: AwareDatetime | None = Field(default=None, description="Events before this time")
    page: int = Field(default=1, ge=1, le=100_000)
    page_size: int = Field(default=50, ge=1, le=200)


class AuditEventPublic(BaseModel):
    """One audit row."""

    id: int
    occurred_at: datetime
    actor_kind: ActorKind
    actor_id: int | None
    actor_label: str
    actor_role: str | None
    action: str
    object_type: str | None
    object_ids: list[str]
    detail: dict[str, Any]
    request_id: str | None
    client_ip: str | None


class AuditEventPage(BaseModel):
    """One page of audit rows, newest first."""

    items: list[AuditEventPublic]
    total: int
    page: int
    page_size: int


@api_operation(
    "GET",
    "/audit-events",
    summary="Audit trail",
    tag="Audit",
    permission=Permission.VIEW_AUDIT_LOG,
    query=AuditEventQuery,
    response=AuditEventPage,
)
async def list_audit_events(call: ApiCall) -> AuditEventPage:
    """Who did what, when, to which records; reading it is audited too."""
    query: AuditEventQuery = call.query
    where = AuditFilter(
        action=query.action or None,
        actor_kind=query.actor_kind,
        actor_id=query.actor_id,
        object_type=query.object_type or None,
        since=query.since,
        until=query.until,
    )
    async with call.database.transaction() as session:
        result = await read_audit_log(
            session,
            reader=call.actor,
            where=where,
            page=query.page,
            page_size=query.page_size,
            origin=call.origin,
            now=call.now,
        )
    items = [
        AuditEventPublic.model_validate(event, from_attributes=True) for event in result.events
    ]
    return AuditEventPage(
        items=items, total=result.total, page=result.page, page_size=result.page_size
    )
