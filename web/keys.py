"""Typed keys for what the aiohttp app shares with its views."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from carerline.metrics import Metrics
from carerline.settings import Settings
from db.engine import Database

if TYPE_CHECKING:
    from carerline.lifecycle import Lifecycle

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
METRICS = web.AppKey("metrics", Metrics)
LIFECYCLE: web.AppKey["Lifecycle"] = web.AppKey("lifecycle")
