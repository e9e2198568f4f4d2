"""What casework services refuse, as exceptions the bot and the staff pages turn into kind answers."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

# Deadlines are counted in council working days, so "today" is the day in England, not in UTC.
COUNCIL_TIME_ZONE = ZoneInfo("Europe/London")


class CaseworkError(ValueError):
    """A casework step that cannot be taken; the message says why in plain English (for staff)."""


class CaseNotFound(CaseworkError):
    """No such complaint, report or feedback."""


class NotYourCase(CaseworkError):
    """A carer acted on a case (or a child) that is not theirs."""


class StepNotAllowed(CaseworkError):
    """The step does not fit where the case stands (e.g. answering a closed complaint)."""


def council_day(moment: datetime) -> date:
    """The date in England at `moment` (a complaint at 00:30 BST on Tuesday was received on Tuesday)."""
    return moment.astimezone(COUNCIL_TIME_ZONE).date()


def clean_text(value: str | None, *, max_length: int, field: str, required: bool = False) -> str | None:
    """Strip a person's free text, refuse it when too long (or empty when required), None when empty."""
    cleaned = (value or "").strip()
    if not cleaned:
        if required:
            raise CaseworkError(f"{field} is empty")
        return None
    if len(cleaned) > max_length:
        raise CaseworkError(f"{field} is longer than {max_length} characters")
    return cleaned
