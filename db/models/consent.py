"""The history of consent: who agreed to which privacy notice, and when; de-identified on erasure."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, String
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, utc_now


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
