"""Parents and carers: who they are, the children they are linked to, the link codes that link them, and consent."""

from __future__ import annotations

import secrets
from datetime import datetime, time
from enum import StrEnum

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, JSON, String, Time, UniqueConstraint
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


# Two parents and two other carers (foster carers, grandparents) per letter; officers issue more if needed.
DEFAULT_MAX_CARERS_PER_CODE = 4


class LinkingCode(SQLModel, table=True):
    """A code the council issued for one child. Only a hash of the code is stored."""

    __tablename__ = "linking_codes"

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    child_id: int = Field(sa_column=Column(Integer, ForeignKey("children.id", ondelete="CASCADE"), nullable=False, index=True))
    issued_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False, default=utc_now))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    max_carers: int = DEFAULT_MAX_CARERS_PER_CODE


class LinkingCodeUse(SQLModel, table=True):
    """One carer used one code (each carer once per code)."""

    __tablename__ = "linking_code_uses"
    __table_args__ = (UniqueConstraint("code_id", "carer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    code_id: int = Field(sa_column=Column(Integer, ForeignKey("linking_codes.id", ondelete="CASCADE"), nullable=False, index=True))
    carer_id: int = Field(sa_column=Column(Integer, ForeignKey("carers.id", ondelete="CASCADE"), nullable=False, index=True))
    used_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False, default=utc_now))


class LinkingFailure(SQLModel, table=True):
    """A wrong code typed in one chat; the fifth within an hour locks the chat out for an hour."""

    __tablename__ = "linking_failures"
    __table_args__ = (Index("ix_linking_failures_chat_failed", "chat_id", "failed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    failed_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False, default=utc_now))
    # Set on the failure that triggered a lock-out.
    locks_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class ConsentEventKind(StrEnum):
    """What happened to consent."""

    GIVEN = "given"
    WITHDRAWN = "withdrawn"


class ConsentEvent(SQLModel, table=True):
    """One consent given or withdrawn. After erasure carer_id is empty and only the facts remain."""

    __tablename__ = "consent_events"

    id: int | None = Field(default=None, primary_key=True)
    carer_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("carers.id", ondelete="SET NULL"), nullable=True, index=True)
    )
    kind: ConsentEventKind = Field(sa_type=String(16))
    notice_version: str = Field(max_length=32)
    occurred_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False, default=utc_now))
