"""Schools, operators, routes, stops and the children on them, as the council's route planning holds them;
and what operators report about their runs (disruptions, who was told, the change drafts officers decide),
and the Telegram chats operators report from (with the one-time codes that link them)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Column, Date, ForeignKey, Index, Integer, String, Text, Time, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, utc_now


class Phase(StrEnum):
    """Stage of education, used for audiences and report breakdowns."""

    EARLY_YEARS = "early_years"
    PRIMARY = "primary"
    SECONDARY = "secondary"
    POST_16 = "post_16"


class School(SQLModel, table=True):
    """A school children are taken to."""

    __tablename__ = "schools"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(32), unique=True, nullable=False))
    name: str = Field(max_length=200)
    district: str = Field(max_length=64, index=True)


class Operator(SQLModel, table=True):
    """A transport operator under contract to the council."""

    __tablename__ = "operators"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(32), unique=True, nullable=False))
    name: str = Field(max_length=200)
    # Only numbers the council allows families to see.
    public_phone: str | None = Field(default=None, max_length=32)


class Route(SQLModel, table=True):
    """One contracted route: an operator, a vehicle, a school and its stops."""

    __tablename__ = "routes"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(32), unique=True, nullable=False))
    operator_id: int = Field(sa_column=Column(Integer, ForeignKey("operators.id"), nullable=False, index=True))
    school_id: int = Field(sa_column=Column(Integer, ForeignKey("schools.id"), nullable=False, index=True))
    vehicle_type: str = Field(max_length=64)
    district: str = Field(max_length=64, index=True)
    is_suspended: bool = False
    updated_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False, default=utc_now))


class RouteStop(SQLModel, table=True):
    """A pick-up point on a route, with its pick-up window."""

    __tablename__ = "route_stops"
    __table_args__ = (UniqueConstraint("route_id", "sequence"),)

    id: int | None = Field(default=None, primary_key=True)
    route_id: int = Field(sa_column=Column(Integer, ForeignKey("routes.id", ondelete="CASCADE"), nullable=False, index=True))
    sequence: int
    name: str = Field(max_length=200)
    pickup_from: time = Field(sa_column=Column(Time, nullable=False))
    pickup_to: time = Field(sa_column=Column(Time, nullable=False))


class Child(SQLModel, table=True):
    """A child on SEND transport, held with the least the council needs: a reference and a first name or initials."""

    __tablename__ = "children"

    id: int | None = Field(default=None, primary_key=True)
    council_reference: str = Field(sa_column=Column(String(32), unique=True, nullable=False))
    display_name: str = Field(max_length=64)
    school_id: int = Field(sa_column=Column(Integer, ForeignKey("schools.id"), nullable=False, index=True))
    route_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("routes.id"), nullable=True, index=True))
    stop_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("route_stops.id"), nullable=True))
    district: str = Field(max_length=64, index=True)
    phase: Phase = Field(sa_type=String(16))
    is_active: bool = True
    updated_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False, default=utc_now))


class DisruptionKind(StrEnum):
    """What the operator reports (SIRI-SX's reasons, cut to what a school run needs)."""

    RUNNING_LATE = "running_late"
    VEHICLE_BREAKDOWN = "vehicle_breakdown"
    STAFF_CHANGED = "staff_changed"
    RUN_CANCELLED = "run_cancelled"
    CANNOT_RUN_FROM = "cannot_run_from"


class Run(StrEnum):
    """Which run of the school day."""

    MORNING = "morning"
    AFTERNOON = "afternoon"


class StaffChanged(StrEnum):
    """Who changed on the vehicle."""

    DRIVER = "driver"
    PASSENGER_ASSISTANT = "passenger_assistant"


class DisruptionStatus(StrEnum):
    """Where a report stands (SIRI-SX progress: published, then closed)."""

    FAMILIES_TOLD = "families_told"
    AWAITING_OFFICER = "awaiting_officer"
    COLLAPSED = "collapsed"
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class DraftStatus(StrEnum):
    """An officer's decision on a change drafted from an operator's report."""

    DRAFT = "draft"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class OperatorDisruption(SQLModel, table=True):
    """One report from an operator: what, where, when, who reported it and how families were told."""

    __tablename__ = "operator_disruptions"
    __table_args__ = (Index("ix_operator_disruptions_route_run", "route_id", "run_date", "run"),)

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(sa_column=Column(String(24), unique=True, nullable=False))
    operator_id: int = Field(sa_column=Column(Integer, ForeignKey("operators.id"), nullable=False, index=True))
    route_id: int = Field(sa_column=Column(Integer, ForeignKey("routes.id"), nullable=False))
    run: Run = Field(sa_type=String(16))
    run_date: date = Field(sa_column=Column(Date, nullable=False))
    kind: DisruptionKind = Field(sa_type=String(32))
    minutes_late: int | None = None
    staff_changed: StaffChanged | None = Field(default=None, sa_type=String(32))
    new_staff_first_name: str | None = Field(default=None, max_length=64)
    from_date: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    status: DisruptionStatus = Field(sa_type=String(32))
    # A report on the same route, run and kind while an earlier one is open: families are not told twice.
    collapsed_into_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("operator_disruptions.id"), nullable=True)
    )
    reported_by: str = Field(max_length=254)
    reported_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False, index=True))
    families_told_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    carers_told: int = 0
    duty_paged_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    corrected_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    withdrawn_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    resolved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    resolution: str | None = Field(default=None, max_length=32)


class DisruptionNotice(SQLModel, table=True):
    """One message about one report to one carer: the report itself, a correction, a withdrawal or the follow-up."""

    __tablename__ = "operator_disruption_notices"
    __table_args__ = (
        UniqueConstraint("disruption_id", "carer_id", "step"),
        UniqueConstraint("disruption_id", "family_contact_id", "step"),
    )

    id: int | None = Field(default=None, primary_key=True)
    disruption_id: int = Field(
        sa_column=Column(Integer, ForeignKey("operator_disruptions.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    carer_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("carers.id", ondelete="CASCADE"), nullable=True, index=True)
    )
    family_contact_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("family_contacts.id", ondelete="CASCADE"), nullable=True, index=True),
    )
    step: str = Field(max_length=16)
    child_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    outbox_message_id: int | None = None
    queued_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class TransportChangeDraft(SQLModel, table=True):
    """A change drafted from an operator's report; families hear only once an officer confirms it."""

    __tablename__ = "transport_change_drafts"

    id: int | None = Field(default=None, primary_key=True)
    disruption_id: int = Field(
        sa_column=Column(Integer, ForeignKey("operator_disruptions.id", ondelete="CASCADE"), nullable=False, unique=True)
    )
    route_id: int = Field(sa_column=Column(Integer, ForeignKey("routes.id"), nullable=False))
    kind: str = Field(max_length=32)
    effective_from: date = Field(sa_column=Column(Date, nullable=False))
    effective_until: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    new_value: str | None = Field(default=None, max_length=300)
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    status: DraftStatus = Field(sa_type=String(16), index=True)
    created_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False))
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    decided_by: str | None = Field(default=None, max_length=254)
    change_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("transport_changes.id"), nullable=True)
    )


class OperatorChatCode(SQLModel, table=True):
    """A one-time code that links one Telegram chat to an operator; only its hash is kept."""

    __tablename__ = "operator_chat_codes"

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(sa_column=Column(Integer, ForeignKey("operators.id"), nullable=False, index=True))
    code_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    created_by: str = Field(max_length=254)
    created_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class OperatorChat(SQLModel, table=True):
    """A Telegram chat an operator's staff report from; never a family's chat. `step`/`draft`: the report being built."""

    __tablename__ = "operator_chats"

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(sa_column=Column(Integer, ForeignKey("operators.id"), nullable=False, index=True))
    chat_id: int = Field(sa_column=Column(BigInteger, unique=True, nullable=False))
    code_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("operator_chat_codes.id"), nullable=True))
    linked_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False))
    step: str = Field(default="idle", max_length=32)
    draft: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))
