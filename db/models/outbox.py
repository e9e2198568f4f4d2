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


class OutboxChannel(StrEnum):
    """The way one outbox row travels: Telegram, or GOV.UK Notify's text, email or letter."""

    TELEGRAM = "telegram"
    SMS = "sms"
    EMAIL = "email"
    LETTER = "letter"


class OutboxMessage(SQLModel, table=True):
    """One message to one carer on one channel, with an idempotency key so it can never be sent twice.

    A notice is one or more rows sharing `notice_key` (the first row's idempotency key): the first on the
    preferred channel, each later one created when the one before failed for good or went unacknowledged,
    from `channel_plan` (the channels still held, in order) and `fallback_texts` (rendered for them already).
    A Notify row's idempotency key is the notice key plus "#<channel>", and is sent to Notify as `reference`.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        # The claim's order (urgent first, then due time): read straight off this index, however long the queue.
        # Each channel's worker claims its own rows: channel leads so a Telegram claim never scans texts and emails.
        Index("ix_outbox_messages_claim_order", "channel", "state", "priority", "not_before", "id"),
        Index("ix_outbox_messages_source", "source_type", "source_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(sa_column=Column(String(160), unique=True, nullable=False))
    carer_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("carers.id", ondelete="SET NULL"), nullable=True, index=True)
    )
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True, index=True))
    channel: str = Field(
        default=OutboxChannel.TELEGRAM.value,
        sa_column=Column(String(8), nullable=False, default="telegram", server_default="telegram"),
    )
    # The family contact (mobile, email, address) a Notify row goes to; read at send time, so erasure wins.
    family_contact_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("family_contacts.id", ondelete="SET NULL"), nullable=True, index=True),
    )
    notice_key: str | None = Field(default=None, sa_column=Column(String(160), nullable=True, index=True))
    fallback_of_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("outbox_messages.id", ondelete="SET NULL"), nullable=True, index=True),
    )
    # Channels still to try after this row, comma-separated in order ("sms,email"); empty when none is held.
    channel_plan: str | None = Field(default=None, sa_column=Column(String(40), nullable=True))
    # JSON {"sms": {"text": ...}, "email": {"subject": ..., "text": ...}}: the notice rendered for the held channels.
    fallback_texts: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    fallback_queued_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    subject: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    # The "I have seen this" link stops working after this (a change: when it takes effect).
    ack_expires_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    notify_id: str | None = Field(default=None, sa_column=Column(String(36), nullable=True, index=True))
    # Notify's latest receipt: delivered, permanent-failure, temporary-failure, technical-failure...
    notify_status: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    notify_status_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
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
