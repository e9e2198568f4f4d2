"""Reference codes that link a carer's chat to a child, and failed attempts for the lock-out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, utc_now

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
