"""Sandbox-only staff accounts, one per role, so a person trying Carerline can sign in at once."""

from __future__ import annotations

from db.dao.transport.data import fetch_operator_by_code
from db.engine import Database
from db.models.staff import StaffRole
from db.types import utc_now
from services.operators.chats import issue_chat_code
from services.staff.audit import Actor
from services.staff.accounts import AccountNotFound, create_user, find_user_by_email

# Known passwords are acceptable only because the sandbox runs against its own throwaway database.
SANDBOX_PASSWORD = "sandbox-password"
SANDBOX_STAFF = (
    (StaffRole.PACT_COORDINATOR, "coordinator@sandbox.carerline.test", "Priya Coordinator"),
    (StaffRole.OFFICER, "officer@sandbox.carerline.test", "Owen Officer"),
    (StaffRole.ADMIN, "admin@sandbox.carerline.test", "Ada Admin"),
)
# Garden Cars runs the demo's MA-101 and MA-102: its controller reports "running late 20 minutes" at /operator.
SANDBOX_OPERATOR = ("OP-GC", "operator@sandbox.carerline.test", "Olu at Garden Cars")


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
        operator_line = await _seed_sandbox_operator(database)
    finally:
        await database.dispose()
    accounts = ", ".join(email for _, email, _ in SANDBOX_STAFF)
    return f"  Staff sign-in: {accounts} (password {SANDBOX_PASSWORD})" + operator_line


async def _seed_sandbox_operator(database: Database) -> str:
    """The demo operator's account, when the demo transport data is there; the line that says how to use it."""
    code, email, name = SANDBOX_OPERATOR
    async with database.transaction() as session:
        operator = await fetch_operator_by_code(session, code=code)
        if operator is None:
            return ""
        try:
            await find_user_by_email(session, email=email)
        except AccountNotFound:
            await create_user(
                session, email=email, display_name=name, role=StaffRole.OPERATOR, password=SANDBOX_PASSWORD,
                actor=Actor.system("sandbox"), operator_id=operator.id,
            )
        # A fresh one-time code each start, so the bot's operator flow can be tried from the phone page.
        issued = await issue_chat_code(session, operator_id=operator.id or 0, actor=Actor.system("sandbox"), now=utc_now())
    return (
        f"\n  Operator sign-in ({operator.name}): {email} (password {SANDBOX_PASSWORD}), then report at /operator"
        f"\n  Operator in the bot: as a new person on the phone page, send /start {issued.code} (works once, for 24 hours)"
    )
