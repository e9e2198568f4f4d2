"""Route metadata: which permission a view needs, or that it is public. Unmarked routes need a sign-in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from services.staff.permissions import Permission

Handler = TypeVar("Handler", bound=Callable[..., Any])
ACCESS_ATTRIBUTE = "carerline_access"


@dataclass(frozen=True)
class Access:
    """Who may reach a route: anyone (`is_public`), any signed-in caller, or holders of `permission`."""

    is_public: bool = False
    permission: Permission | None = None


SIGNED_IN = Access()
PUBLIC = Access(is_public=True)


def require(permission: Permission) -> Callable[[Handler], Handler]:
    """Mark a view as needing a permission: 401 without credentials, 403 for a role without it."""

    def mark(handler: Handler) -> Handler:
        setattr(handler, ACCESS_ATTRIBUTE, Access(permission=permission))
        return handler

    return mark


def public(handler: Handler) -> Handler:
    """Mark a view as reachable without signing in (sign-in itself, health checks)."""
    setattr(handler, ACCESS_ATTRIBUTE, PUBLIC)
    return handler


def signed_in(handler: Handler) -> Handler:
    """Mark a view as open to any signed-in caller, whatever their role."""
    setattr(handler, ACCESS_ATTRIBUTE, SIGNED_IN)
    return handler


def declared_access(handler: object) -> Access | None:
    """The access a view declared, or None when it declared nothing."""
    return getattr(handler, ACCESS_ATTRIBUTE, None)
