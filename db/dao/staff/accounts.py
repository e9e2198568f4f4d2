"""Data access for staff accounts, sessions, API tokens and sign-in failures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models.staff import ApiToken, SignInFailure, StaffRole, StaffSession, StaffUser


async def fetch_user_by_email(session: AsyncSession, *, email: str) -> StaffUser | None:
    """The account with this (lower-cased) email, active or not."""
    result = await session.exec(select(StaffUser).where(StaffUser.email == email))
    return result.first()


async def fetch_user(session: AsyncSession, *, user_id: int) -> StaffUser | None:
    """One account by id."""
    return await session.get(StaffUser, user_id)


async def fetch_users(session: AsyncSession) -> list[StaffUser]:
    """Every account, active first, then by email."""
    result = await session.exec(
        select(StaffUser).order_by(col(StaffUser.is_active).desc(), col(StaffUser.email))
    )
    return list(result.all())


async def save_user(
    session: AsyncSession,
    *,
    email: str,
    display_name: str,
    role: StaffRole,
    password_hash: str,
    operator_id: int | None = None,
) -> StaffUser:
    """Add an account."""
    user = StaffUser(
        email=email, display_name=display_name, role=role, password_hash=password_hash, operator_id=operator_id
    )
    session.add(user)
    await session.flush()
    return user


async def count_active_admins(session: AsyncSession) -> int:
    """How many active admin accounts there are (the last one may not be deactivated)."""
    result = await session.exec(
        select(func.count())
        .select_from(StaffUser)
        .where(StaffUser.role == StaffRole.ADMIN.value, col(StaffUser.is_active).is_(True))
    )
    return int(result.one())


async def save_session(
    session: AsyncSession,
    *,
    user_id: int,
    session_hash: str,
    csrf_token: str,
    now: datetime,
    expires_at: datetime,
    client_ip: str | None,
) -> StaffSession:
    """Start a signed-in session."""
    record = StaffSession(
        user_id=user_id,
        session_hash=session_hash,
        csrf_token=csrf_token,
        created_at=now,
        last_seen_at=now,
        expires_at=expires_at,
        client_ip=client_ip,
    )
    session.add(record)
    await session.flush()
    return record


async def fetch_live_session(
    session: AsyncSession, *, session_hash: str
) -> tuple[StaffSession, StaffUser] | None:
    """The session with this hash and its user, unless the session was ended."""
    result = await session.exec(
        select(StaffSession, StaffUser)
        .join(StaffUser, col(StaffUser.id) == col(StaffSession.user_id))
        .where(StaffSession.session_hash == session_hash, col(StaffSession.ended_at).is_(None))
    )
    row = result.first()
    return (row[0], row[1]) if row else None


async def save_session_seen(session: AsyncSession, *, session_id: int, now: datetime) -> None:
    """Record activity on a session (for idle expiry)."""
    await session.exec(
        update(StaffSession).where(col(StaffSession.id) == session_id).values(last_seen_at=now)
    )  # type: ignore[call-overload]


async def save_session_ended(session: AsyncSession, *, session_id: int, now: datetime) -> None:
    """End a session: signed out, idle too long or past its absolute expiry."""
    await session.exec(  # type: ignore[call-overload]
        update(StaffSession)
        .where(col(StaffSession.id) == session_id, col(StaffSession.ended_at).is_(None))
        .values(ended_at=now)
    )


async def save_user_sessions_ended(session: AsyncSession, *, user_id: int, now: datetime) -> None:
    """End every session of one account (deactivation)."""
    await session.exec(  # type: ignore[call-overload]
        update(StaffSession)
        .where(col(StaffSession.user_id) == user_id, col(StaffSession.ended_at).is_(None))
        .values(ended_at=now)
    )


async def save_user_signed_in(session: AsyncSession, *, user_id: int, now: datetime) -> None:
    """Remember when the account last signed in."""
    await session.exec(
        update(StaffUser).where(col(StaffUser.id) == user_id).values(last_signed_in_at=now)
    )  # type: ignore[call-overload]


async def save_user_password_hash(
    session: AsyncSession, *, user_id: int, password_hash: str
) -> None:
    """Replace an account's password hash."""
    await session.exec(
        update(StaffUser).where(col(StaffUser.id) == user_id).values(password_hash=password_hash)
    )  # type: ignore[call-overload]


async def save_user_deactivated(session: AsyncSession, *, user_id: int, now: datetime) -> None:
    """Stop an account from signing in."""
    await session.exec(  # type: ignore[call-overload]
        update(StaffUser)
        .where(col(StaffUser.id) == user_id)
        .values(is_active=False, deactivated_at=now)
    )


async def save_sign_in_failure(
    session: AsyncSession, *, email_key: str, client_ip: str, now: datetime
) -> None:
    """Count one failed sign-in."""
    session.add(SignInFailure(email_key=email_key, client_ip=client_ip, failed_at=now))
    await session.flush()


async def count_sign_in_failures(
    session: AsyncSession, *, email_key: str, client_ip: str, since: datetime
) -> tuple[int, int]:
    """Failures since a time: (for this account key, from this address)."""
    by_email = await session.exec(
        select(func.count())
        .select_from(SignInFailure)
        .where(SignInFailure.email_key == email_key, col(SignInFailure.failed_at) >= since)
    )
    by_ip = await session.exec(
        select(func.count())
        .select_from(SignInFailure)
        .where(SignInFailure.client_ip == client_ip, col(SignInFailure.failed_at) >= since)
    )
    return int(by_email.one()), int(by_ip.one())


async def delete_sign_in_failures(session: AsyncSession, *, email_key: str) -> None:
    """Forget an account's failures after a good sign-in."""
    await session.exec(delete(SignInFailure).where(col(SignInFailure.email_key) == email_key))  # type: ignore[call-overload]


async def delete_sign_in_failures_before(session: AsyncSession, *, before: datetime) -> None:
    """Forget failures too old to count any more."""
    await session.exec(delete(SignInFailure).where(col(SignInFailure.failed_at) < before))  # type: ignore[call-overload]


async def save_api_token(
    session: AsyncSession,
    *,
    name: str,
    role: StaffRole,
    token_hash: str,
    prefix: str,
    created_by_user_id: int | None,
    now: datetime,
    operator_id: int | None = None,
) -> ApiToken:
    """Add an API token (its hash only)."""
    token = ApiToken(
        name=name,
        role=role,
        operator_id=operator_id,
        token_hash=token_hash,
        prefix=prefix,
        created_by_user_id=created_by_user_id,
        created_at=now,
    )
    session.add(token)
    await session.flush()
    return token


async def fetch_api_token_by_hash(session: AsyncSession, *, token_hash: str) -> ApiToken | None:
    """The unrevoked token with this hash."""
    result = await session.exec(
        select(ApiToken).where(
            ApiToken.token_hash == token_hash, col(ApiToken.revoked_at).is_(None)
        )
    )
    return result.first()


async def fetch_api_token(session: AsyncSession, *, token_id: int) -> ApiToken | None:
    """One token by id, revoked or not."""
    return await session.get(ApiToken, token_id)


async def fetch_api_tokens(session: AsyncSession) -> list[ApiToken]:
    """Every token, newest first."""
    result = await session.exec(select(ApiToken).order_by(col(ApiToken.id).desc()))
    return list(result.all())


async def save_api_token_used(session: AsyncSession, *, token_id: int, now: datetime) -> None:
    """Remember when a token was last used."""
    await session.exec(
        update(ApiToken).where(col(ApiToken.id) == token_id).values(last_used_at=now)
    )  # type: ignore[call-overload]


async def save_api_token_revoked(session: AsyncSession, *, token_id: int, now: datetime) -> None:
    """Revoke a token; it stops working at once."""
    await session.exec(  # type: ignore[call-overload]
        update(ApiToken)
        .where(col(ApiToken.id) == token_id, col(ApiToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )
