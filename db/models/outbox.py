"""The outbox: every proactive message is a row here before it is sent, and the shared pacing state."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from sqlalchemy import BigInteger, Column, Float, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, utc_now


class OutboxState(StrEnum):
    """Where a message is in its life; each state has its own timestamp column."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    ACKNOWLEDGED = "acknowledged"
    # Not sent on purpose: the carer muted the kind, withdrew consent or cannot be reached.
    SKIPPED = "skipped"


class OutboxMessage(SQLModel, table=True):
    """One message to one carer, with an idempotency key so it can never be sent twice."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        # The claim's order (urgent first, then due time): read straight off this index, however long the queue.
        Index("ix_outbox_messages_claim_order", "state", "priority", "not_before", "id"),
        Index("ix_outbox_messages_source", "source_type", "source_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(sa_column=Column(String(160), unique=True, nullable=False))
    carer_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("carers.id", ondelete="SET NULL"), nullable=True, index=True)
    )
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True, index=True))
    purpose: str = Field(max_length=32)
    update_kind: str | None = Field(default=None, max_length=32)
    source_type: str = Field(max_length=32)
    source_id: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # The inline keyboard as JSON text, kept as text: it is sent as it is, never queried.
    reply_markup: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    is_urgent: bool = False
    # 0 for urgent, 1 otherwise (kept with is_urgent so the claim can use one ascending index).
    priority: int = Field(default=1, sa_column=Column(SmallInteger, nullable=False, default=1))
    must_send: bool = False
    state: str = Field(default=OutboxState.QUEUED.value, sa_column=Column(String(16), nullable=False))
    queued_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False))
    not_before: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False))
    sending_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    failed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    acknowledged_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    skipped_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    attempts: int = 0
    # A send whose outcome we do not know (connection lost, worker killed): probe before sending again.
    is_in_doubt: bool = False
    probe_from_message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_expires_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    telegram_message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    last_error: str | None = Field(default=None, max_length=300)


class ChatDeliveryState(SQLModel, table=True):
    """Per-chat pacing shared by every worker: when the chat may next get a message."""

    __tablename__ = "chat_delivery_states"

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    next_send_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False))


class DeliveryRateBucket(SQLModel, table=True):
    """The bot token's send schedule shared by every process (one token, one cap)."""

    __tablename__ = "delivery_rate_buckets"

    name: str = Field(sa_column=Column(String(32), primary_key=True))
    # Epoch seconds of the next free send slot; workers reserve slots by moving it forward.
    next_slot_at_s: float = Field(default=0.0, sa_column=Column(Float, nullable=False))
    paused_until_s: float = Field(default=0.0, sa_column=Column(Float, nullable=False))
