"""Times as people in the UK read them, in each language."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


def time_of_day(moment: time, *, language: str) -> str:
    """3:05pm in English, 15:05 in Polish."""
    if language == "en":
        return f"{moment.hour % 12 or 12}:{moment.minute:02d}{'am' if moment.hour < 12 else 'pm'}"
    return f"{moment.hour}:{moment.minute:02d}"


def uk_time_of_day(moment: datetime, *, language: str) -> str:
    """The UK clock time of an aware datetime."""
    return time_of_day(moment.astimezone(UK).time(), language=language)
