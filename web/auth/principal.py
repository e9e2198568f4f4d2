"""Who is making a request: a signed-in person (session) or a machine client (API token)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from aiohttp import web

from db.models.staff import StaffRole
from services.staff.audit import Actor, RequestOrigin
from services.staff.permissions import Permission, permissions_for
from services.staff.sessions import LiveSession
from web.auth.keys import REQUEST_ID


class Credential(StrEnum):
    """How the principal proved who they are."""

    SESSION = "session"
    TOKEN = "token"


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of one request."""

    actor: Actor
    role: StaffRole
    display_name: str
    credential: Credential
    live_session: LiveSession | None = None
    # The transport operator an operator account or token belongs to (None for council and PACT staff).
    operator_id: int | None = None

    @property
    def permissions(self) -> frozenset[Permission]:
        """Everything the caller's role may do."""
        return permissions_for(self.role)

    def may(self, permission: Permission) -> bool:
        """True when the caller's role holds the permission."""
        return permission in self.permissions

    @property
    def csrf_token(self) -> str | None:
        """The session's CSRF token (token callers need none)."""
        return self.live_session.record.csrf_token if self.live_session else None


PRINCIPAL: web.RequestKey[Principal | None] = web.RequestKey("principal")


def principal_of(request: web.Request) -> Principal | None:
    """The request's principal, or None when nobody is signed in."""
    return request.get(PRINCIPAL)


def require_principal(request: web.Request) -> Principal:
    """The principal of a request the access middleware has already let through."""
    principal = principal_of(request)
    if principal is None:
        raise web.HTTPUnauthorized()
    return principal


def origin_of(request: web.Request) -> RequestOrigin:
    """The request id and client address, for audit rows."""
    return RequestOrigin(request_id=request.get(REQUEST_ID), client_ip=client_ip_of(request))


def client_ip_of(request: web.Request) -> str:
    """The peer address. Behind a proxy this is the proxy unless forwarded headers are handled upstream."""
    return (request.remote or "unknown")[:64]
