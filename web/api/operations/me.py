"""GET /api/v1/me: who the caller is and what they may do."""

from __future__ import annotations

from pydantic import BaseModel, Field

from db.models.staff import StaffRole
from services.staff.permissions import Permission
from web.api.registry import ApiCall, api_operation
from web.auth.principal import Credential


class MePublic(BaseModel):
    """The caller."""

    kind: Credential = Field(
        description="session for a signed-in person, token for a machine client"
    )
    id: int | None
    name: str
    role: StaffRole
    permissions: list[Permission]
    operator_id: int | None = Field(default=None, description="For an operator account or token: its operator")


@api_operation("GET", "/me", summary="Who am I", tag="Accounts", permission=None, response=MePublic)
async def get_me(call: ApiCall) -> MePublic:
    """The caller's identity, role and permissions."""
    principal = call.principal
    return MePublic(
        kind=principal.credential,
        id=principal.actor.id,
        name=principal.display_name,
        role=principal.role,
        permissions=sorted(principal.permissions),
        operator_id=principal.operator_id,
    )
