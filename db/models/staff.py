"""Staff accounts, their sessions, API tokens, sign-in failures and the audit trail."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String
from sqlmodel import Field, SQLModel

from db.enums import StaffRole
from db.types import UTCDateTime, utc_now


class ActorKind(StrEnum):
    """Who did something recorded in the audit trail."""

    USER = "user"
    TOKEN = "token"
    SYSTEM = "system"
    ANONYMOUS = "anonymous"


class StaffUser(SQLModel, table=True):
    """A person who signs in to the staff pages."""

    __tablename__ = "staff_users"

    id: int | None = Field(default=None, primary_key=True)
    # Stored lower-cased so sign-in and uniqueness ignore case.
    email: str = Field(sa_column=Column(String(254), unique=True, nullable=False))
    display_name: str = Field(max_length=128)
    role: StaffRole = Field(sa_type=String(32))
    # Set only for the operator role: the one transport operator whose routes this person reports on.
    operator_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("operators.id"), nullable=True, index=True),
    )
    password_hash: str = Field(max_length=255)
    is_active: bool = True
    created_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False, default=utc_now)
    )
    last_signed_in_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True)
    )
    deactivated_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True)
    )


class StaffSession(SQLModel, table=True):
    """A signed-in browser. Only a hash of the cookie's session id is stored."""

    __tablename__ = "staff_sessions"

    id: int | None = Field(default=None, primary_key=True)
    session_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False, default=utc_now)
    )
    last_seen_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False, default=utc_now)
    )
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    client_ip: str | None = Field(default=None, max_length=64)


class ApiToken(SQLModel, table=True):
    """A machine client's bearer token. Only its SHA-256 is stored; the prefix helps people tell tokens apart."""

    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=128)
    role: StaffRole = Field(sa_type=String(32))
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    prefix: str = Field(max_length=16)
    # Set only for the operator role: the operator whose dispatch system uses the token.
    operator_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("operators.id"), nullable=True, index=True),
    )
    created_by_user_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("staff_users.id", ondelete="SET NULL"), nullable=True),
    )
    created_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False, default=utc_now)
    )
    last_used_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True)
    )
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class SignInFailure(SQLModel, table=True):
    """One failed sign-in, counted per account key and per client address to slow down guessing."""

    __tablename__ = "staff_sign_in_failures"
    __table_args__ = (
        Index("ix_staff_sign_in_failures_email_at", "email_key", "failed_at"),
        Index("ix_staff_sign_in_failures_ip_at", "client_ip", "failed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # SHA-256 of the lower-cased email typed: counts attempts without keeping what strangers typed.
    email_key: str = Field(sa_column=Column(String(64), nullable=False))
    client_ip: str = Field(max_length=64)
    failed_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False, default=utc_now)
    )


class AuditEvent(SQLModel, table=True):
    """One staff action: who, what, when, which records. Never updated or deleted by the service."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_actor", "actor_kind", "actor_id"),)

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = Field(
        default_factory=utc_now,
        sa_column=Column(UTCDateTime, nullable=False, default=utc_now, index=True),
    )
    actor_kind: ActorKind = Field(sa_type=String(16))
    actor_id: int | None = None
    actor_label: str = Field(max_length=254)
    actor_role: str | None = Field(default=None, max_length=32)
    action: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    object_type: str | None = Field(default=None, max_length=64)
    object_ids: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, default=list)
    )
    detail: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict)
    )
    request_id: str | None = Field(default=None, max_length=64)
    client_ip: str | None = Field(default=None, max_length=64)
