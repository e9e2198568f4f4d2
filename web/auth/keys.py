"""Typed keys for what the staff side shares: the clock, the session policy, the signed-in principal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from aiohttp import web

from services.staff_sessions import SessionPolicy

if TYPE_CHECKING:
    from web.auth.principal import Principal

Clock = Callable[[], datetime]

CLOCK: web.AppKey[Clock] = web.AppKey("clock")
SESSION_POLICY = web.AppKey("session_policy", SessionPolicy)
PRINCIPAL: web.RequestKey["Principal | None"] = web.RequestKey("principal")
REQUEST_ID: web.RequestKey[str] = web.RequestKey("request_id")
