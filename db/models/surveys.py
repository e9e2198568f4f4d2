"""Surveys: a short questionnaire sent to an audience through the bot, and each invited carer's answers.

Free-text answers are not kept here: each becomes a FeedbackItem (source "survey"), tagged with
themes and sentiment, so words live in one place and are erased in one place.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, utc_now


class SurveyStatus(StrEnum):
    """Where a survey is in its life."""

    DRAFT = "draft"
    SENT = "sent"
    CLOSED = "closed"


class Survey(SQLModel, table=True):
    """A 1-5 rating, up to three questions, optional comments and a consent-to-quote question."""

    __tablename__ = "surveys"
    __table_args__ = (Index("ix_surveys_status", "status", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=120)
    intro: str = Field(sa_column=Column(Text, nullable=False))
    rating_question: str = Field(max_length=300)
    # [{"text": str, "kind": "text" | "choice", "choices": [str, ...]}], at most three.
    questions: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    asks_for_comments: bool = True
    # e.g. {"kind": "school", "value": 12}; resolved by services/broadcasts/audiences.py when sent.
    audience: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=SurveyStatus.DRAFT.value, sa_column=Column(String(16), nullable=False))
    closes_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    remind_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    # Staff ids as plain integers (no foreign key), like broadcasts and the audit trail.
    created_by_kind: str = Field(default="user", max_length=16)
    created_by_staff_id: int | None = None
    created_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    reminded_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class SurveyResponse(SQLModel, table=True):
    """One invited carer's place in one survey: made when the invite is queued, completed when they answer."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint("survey_id", "carer_id", name="uq_survey_responses_survey_carer"),
        Index("ix_survey_responses_open", "survey_id", "completed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(sa_column=Column(Integer, ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False))
    carer_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("carers.id", ondelete="SET NULL"), nullable=True, index=True)
    )
    invited_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    completed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    rating: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    # {"<question index>": <choice index>} for the choice questions answered.
    choices: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    consent_to_quote: bool = False
