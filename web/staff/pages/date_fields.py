"""GOV.UK date inputs (day, month, year; and a time where one is needed) read from a submitted form, in UK time."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")
TIME = re.compile(r"(\d{1,2})[:.](\d{2})")


def date_field(form: Mapping[str, str], name: str, label: str, *, required: bool) -> tuple[date | None, str | None]:
    """The date typed in `{name}-day`, `-month` and `-year`, or the message to show (None, None when left empty)."""
    parts = [str(form.get(f"{name}-{part}", "")).strip() for part in ("day", "month", "year")]
    if not any(parts):
        return None, (f"Enter the {label}" if required else None)
    if not all(part.isdigit() for part in parts) or len(parts[2]) != 4:
        return None, f"The {label} must be a real date, for example 27 3 2027"
    try:
        value = date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        return None, f"The {label} must be a real date, for example 27 3 2027"
    if not 2000 <= value.year <= 2100:
        return None, f"The {label} must be a real date, for example 27 3 2027"
    return value, None


def date_time_field(
    form: Mapping[str, str], name: str, label: str, *, required: bool
) -> tuple[datetime | None, str | None]:
    """The date as `date_field` reads it and the 24-hour time in `{name}-time` ("17:00"), as an aware UK time."""
    day, problem = date_field(form, name, label, required=required)
    raw_time = str(form.get(f"{name}-time", "")).strip()
    if problem or (day is None and not raw_time):
        return None, problem
    if day is None:
        return None, f"Enter the {label}"
    matched = TIME.fullmatch(raw_time)
    if matched is None or int(matched.group(1)) > 23 or int(matched.group(2)) > 59:
        return None, f"Enter the time for the {label} in 24-hour form, for example 17:00"
    return datetime.combine(day, time(int(matched.group(1)), int(matched.group(2))), tzinfo=UK), None
