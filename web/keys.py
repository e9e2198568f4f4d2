"""Typed keys for what the aiohttp app shares with its views."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from core.metrics import Metrics
from core.settings import Settings
from db.engine import Database

if TYPE_CHECKING:
    from core.lifecycle import Lifecycle

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
METRICS = web.AppKey("metrics", Metrics)
LIFECYCLE: web.AppKey["Lifecycle"] = web.AppKey("lifecycle")
