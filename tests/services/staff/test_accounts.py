"""Accounts and tokens: Argon2 at rest, tokens only as hashes, the rules on deactivation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from db.engine import Database
from db.models.staff import ApiToken, AuditEvent, StaffRole, StaffUser
from db.types import utc_now
from services.staff.audit import Actor
from services.staff.accounts import (
    AccountError,
    authenticate_api_token,
    create_api_token,
    create_user,
    deactivate_user,
    revoke_api_token,
    sha256_hex,
    verify_password,
)

SYSTEM = Actor.system("tests")


async def test_passwords_are_stored_only_as_argon2id_hashes(database: Database) -> None:
    async with database.transaction() as session:
        user = await create_user(
            session,
            email="A@Kent.gov.uk",
            display_name="Ann",
            role=StaffRole.OFFICER,
            password="correct horse battery",
            actor=SYSTEM,
        )
    async with database.transaction() as session:
        raw = (await session.exec(text("SELECT email, password_hash FROM staff_users"))).one()  # type: ignore[call-overload]
    assert raw[0] == "a@kent.gov.uk"
    assert raw[1].startswith("$argon2id$") and "correct horse battery" not in raw[1]
    assert await verify_password(raw[1], "correct horse battery")
    assert not await verify_password(raw[1], "correct horse battery!")
    assert user.id is not None


@pytest.mark.parametrize(
    ("email", "name", "password", "field"),
    [
        ("not-an-email", "Ann", "long enough password", "email"),
        ("b@kent.gov.uk", " ", "long enough password", "display_name"),
        ("b@kent.gov.uk", "Ann", "short", "password"),
    ],
)
async def test_a_bad_account_names_the_field(
    database: Database, email: str, name: str, password: str, field: str
) -> None:
    async with database.transaction() as session:
        with pytest.raises(AccountError) as raised:
            await create_user(
                session,
                email=email,
                display_name=name,
                role=StaffRole.ADMIN,
                password=password,
                actor=SYSTEM,
            )
    assert raised.value.field == field


async def test_an_email_is_used_once_whatever_its_case(database: Database) -> None:
    async with database.transaction() as session:
        await create_user(
            session,
            email="c@kent.gov.uk",
            display_name="C",
            role=StaffRole.ADMIN,
            password="long enough password",
            actor=SYSTEM,
        )
    async with database.transaction() as session:
        with pytest.raises(AccountError, match="already exists"):
            await create_user(
                session,
                email="C@KENT.gov.uk",
                display_name="C",
                role=StaffRole.ADMIN,
                password="long enough password",
                actor=SYSTEM,
            )


async def test_a_token_is_kept_only_as_a_hash_and_works_until_revoked(database: Database) -> None:
    now = utc_now()
    async with database.transaction() as session:
        issued = await create_api_token(
            session, name="Route planning", role=StaffRole.OFFICER, actor=SYSTEM, now=now
        )
    plain = issued.plain_token
    async with database.transaction() as session:
        rows = (await session.exec(text("SELECT * FROM api_tokens"))).all()  # type: ignore[call-overload]
    assert all(plain not in str(value) for row in rows for value in row)
    async with database.transaction() as session:
        stored = (await session.exec(select(ApiToken))).one()
    assert stored.token_hash == sha256_hex(plain) and stored.prefix == plain[:10]
    async with database.transaction() as session:
        found = await authenticate_api_token(
            session, plain_token=plain, now=now + timedelta(minutes=5)
        )
        assert found is not None and found.last_used_at is not None
        assert await authenticate_api_token(session, plain_token=plain + "x", now=now) is None
    async with database.transaction() as session:
        await revoke_api_token(session, token_id=stored.id or 0, actor=SYSTEM, now=now)
    async with database.transaction() as session:
        assert await authenticate_api_token(session, plain_token=plain, now=now) is None
        actions = [event.action for event in (await session.exec(select(AuditEvent))).all()]
    assert actions == ["token.created", "token.revoked"]


async def test_the_last_admin_and_your_own_account_cannot_be_deactivated(
    database: Database,
) -> None:
    async with database.transaction() as session:
        admin = await create_user(
            session,
            email="admin@kent.gov.uk",
            display_name="A",
            role=StaffRole.ADMIN,
            password="long enough password",
            actor=SYSTEM,
        )
        other = await create_user(
            session,
            email="other@kent.gov.uk",
            display_name="O",
            role=StaffRole.ADMIN,
            password="long enough password",
            actor=SYSTEM,
        )
    as_admin = Actor(kind="user", id=admin.id, label=admin.email, role="admin")  # type: ignore[arg-type]
    async with database.transaction() as session:
        with pytest.raises(AccountError, match="your own account"):
            await deactivate_user(session, user_id=admin.id or 0, actor=as_admin, now=utc_now())
    async with database.transaction() as session:
        await deactivate_user(session, user_id=other.id or 0, actor=as_admin, now=utc_now())
    async with database.transaction() as session:
        with pytest.raises(AccountError, match="only active administrator"):
            await deactivate_user(session, user_id=admin.id or 0, actor=SYSTEM, now=utc_now())
        users = {
            user.email: user.is_active for user in (await session.exec(select(StaffUser))).all()
        }
    assert users == {"admin@kent.gov.uk": True, "other@kent.gov.uk": False}
