"""The shared clients one process creates at start and closes at stop."""

from __future__ import annotations

from dataclasses import dataclass

from core.metrics import Metrics
from core.settings import Settings
from db.engine import Database


@dataclass(frozen=True)
class Dependencies:
    """Settings, the database and the metrics registry of one running process."""

    settings: Settings
    database: Database
    metrics: Metrics
