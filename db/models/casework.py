"""Casework: problems reported on the day, feedback, complaints with their timeline and attachments,
driver and assistant changes per child, and the duty-alert log.

Staff ids (`*_staff_id`, `*_by`) are plain integers without a foreign key on purpose: the staff
table arrives in migration 0005 on a parallel branch, and the lead adds the foreign keys when the
migration branches are merged. Carers and children are referenced with ON DELETE SET NULL so that
de-identified records stay for statistics after erasure.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, utc_now


class ReferenceSeries(StrEnum):
    """Each kind of reference has its own running number per year."""

    COMPLAINT = "HTST"
    PROBLEM_REPORT = "PR"


class ReferenceCounter(SQLModel, table=True):
    """The last number handed out in one series and year; bumped in the transaction that uses it."""

    __tablename__ = "casework_reference_counters"

    series: str = Field(sa_column=Column(String(8), primary_key=True))
    year: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    last_number: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))


class ProblemReport(SQLModel, table=True):
    """A problem a parent reported on the day (a service request, not a complaint): recorded and monitored."""

    __tablename__ = "problem_reports"
    __table_args__ = (
        Index("ix_problem_reports_open", "resolved_at", "reported_at"),
        Index("ix_problem_reports_reported", "reported_at"),  # the year's figures (migration 0021)
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(sa_column=Column(String(20), unique=True, nullable=False))
    carer_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("carers.id", ondelete="SET NULL"), nullable=True, index=True)
    )
    child_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("children.id", ondelete="SET NULL"), nullable=True, index=True)
    )
    # Copied from the child when reported: the route that day, even if the child moves route later.
    route_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("routes.id", ondelete="SET NULL"), nullable=True)
    )
    route_code: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    category: str = Field(sa_column=Column(String(32), nullable=False))
    details: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    themes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    is_urgent: bool = False
    reported_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False, default=utc_now))
    resolved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    resolved_by_staff_id: int | None = None
    resolution_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    parent_told_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    # The operator's own report of the same route that day, when there was one (the family was told what it said).
    operator_disruption_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("operator_disruptions.id", ondelete="SET NULL"), nullable=True),
    )


class FeedbackSource(StrEnum):
    """Where a piece of feedback came from."""

    BOT = "bot"
    SURVEY = "survey"


class QuoteStatus(StrEnum):
    """PACT's curation of a quote the family agreed to share anonymously."""

    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"


class FeedbackItem(SQLModel, table=True):
    """A rating and/or words from a family, tagged with themes and a sentiment score."""

    __tablename__ = "feedback_items"
    __table_args__ = (
        CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5)", name="ck_feedback_items_rating"),
        Index("ix_feedback_items_created", "created_at"),
        # The year's figures from the index alone (migration 0021); themes ride along on PostgreSQL only.
        Index("ix_feedback_items_report", "created_at", "carer_id", "rating", "child_id", "district", postgresql_include=["themes"]),
        Index("ix_feedback_items_quotes", "quote_status", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    carer_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("carers.id", ondelete="SET NULL"), nullable=True, index=True)
    )
    child_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("children.id", ondelete="SET NULL"), nullable=True)
    )
    source: FeedbackSource = Field(sa_type=String(16))
    # Which survey and question an answer belongs to (surveys live in another area; no foreign key).
    survey_key: str | None = Field(default=None, max_length=64)
    rating: int | None = None
    topic: str = Field(max_length=32)
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # Where the family's child travelled when the feedback was given (the export's --school/--route/--district).
    school_code: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    route_code: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    district: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    themes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    sentiment: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    consent_to_quote: bool = False
    quote_status: QuoteStatus | None = Field(default=None, sa_type=String(16), nullable=True)
    quote_curated_by_staff_id: int | None = None
    quote_curated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    created_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False, default=utc_now))


class ComplaintStatus(StrEnum):
    """Where the complaint's current stage stands."""

    AWAITING_ACKNOWLEDGEMENT = "awaiting_acknowledgement"
    AWAITING_RESPONSE = "awaiting_response"
    RESPONDED = "responded"
    CLOSED = "closed"


class ComplaintOutcome(StrEnum):
    """The finding of a stage response."""

    UPHELD = "upheld"
    PARTLY_UPHELD = "partly_upheld"
    NOT_UPHELD = "not_upheld"


class Complaint(SQLModel, table=True):
    """A complaint under the two-stage procedure; its full record is the row plus its events."""

    __tablename__ = "complaints"
    __table_args__ = (
        CheckConstraint("stage IN (1, 2)", name="ck_complaints_stage"),
        Index("ix_complaints_status_stage", "status", "stage"),
        Index("ix_complaints_received", "stage1_received_at"),  # the year's figures (migration 0021)
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(sa_column=Column(String(20), unique=True, nullable=False))
    carer_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("carers.id", ondelete="SET NULL"), nullable=True, index=True)
    )
    child_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("children.id", ondelete="SET NULL"), nullable=True)
    )
    route_code: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    category: str = Field(sa_column=Column(String(32), nullable=False))
    description: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    stage: int = Field(default=1, sa_column=Column(Integer, nullable=False, default=1))
    status: ComplaintStatus = Field(sa_type=String(32))
    # Stage 1
    stage1_received_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    stage1_acknowledged_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    stage1_handled_by: int | None = None
    stage1_extension_working_days: int | None = None
    stage1_extension_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    stage1_responded_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    stage1_response: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    stage1_outcome: ComplaintOutcome | None = Field(default=None, sa_type=String(16), nullable=True)
    # Stage 2 (received = the day the family asked to escalate)
    escalation_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    stage2_received_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    stage2_acknowledged_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    stage2_handled_by: int | None = None
    stage2_responded_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    stage2_response: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    stage2_outcome: ComplaintOutcome | None = Field(default=None, sa_type=String(16), nullable=True)
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    closed_by_staff_id: int | None = None


class EventActor(StrEnum):
    """Who took a step in a complaint."""

    CARER = "carer"
    STAFF = "staff"
    SYSTEM = "system"


class ComplaintEvent(SQLModel, table=True):
    """One step of a complaint with who took it and when: the Code's full record at every stage."""

    __tablename__ = "complaint_events"
    __table_args__ = (Index("ix_complaint_events_complaint", "complaint_id", "occurred_at"),)

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(sa_column=Column(Integer, ForeignKey("complaints.id", ondelete="CASCADE"), nullable=False))
    stage: int
    kind: str = Field(max_length=32)
    actor: EventActor = Field(sa_type=String(16))
    actor_staff_id: int | None = None
    occurred_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False, default=utc_now))
    # Free text written by a person (a reason, an answer); removed by erasure when the carer wrote it.
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))


class ComplaintAttachment(SQLModel, table=True):
    """A photo or PDF sent with a complaint; the bytes live in CARERLINE_ATTACHMENTS_DIR under `stored_name`."""

    __tablename__ = "complaint_attachments"

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(
        sa_column=Column(Integer, ForeignKey("complaints.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    stored_name: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    original_name: str | None = Field(default=None, max_length=255)
    content_type: str = Field(max_length=64)
    size_bytes: int
    sha256: str = Field(max_length=64)
    uploaded_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False, default=utc_now))


class DriverChangeSource(StrEnum):
    """How a driver or passenger assistant change came to be recorded."""

    PARENT_REPORT = "parent_report"
    OFFICER = "officer"


class DriverChange(SQLModel, table=True):
    """One change of driver or passenger assistant for a child, counted per school term."""

    __tablename__ = "driver_changes"
    __table_args__ = (Index("ix_driver_changes_child_day", "child_id", "changed_on"),)

    id: int | None = Field(default=None, primary_key=True)
    child_id: int = Field(sa_column=Column(Integer, ForeignKey("children.id", ondelete="CASCADE"), nullable=False))
    changed_on: date = Field(sa_column=Column(Date, nullable=False))
    source: DriverChangeSource = Field(sa_type=String(16))
    problem_report_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("problem_reports.id", ondelete="SET NULL"), nullable=True),
    )
    recorded_by_staff_id: int | None = None
    recorded_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False, default=utc_now))


class DutyAlertStatus(StrEnum):
    """What happened to one alert on one channel."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class DutyAlertRecord(SQLModel, table=True):
    """One alert (or digest) to the duty officers on one channel: what, where, when and how it went."""

    __tablename__ = "duty_alerts"
    __table_args__ = (Index("ix_duty_alerts_status", "status", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    subject: str = Field(max_length=32)  # "problem_report" or "daily_digest"
    reference: str | None = Field(default=None, max_length=20)
    problem_report_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("problem_reports.id", ondelete="SET NULL"), nullable=True),
    )
    channel: str = Field(max_length=16)
    status: DutyAlertStatus = Field(sa_type=String(16))
    error: str | None = Field(default=None, max_length=300)
    attempts: int = 0
    created_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False, default=utc_now))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


__all__ = [
    "Complaint",
    "ComplaintAttachment",
    "ComplaintEvent",
    "ComplaintOutcome",
    "ComplaintStatus",
    "DriverChange",
    "DriverChangeSource",
    "DutyAlertRecord",
    "DutyAlertStatus",
    "EventActor",
    "FeedbackItem",
    "FeedbackSource",
    "ProblemReport",
    "QuoteStatus",
    "ReferenceCounter",
    "ReferenceSeries",
]
