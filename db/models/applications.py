"""Home-to-school transport (HTST) applications and every stage they went through."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Integer, String
from sqlmodel import Field, SQLModel

from db.enums import ApplicationStage
from db.types import UTCDateTime, utc_now

# Stages where the council still owes the family transport or a decision.
OPEN_STAGES: tuple[str, ...] = (
    ApplicationStage.RECEIVED,
    ApplicationStage.ELIGIBILITY_DECIDED,
    ApplicationStage.TRANSPORT_BEING_ARRANGED,
    ApplicationStage.UNDER_REVIEW,
)


class HtstApplication(SQLModel, table=True):
    """One application for one child."""

    __tablename__ = "htst_applications"

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(sa_column=Column(String(32), unique=True, nullable=False))
    child_id: int = Field(sa_column=Column(Integer, ForeignKey("children.id", ondelete="CASCADE"), nullable=False, index=True))
    stage: str = Field(sa_column=Column(String(32), nullable=False, index=True))
    received_on: date = Field(sa_column=Column(Date, nullable=False))
    stage_changed_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False))


class ApplicationStageChange(SQLModel, table=True):
    """One step in an application's history; the carer is told about each."""

    __tablename__ = "htst_application_stage_changes"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(
        sa_column=Column(Integer, ForeignKey("htst_applications.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    stage: str = Field(sa_column=Column(String(32), nullable=False))
    changed_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False))
    note_for_family: str | None = Field(default=None, max_length=500)
    recorded_by: str = Field(default="", max_length=128)
