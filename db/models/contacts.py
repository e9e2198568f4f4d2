"""Families' contact details from the council's route-planning export, and what GOV.UK Notify reports back."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, utc_now


class ContactChannel(StrEnum):
    """How a carer prefers to hear from us."""

    TELEGRAM = "telegram"
    SMS = "sms"
    EMAIL = "email"
    LETTER = "letter"


class FamilyContact(SQLModel, table=True):
    """One of up to two carers the council holds for a child: name, UK mobile (E.164), email, postal address.

    Linked to the child, whether or not anyone has linked in Telegram; `carer_id` is set when this carer links.
    """

    __tablename__ = "family_contacts"
    __table_args__ = (UniqueConstraint("child_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    child_id: int = Field(sa_column=Column(Integer, ForeignKey("children.id", ondelete="CASCADE"), nullable=False, index=True))
    position: int  # 1 or 2: carer1_* or carer2_* in the export
    name: str | None = Field(default=None, max_length=100)
    mobile_e164: str | None = Field(default=None, sa_column=Column(String(16), nullable=True, index=True))
    email: str | None = Field(default=None, max_length=320)
    preferred_channel: ContactChannel | None = Field(default=None, sa_type=String(16))
    postal_address: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # lines joined by "\n"
    # "en" or "pl": the language texts, emails and letters are written in (null: English). A linked carer's own
    # choice in the bot wins.
    language: str | None = Field(default=None, sa_type=String(8))
    carer_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("carers.id"), nullable=True, index=True))
    erased_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    updated_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False, default=utc_now))
    # Set when the carer (in the bot) or an officer (on the child's page) changed the details: from then on the
    # import leaves them alone, because they are newer than the council's route-planning system.
    changed_by: str | None = Field(default=None, sa_type=String(16))
    changed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class ContactChangeActor(StrEnum):
    """Who changed a family's contact details."""

    CARER = "carer"
    OFFICER = "officer"


class ContactChangeAction(StrEnum):
    """What changed (never the value itself: the record holds no number or address)."""

    ATTACHED = "attached"  # the carer linked in Telegram and was matched to this contact
    NOT_LISTED = "not_listed"  # the carer said neither contact the council holds is them
    PREFERRED = "preferred"  # this channel is now the one we use first
    ADDED = "added"  # a number, email or address for this channel was added or changed
    REMOVED = "removed"  # the number, email or address for this channel was removed


class ContactChange(SQLModel, table=True):
    """The consent record for each channel: what changed, by whom, under which privacy notice version.

    It keeps no number, email or address; after the carer's erasure carer_id is emptied and the facts remain.
    """

    __tablename__ = "contact_changes"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("family_contacts.id", ondelete="SET NULL"), nullable=True, index=True)
    )
    child_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("children.id", ondelete="SET NULL"), nullable=True, index=True)
    )
    carer_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("carers.id", ondelete="SET NULL"), nullable=True, index=True)
    )
    actor: ContactChangeActor = Field(sa_type=String(16))
    action: ContactChangeAction = Field(sa_type=String(16))
    channel: ContactChannel | None = Field(default=None, sa_type=String(16))
    notice_version: str = Field(max_length=32)
    occurred_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False, default=utc_now))


class NotifyReceipt(SQLModel, table=True):
    """A delivery receipt from Notify, keyed by Notify's id and our reference (no recipient is kept)."""

    __tablename__ = "notify_receipts"

    id: int | None = Field(default=None, primary_key=True)
    notify_id: str = Field(sa_column=Column(String(36), unique=True, nullable=False))
    reference: str | None = Field(default=None, sa_column=Column(String(255), nullable=True, index=True))
    notification_type: str = Field(sa_type=String(8))
    status: str = Field(sa_type=String(32))
    template_id: str | None = Field(default=None, sa_type=String(36))
    template_version: int | None = None
    notify_created_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    completed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    received_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False, default=utc_now))


class NotifyInboundText(SQLModel, table=True):
    """A text a family sent to the council's Notify inbound number."""

    __tablename__ = "notify_inbound_texts"

    id: int | None = Field(default=None, primary_key=True)
    notify_id: str = Field(sa_column=Column(String(36), unique=True, nullable=False))
    source_number: str = Field(sa_column=Column(String(20), nullable=False, index=True))
    destination_number: str = Field(max_length=20)
    message: str = Field(sa_column=Column(Text, nullable=False))
    date_received: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    received_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False, default=utc_now))
