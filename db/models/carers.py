"""Parents and carers, and which children they are linked to."""

from __future__ import annotations

import secrets
from datetime import datetime, time

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Integer, String, Time, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, utc_now

# Kinds of update a carer can switch off in Settings. Messages the council must send ignore these.
UPDATE_KINDS: tuple[str, ...] = ("transport_changes", "application_status", "broadcasts", "surveys")


def new_pseudonym() -> str:
    """A stable random label for statistics and exports, unrelated to any identity."""
    return "C-" + secrets.token_hex(6).upper()


class Carer(SQLModel, table=True):
    """A parent or carer who talks to the bot. After erasure only the pseudonym and dates remain."""

    __tablename__ = "carers"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, unique=True, nullable=True))
    pseudonym: str = Field(default_factory=new_pseudonym, sa_column=Column(String(16), unique=True, nullable=False))
    first_name: str | None = Field(default=None, max_length=128)
    language: str = Field(default="en", max_length=8)
    consent_notice_version: str | None = Field(default=None, max_length=32)
    consent_given_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    consent_withdrawn_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    quiet_hours_start: time | None = Field(default=None, sa_column=Column(Time, nullable=True))
    quiet_hours_end: time | None = Field(default=None, sa_column=Column(Time, nullable=True))
    muted_update_kinds: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    unreachable_since: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    unreachable_reason: str | None = Field(default=None, max_length=200)
    erased_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    created_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False, default=utc_now))

    @property
    def has_consent(self) -> bool:
        """True while consent is given and not withdrawn."""
        return self.consent_given_at is not None and self.consent_withdrawn_at is None

    @property
    def is_reachable(self) -> bool:
        """False once Telegram has told us the carer blocked the bot, or after erasure."""
        return self.chat_id is not None and self.unreachable_since is None


class CarerChildLink(SQLModel, table=True):
    """A carer linked to a child. One carer may link several children; a child may have several carers."""

    __tablename__ = "carer_child_links"
    __table_args__ = (UniqueConstraint("carer_id", "child_id"),)

    id: int | None = Field(default=None, primary_key=True)
    carer_id: int = Field(sa_column=Column(Integer, ForeignKey("carers.id", ondelete="CASCADE"), nullable=False, index=True))
    child_id: int = Field(sa_column=Column(Integer, ForeignKey("children.id", ondelete="CASCADE"), nullable=False, index=True))
    linked_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False, default=utc_now))
