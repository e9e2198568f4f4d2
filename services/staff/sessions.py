"""Signing staff in and out: throttled password checks and server-side sessions with idle expiry."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.staff.accounts import (
    count_sign_in_failures,
    delete_sign_in_failures,
    delete_sign_in_failures_before,
    fetch_live_session,
    fetch_user_by_email,
    save_session,
    save_session_ended,
    save_session_seen,
    save_sign_in_failure,
    save_user_password_hash,
    save_user_signed_in,
)
from db.models.staff import ActorKind, StaffSession, StaffUser
from services.staff.audit import Actor, RequestOrigin, record_audit
from services.staff.accounts import (
    hash_password,
    normalise_email,
    password_needs_rehash,
    sha256_hex,
    verify_password,
)

# Writing last_seen on every request would turn each page view into a write; once a minute is enough.
SEEN_WRITE_INTERVAL = timedelta(seconds=60)


@dataclass(frozen=True)
class SessionPolicy:
    """How long sessions last and how many failed sign-ins are allowed."""

    idle_timeout: timedelta = timedelta(minutes=30)
    absolute_timeout: timedelta = timedelta(hours=12)
    max_failures_per_account: int = 5
    max_failures_per_address: int = 20
    failure_window: timedelta = timedelta(minutes=15)


class SignInOutcome(StrEnum):
    """What happened when someone tried to sign in."""

    SIGNED_IN = "signed_in"
    REFUSED = "refused"
    THROTTLED = "throttled"


@dataclass(frozen=True)
class SignInResult:
    """The outcome, and for a success the new session's secret id and CSRF token."""

    outcome: SignInOutcome
    user: StaffUser | None = None
    session_id: str | None = None
    csrf_token: str | None = None


@dataclass(frozen=True)
class LiveSession:
    """A valid signed-in session and its user."""

    record: StaffSession
    user: StaffUser

    @property
    def actor(self) -> Actor:
        """The person, as the audit trail names them."""
        return actor_for_user(self.user)


def actor_for_user(user: StaffUser) -> Actor:
    """The audit actor for a staff account."""
    return Actor(kind=ActorKind.USER, id=user.id, label=user.email, role=str(user.role))


async def sign_in(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    client_ip: str,
    now: datetime,
    policy: SessionPolicy,
    origin: RequestOrigin | None = None,
) -> SignInResult:
    """Check the password unless throttled; on success start a session. Never says whether the account exists."""
    email_key = sha256_hex(normalise_email(email))
    since = now - policy.failure_window
    await delete_sign_in_failures_before(session, before=since)
    by_account, by_address = await count_sign_in_failures(
        session, email_key=email_key, client_ip=client_ip, since=since
    )
    user = await fetch_user_by_email(session, email=normalise_email(email))
    object_ids = [user.id or 0] if user else []
    if (
        by_account >= policy.max_failures_per_account
        or by_address >= policy.max_failures_per_address
    ):
        await record_audit(
            session,
            actor=Actor.anonymous(),
            action="sign_in.throttled",
            object_type="staff_user",
            object_ids=object_ids,
            origin=origin,
            now=now,
        )
        return SignInResult(outcome=SignInOutcome.THROTTLED)
    password_ok = await verify_password(user.password_hash if user else None, password)
    if user is None or not user.is_active or not password_ok:
        reason = (
            "unknown_account"
            if user is None
            else ("inactive" if not user.is_active else "wrong_password")
        )
        await save_sign_in_failure(session, email_key=email_key, client_ip=client_ip, now=now)
        await record_audit(
            session,
            actor=Actor.anonymous(),
            action="sign_in.failed",
            object_type="staff_user",
            object_ids=object_ids,
            detail={"reason": reason},
            origin=origin,
            now=now,
        )
        return SignInResult(outcome=SignInOutcome.REFUSED)
    await delete_sign_in_failures(session, email_key=email_key)
    if password_needs_rehash(user.password_hash):
        await save_user_password_hash(
            session, user_id=user.id or 0, password_hash=await hash_password(password)
        )
    session_id = secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    record = await save_session(
        session,
        user_id=user.id or 0,
        session_hash=sha256_hex(session_id),
        csrf_token=csrf_token,
        now=now,
        expires_at=now + policy.absolute_timeout,
        client_ip=client_ip,
    )
    await save_user_signed_in(session, user_id=user.id or 0, now=now)
    await record_audit(
        session,
        actor=actor_for_user(user),
        action="sign_in.succeeded",
        object_type="staff_session",
        object_ids=[record.id or 0],
        origin=origin,
        now=now,
    )
    return SignInResult(
        outcome=SignInOutcome.SIGNED_IN, user=user, session_id=session_id, csrf_token=csrf_token
    )


async def resume_session(
    session: AsyncSession, *, session_id: str, now: datetime, policy: SessionPolicy
) -> LiveSession | None:
    """The live session for a cookie value; ends it when idle too long, expired or the account is off."""
    if not session_id or len(session_id) > 128:
        return None
    found = await fetch_live_session(session, session_hash=sha256_hex(session_id))
    if found is None:
        return None
    record, user = found
    is_idle = now - record.last_seen_at > policy.idle_timeout
    if is_idle or now >= record.expires_at or not user.is_active:
        await save_session_ended(session, session_id=record.id or 0, now=now)
        reason = (
            "idle" if is_idle else ("expired" if now >= record.expires_at else "account_inactive")
        )
        await record_audit(
            session,
            actor=actor_for_user(user),
            action="session.expired",
            object_type="staff_session",
            object_ids=[record.id or 0],
            detail={"reason": reason},
            now=now,
        )
        return None
    if now - record.last_seen_at >= SEEN_WRITE_INTERVAL:
        await save_session_seen(session, session_id=record.id or 0, now=now)
    return LiveSession(record=record, user=user)


async def sign_out(
    session: AsyncSession, *, live: LiveSession, now: datetime, origin: RequestOrigin | None = None
) -> None:
    """End the session and record it."""
    await save_session_ended(session, session_id=live.record.id or 0, now=now)
    await record_audit(
        session,
        actor=live.actor,
        action="sign_out",
        object_type="staff_session",
        object_ids=[live.record.id or 0],
        origin=origin,
        now=now,
    )
