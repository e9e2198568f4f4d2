"""The council's record of every message into and out of the bot."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Index, String, Text
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, utc_now


class MessageDirection(StrEnum):
    """Which way a message went."""

    INBOUND = "in"
    OUTBOUND = "out"


class MessageRecord(SQLModel, table=True):
    """One message or button press, kept because official business must be held by the council."""

    __tablename__ = "message_log"
    __table_args__ = (Index("ix_message_log_chat_created", "chat_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    direction: MessageDirection = Field(sa_type=String(3))
    # Telegram update ids are unique per bot: a redelivered update is recorded (and handled) once.
    update_id: int | None = Field(default=None, sa_column=Column(BigInteger, unique=True))
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    telegram_message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    kind: str = Field(max_length=32)
    text: str | None = Field(default=None, sa_column=Column(Text))
    # True when characters no database can keep (lone surrogates, NUL) were replaced by U+FFFD in what arrived or went.
    has_replaced_characters: bool = False
    created_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False, default=utc_now))


class IncomingUpdate(SQLModel, table=True):
    """A webhook update as it arrived, kept until handled so any replica can handle its chat's updates in order."""

    __tablename__ = "incoming_updates"
    __table_args__ = (
        Index("ix_incoming_updates_chat_update", "chat_id", "update_id"),
        Index("ix_incoming_updates_received_at", "received_at"),
    )

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    # The Update's JSON: the parent's words and chat id, so handled rows are deleted soon and erased at once.
    payload: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False))
    handled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
