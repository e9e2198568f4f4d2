"""Sandbox-only staff accounts, one per role, so a person trying Carerline can sign in at once."""

from __future__ import annotations

from db.engine import Database
from db.models.staff import StaffRole
from services.staff.audit import Actor
from services.staff.accounts import AccountNotFound, create_user, find_user_by_email

# Known passwords are acceptable only because the sandbox runs against its own throwaway database.
SANDBOX_PASSWORD = "sandbox-password"
SANDBOX_STAFF = (
    (StaffRole.PACT_COORDINATOR, "coordinator@sandbox.carerline.test", "Priya Coordinator"),
    (StaffRole.OFFICER, "officer@sandbox.carerline.test", "Owen Officer"),
    (StaffRole.ADMIN, "admin@sandbox.carerline.test", "Ada Admin"),
)


async def seed_sandbox_staff(*, database_url: str) -> str:
    """Create the sandbox's staff accounts if missing, and say how to sign in."""
    database = Database(database_url, pool_size=1)
    try:
        for role, email, name in SANDBOX_STAFF:
            async with database.transaction() as session:
                try:
                    await find_user_by_email(session, email=email)
                except AccountNotFound:
                    await create_user(
                        session,
                        email=email,
                        display_name=name,
                        role=role,
                        password=SANDBOX_PASSWORD,
                        actor=Actor.system("sandbox"),
                    )
    finally:
        await database.dispose()
    accounts = ", ".join(email for _, email, _ in SANDBOX_STAFF)
    return f"  Staff sign-in: {accounts} (password {SANDBOX_PASSWORD})"
