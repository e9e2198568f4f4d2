"""Where stored jobs find the running process's services (jobs are pickled by reference only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from messaging.dependencies import Dependencies

_services: "Dependencies | None" = None


def register_services(services: "Dependencies | None") -> None:
    """Set (or clear, with None) the services that stored jobs use."""
    global _services
    _services = services


def current_services() -> "Dependencies | None":
    """The running process's services, or None outside a running service."""
    return _services
