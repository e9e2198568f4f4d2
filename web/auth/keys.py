"""Typed keys for what the staff side shares: the clock, the session policy, the request id."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiohttp import web

from services.staff.sessions import SessionPolicy

Clock = Callable[[], datetime]

CLOCK: web.AppKey[Clock] = web.AppKey("clock")
SESSION_POLICY = web.AppKey("session_policy", SessionPolicy)
REQUEST_ID: web.RequestKey[str] = web.RequestKey("request_id")
