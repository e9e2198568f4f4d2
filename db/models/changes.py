"""Transport changes officers record, the children they affect, and each carer's notice and acknowledgement."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.enums import ChangeKind as ChangeKind  # re-exported: callers import it from here
from db.types import UTCDateTime, utc_now


class TransportChange(SQLModel, table=True):
    """One change an officer recorded: on one route (optionally one stop) or on every route of an operator."""

    __tablename__ = "transport_changes"

    id: int | None = Field(default=None, primary_key=True)
    # The officer's or the import's reference: recording the same reference twice changes nothing.
    reference: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    kind: str = Field(max_length=32)
    route_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("routes.id"), nullable=True, index=True))
    operator_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("operators.id"), nullable=True))
    stop_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("route_stops.id"), nullable=True))
    old_value: str | None = Field(default=None, max_length=300)
    new_value: str | None = Field(default=None, max_length=300)
    effective_from: date = Field(sa_column=Column(Date, nullable=False))
    effective_until: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    effective_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    is_urgent: bool = False
    # The council must tell every family, even those who muted changes or withdrew consent.
    must_send: bool = False
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    contact_phone: str | None = Field(default=None, max_length=32)
    recorded_by: str = Field(max_length=128)
    recorded_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False))
    notices_queued_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class ChangeChild(SQLModel, table=True):
    """A child the change affects, frozen when it was recorded (children move routes later)."""

    __tablename__ = "transport_change_children"
    __table_args__ = (UniqueConstraint("change_id", "child_id"),)

    id: int | None = Field(default=None, primary_key=True)
    change_id: int = Field(sa_column=Column(Integer, ForeignKey("transport_changes.id", ondelete="CASCADE"), nullable=False, index=True))
    child_id: int = Field(sa_column=Column(Integer, ForeignKey("children.id", ondelete="CASCADE"), nullable=False, index=True))


class ChangeNotice(SQLModel, table=True):
    """One family member's notice of one change: what was sent, whether they saw it, reminder and escalation.

    The recipient is a carer linked in Telegram (`carer_id`) or, for a family that never linked, a family
    contact from the council's import (`family_contact_id`); a linked carer's contact is reached through the carer.
    """

    __tablename__ = "change_notices"
    __table_args__ = (UniqueConstraint("change_id", "carer_id"), UniqueConstraint("change_id", "family_contact_id"))

    id: int | None = Field(default=None, primary_key=True)
    change_id: int = Field(sa_column=Column(Integer, ForeignKey("transport_changes.id", ondelete="CASCADE"), nullable=False, index=True))
    carer_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("carers.id", ondelete="CASCADE"), nullable=True, index=True)
    )
    family_contact_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("family_contacts.id", ondelete="CASCADE"), nullable=True, index=True),
    )
    child_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    outbox_message_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("outbox_messages.id", ondelete="SET NULL"), nullable=True)
    )
    reminder_outbox_message_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("outbox_messages.id", ondelete="SET NULL"), nullable=True)
    )
    queued_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False))
    acknowledged_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    reminded_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    escalated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
