"""Broadcasts: one message written by staff, rendered per carer and sent through the outbox."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, String, Text
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, utc_now


class BroadcastStatus(StrEnum):
    """Where a broadcast is in its life."""

    DRAFT = "draft"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    SENT = "sent"
    CANCELLED = "cancelled"


class Broadcast(SQLModel, table=True):
    """A message to an audience of carers; above the approval threshold a second person must approve it."""

    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_status", "status", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=120)
    template_text: str = Field(sa_column=Column(Text, nullable=False))
    # e.g. {"kind": "school", "value": 12}; resolved afresh by services/broadcasts/audiences.py at each use.
    audience: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=BroadcastStatus.DRAFT.value, sa_column=Column(String(24), nullable=False))
    audience_size_at_request: int | None = None
    # Staff ids are plain integers (no foreign key) like the audit trail's: a deactivated or
    # removed account must never take a broadcast's history with it.
    # With the kind ("user" or "token"), so "someone other than the author" compares like with like.
    created_by_kind: str = Field(default="user", max_length=16)
    created_by_staff_id: int | None = None
    approved_by_staff_id: int | None = None
    sent_by_staff_id: int | None = None
    cancelled_by_staff_id: int | None = None
    created_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False))
    approval_requested_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    approved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    # A scheduled send: a standing job sends every broadcast whose time has come (survives restarts).
    scheduled_for: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    cancelled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
