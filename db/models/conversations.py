"""Conversation state per chat, in the database so a restart or a second replica carries on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, String
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, utc_now

IDLE = "idle"


class ConversationState(SQLModel, table=True):
    """Where one chat is in a conversation; `version` goes up on every change."""

    __tablename__ = "conversation_states"

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    state: str = Field(default=IDLE, sa_column=Column(String(64), nullable=False))
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))
    version: int = 0
    updated_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False, default=utc_now))


class ChatThrottle(SQLModel, table=True):
    """How many updates one chat sent in the current flood window, and whether we said so."""

    __tablename__ = "chat_throttles"

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    window_started_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updates_in_window: int = 0
    has_warned: bool = False
