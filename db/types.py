"""Column types shared by the models."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use datetime.now(UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


# Neither database can hold a lone UTF-16 surrogate (it cannot be encoded), and PostgreSQL text cannot hold NUL.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
REPLACEMENT_CHARACTER = "\ufffd"
BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1  # a BigInteger column, and Telegram's ids


def storable_text(text: str) -> tuple[str, bool]:
    """The text with what a database cannot hold replaced by U+FFFD, and whether anything was."""
    cleaned, count = _UNSTORABLE.subn(REPLACEMENT_CHARACTER, text)
    return cleaned, count > 0


def fits_bigint(value: int) -> bool:
    """True when a BigInteger column can hold the value."""
    return BIGINT_MIN <= value <= BIGINT_MAX
