"""Quiet hours: a carer's chosen hours (UK clock time) when only urgent messages may arrive."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


def is_within(moment: time, *, start: time, end: time) -> bool:
    """True when `moment` falls in [start, end), which may wrap past midnight (21:00-07:00)."""
    if start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def quiet_hours_end(now: datetime, *, start: time | None, end: time | None) -> datetime | None:
    """When the carer's quiet hours now in force end (UTC), or None if it is not quiet now."""
    if start is None or end is None:
        return None
    local = now.astimezone(UK)
    if not is_within(local.time(), start=start, end=end):
        return None
    end_day = local.date()
    if start > end and local.time() >= start:
        end_day += timedelta(days=1)
    ends = datetime.combine(end_day, end, tzinfo=UK)
    return ends.astimezone(now.tzinfo)
