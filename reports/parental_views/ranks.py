"""Medians and percentiles from the values at their ranks, so the database orders and Python reads only a few rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime


def span_hours(start: datetime, end: datetime) -> float:
    """From start to end in hours."""
    return (end - start).total_seconds() / 3600


def nearest_rank_index(count: int, percent: int) -> int:
    """Where the nearest-rank percentile sits among `count` ordered values (0 = smallest)."""
    return max(1, -(-count * percent // 100)) - 1


def nearest_rank_percentile(values: Sequence[float], percent: int) -> float:
    """The nearest-rank percentile (the smallest value with at least `percent`% of values at or below it)."""
    return sorted(values)[nearest_rank_index(len(values), percent)]


def median_ranks(count: int) -> tuple[int, ...]:
    """Where the median sits among `count` ordered values: the middle one, or the two middle ones."""
    middle = count // 2
    return (middle,) if count % 2 else (middle - 1, middle)


def median_hours(spans: Mapping[int, tuple[datetime, datetime]], count: int) -> float:
    """The median of `count` spans in hours, as statistics.median gives it, from the spans at the middle ranks."""
    values = [span_hours(*spans[rank]) for rank in median_ranks(count)]
    return values[0] if len(values) == 1 else (values[0] + values[1]) / 2
