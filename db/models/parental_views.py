"""What Kent PACT coordinators write for the parental-views section: "You said, we did" rows and commentary."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, utc_now


class YouSaidWeDid(SQLModel, table=True):
    """One row of the "You said, we did" table for an academic year, in the coordinators' order."""

    __tablename__ = "you_said_we_did"
    __table_args__ = (Index("ix_you_said_we_did_year", "academic_year", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    academic_year: str = Field(sa_column=Column(String(7), nullable=False))  # "2025-26"
    you_said: str = Field(sa_column=Column(Text, nullable=False))
    we_did: str = Field(sa_column=Column(Text, nullable=False))
    position: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    # Staff ids without a foreign key, as in casework: rows outlive the accounts that wrote them.
    written_by_staff_id: int | None = None
    written_by_label: str = Field(default="", max_length=254)
    written_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False, default=utc_now))


class PactCommentary(SQLModel, table=True):
    """Kent PACT's commentary for one academic year (one text per year, rewritten in place)."""

    __tablename__ = "pact_commentaries"

    id: int | None = Field(default=None, primary_key=True)
    academic_year: str = Field(sa_column=Column(String(7), unique=True, nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    written_by_staff_id: int | None = None
    written_by_label: str = Field(default="", max_length=254)
    written_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False, default=utc_now))


__all__ = ["PactCommentary", "YouSaidWeDid"]
