"""Staff accounts and API tokens: create, list, deactivate, revoke. Passwords are Argon2 hashes."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.staff.accounts import (
    count_active_admins,
    fetch_api_token,
    fetch_api_token_by_hash,
    fetch_api_tokens,
    fetch_user,
    fetch_user_by_email,
    fetch_users,
    save_api_token,
    save_api_token_revoked,
    save_api_token_used,
    save_user,
    save_user_deactivated,
    save_user_sessions_ended,
)
from db.dao.operators import fetch_operator
from db.models.staff import ActorKind, ApiToken, StaffRole, StaffUser
from services.staff.audit import Actor, RequestOrigin, record_audit

MIN_PASSWORD_LENGTH = 12  # NCSC: length beats complexity rules; three random words pass easily.
MAX_PASSWORD_LENGTH = 256
TOKEN_PREFIX = "cl_"
VISIBLE_TOKEN_CHARS = 10
# OWASP Password Storage Cheat Sheet's Argon2id settings (19 MiB, 2 passes, 1 lane): about 0.1 s a
# check on our 2-core hosts, where argon2-cffi's defaults (64 MiB, 3 passes, 4 lanes) take 0.6 s.
_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
# Verified when the email matches no account, so a wrong email takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(Exception):
    """A request about accounts that cannot be done; `field` names the input at fault."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class AccountNotFound(AccountError):
    """No account or token with that id."""


@dataclass(frozen=True)
class IssuedToken:
    """A new API token: the plain value exists only here, to be shown once."""

    record: ApiToken
    plain_token: str


def normalise_email(email: str) -> str:
    """Emails are compared without case or surrounding spaces."""
    return email.strip().lower()


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be {MIN_PASSWORD_LENGTH} characters or more"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer"
    return None


async def hash_password(password: str) -> str:
    """An Argon2id hash, computed off the event loop."""
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; always spends the same effort, even without an account."""
    try:
        return await asyncio.to_thread(
            _hasher.verify, password_hash or _DUMMY_HASH, password
        ) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    """True when a stored hash was made with weaker settings than today's."""
    return _hasher.check_needs_rehash(password_hash)


def sha256_hex(value: str) -> str:
    """Hex SHA-256 of a secret: how session ids and API tokens are kept at rest."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def generate_password() -> str:
    """A strong random password to print once."""
    return secrets.token_urlsafe(18)


async def create_user(
    session: AsyncSession,
    *,
    email: str,
    display_name: str,
    role: StaffRole,
    password: str,
    actor: Actor,
    origin: RequestOrigin | None = None,
    now: datetime | None = None,
    operator_id: int | None = None,
) -> StaffUser:
    """Add a staff account, or raise AccountError naming the field at fault."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError(
            "Enter an email address in the correct format, like name@kent.gov.uk", field="email"
        )
    if not display_name.strip():
        raise AccountError("Enter the person's name", field="display_name")
    problem = password_problem(password)
    if problem:
        raise AccountError(problem, field="password")
    if await fetch_user_by_email(session, email=email) is not None:
        raise AccountError("An account with this email address already exists", field="email")
    await check_operator_link(session, role=role, operator_id=operator_id)
    user = await save_user(
        session,
        email=email,
        display_name=display_name.strip()[:128],
        role=role,
        password_hash=await hash_password(password),
        operator_id=operator_id,
    )
    await record_audit(
        session,
        actor=actor,
        action="account.created",
        object_type="staff_user",
        object_ids=[user.id or 0],
        detail={"role": role.value, **({"operator_id": operator_id} if operator_id else {})},
        origin=origin,
        now=now,
    )
    return user


async def check_operator_link(session: AsyncSession, *, role: StaffRole, operator_id: int | None) -> None:
    """An operator account belongs to exactly one existing operator; no other role belongs to one."""
    if role != StaffRole.OPERATOR:
        if operator_id is not None:
            raise AccountError("Only an operator account belongs to an operator", field="operator_id")
        return
    if operator_id is None:
        raise AccountError("Add operator accounts from the operator's own page", field="role")
    if await fetch_operator(session, operator_id=operator_id) is None:
        raise AccountNotFound("There is no operator with that id")


async def list_users(session: AsyncSession) -> list[StaffUser]:
    """Every staff account."""
    return await fetch_users(session)


async def find_user(session: AsyncSession, *, user_id: int) -> StaffUser:
    """One account, or AccountNotFound."""
    user = await fetch_user(session, user_id=user_id)
    if user is None:
        raise AccountNotFound("There is no account with that id")
    return user


async def find_user_by_email(session: AsyncSession, *, email: str) -> StaffUser:
    """One account by email, or AccountNotFound."""
    user = await fetch_user_by_email(session, email=normalise_email(email))
    if user is None:
        raise AccountNotFound("There is no account with that email address")
    return user


async def deactivate_user(
    session: AsyncSession,
    *,
    user_id: int,
    actor: Actor,
    now: datetime,
    origin: RequestOrigin | None = None,
) -> StaffUser:
    """Stop an account signing in and end its sessions; the last active admin is kept."""
    user = await find_user(session, user_id=user_id)
    if actor.kind == ActorKind.USER and actor.id == user_id:
        raise AccountError(
            "You cannot deactivate your own account; ask another administrator", field="user_id"
        )
    if not user.is_active:
        return user
    if user.role == StaffRole.ADMIN and await count_active_admins(session) <= 1:
        raise AccountError(
            "This is the only active administrator, so it cannot be deactivated", field="user_id"
        )
    await save_user_deactivated(session, user_id=user_id, now=now)
    await save_user_sessions_ended(session, user_id=user_id, now=now)
    await record_audit(
        session,
        actor=actor,
        action="account.deactivated",
        object_type="staff_user",
        object_ids=[user_id],
        origin=origin,
        now=now,
    )
    await session.refresh(user)
    return user


async def create_api_token(
    session: AsyncSession,
    *,
    name: str,
    role: StaffRole,
    actor: Actor,
    now: datetime,
    origin: RequestOrigin | None = None,
    operator_id: int | None = None,
) -> IssuedToken:
    """Issue a bearer token; only its hash is stored, the plain value is returned once."""
    name = name.strip()
    if not name or len(name) > 128:
        raise AccountError("Enter a name for the token of 128 characters or fewer", field="name")
    await check_operator_link(session, role=role, operator_id=operator_id)
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = await save_api_token(
        session,
        name=name,
        role=role,
        token_hash=sha256_hex(plain),
        prefix=plain[:VISIBLE_TOKEN_CHARS],
        created_by_user_id=actor.id if actor.kind == ActorKind.USER else None,
        now=now,
        operator_id=operator_id,
    )
    await record_audit(
        session,
        actor=actor,
        action="token.created",
        object_type="api_token",
        object_ids=[record.id or 0],
        detail={"role": role.value, "name": name, **({"operator_id": operator_id} if operator_id else {})},
        origin=origin,
        now=now,
    )
    return IssuedToken(record=record, plain_token=plain)


async def list_api_tokens(session: AsyncSession) -> list[ApiToken]:
    """Every API token, revoked ones included."""
    return await fetch_api_tokens(session)


async def revoke_api_token(
    session: AsyncSession,
    *,
    token_id: int,
    actor: Actor,
    now: datetime,
    origin: RequestOrigin | None = None,
) -> ApiToken:
    """Revoke a token, or raise AccountNotFound."""
    token = await fetch_api_token(session, token_id=token_id)
    if token is None:
        raise AccountNotFound("There is no API token with that id")
    if token.revoked_at is None:
        await save_api_token_revoked(session, token_id=token_id, now=now)
        await record_audit(
            session,
            actor=actor,
            action="token.revoked",
            object_type="api_token",
            object_ids=[token_id],
            origin=origin,
            now=now,
        )
        await session.refresh(token)
    return token


async def authenticate_api_token(
    session: AsyncSession, *, plain_token: str, now: datetime
) -> ApiToken | None:
    """The live token matching a bearer value, marking it used; None when unknown or revoked."""
    if not plain_token.startswith(TOKEN_PREFIX) or len(plain_token) > 200:
        return None
    token = await fetch_api_token_by_hash(session, token_hash=sha256_hex(plain_token))
    if token is None:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        await save_api_token_used(session, token_id=token.id or 0, now=now)
    return token
