"""`carerline users` and `carerline tokens` as an administrator runs them on the server (in-process)."""

from __future__ import annotations

import asyncio
import os

import pytest
from click.testing import Result
from sqlalchemy import text
from typer.testing import CliRunner

from carerline.cli import app
from db.engine import Database
from services.staff.accounts import sha256_hex, verify_password


@pytest.fixture
def run(database_url: str, monkeypatch: pytest.MonkeyPatch):
    """Run a `carerline` command against this test's database, reading settings from the environment."""
    for name in [key for key in os.environ if key.startswith("CARERLINE_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CARERLINE_DATABASE_URL", database_url)
    runner = CliRunner()

    def invoke(*args: str, stdin: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=stdin)

    return invoke


def fetch_one(database_url: str, sql: str) -> tuple[object, ...]:
    async def query() -> tuple[object, ...]:
        database = Database(database_url)
        try:
            async with database.transaction() as session:
                return tuple((await session.exec(text(sql))).one())  # type: ignore[call-overload]
        finally:
            await database.dispose()

    return asyncio.run(query())


def test_users_create_list_and_deactivate(run, database_url: str) -> None:
    created = run(
        "users",
        "create",
        "--role",
        "officer",
        "--email",
        "Olu@Kent.gov.uk",
        "--name",
        "Olu Okafor",
        "--password-stdin",
        stdin="a very long passphrase\n",
    )
    assert created.exit_code == 0, created.output
    assert "Added olu@kent.gov.uk (Council officer)" in created.stdout
    email, password_hash = fetch_one(database_url, "SELECT email, password_hash FROM staff_users")
    assert email == "olu@kent.gov.uk" and str(password_hash).startswith("$argon2id$")
    assert asyncio.run(verify_password(str(password_hash), "a very long passphrase"))
    generated = run(
        "users",
        "create",
        "--role",
        "admin",
        "--email",
        "ada@kent.gov.uk",
        "--name",
        "Ada",
        "--generate-password",
    )
    assert generated.exit_code == 0 and "Password (shown once" in generated.stdout
    short = run(
        "users",
        "create",
        "--role",
        "admin",
        "--email",
        "x@kent.gov.uk",
        "--name",
        "X",
        "--password-stdin",
        stdin="short\n",
    )
    assert (
        short.exit_code == 1 and "carerline: Password must be 12 characters or more" in short.stderr
    )
    assert (
        run(
            "users",
            "create",
            "--role",
            "wizard",
            "--email",
            "y@kent.gov.uk",
            "--name",
            "Y",
            "--generate-password",
        ).exit_code
        == 2
    )
    listed = run("users", "list")
    assert "olu@kent.gov.uk\tOlu Okafor\tofficer\tactive" in listed.stdout
    deactivated = run("users", "deactivate", "olu@kent.gov.uk")
    assert deactivated.exit_code == 0 and "Deactivated olu@kent.gov.uk." in deactivated.stdout
    last_admin = run("users", "deactivate", "ada@kent.gov.uk")
    assert last_admin.exit_code == 1 and "only active administrator" in last_admin.stderr


def test_tokens_are_printed_once_and_kept_only_as_hashes(run, database_url: str) -> None:
    created = run("tokens", "create", "--role", "officer", "--name", "Route planning")
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("cl_") and len(token) > 40
    token_hash, prefix = fetch_one(database_url, "SELECT token_hash, prefix FROM api_tokens")
    assert token_hash == sha256_hex(token) and token.startswith(str(prefix))
    listed = run("tokens", "list")
    assert "Route planning" in listed.stdout and token not in listed.stdout
    revoked = run("tokens", "revoke", "1")
    assert revoked.exit_code == 0 and "Revoked token 1" in revoked.stdout
    assert fetch_one(database_url, "SELECT revoked_at FROM api_tokens")[0] is not None
    missing = run("tokens", "revoke", "99")
    assert missing.exit_code == 1 and "no API token" in missing.stderr


def test_the_sandbox_gets_one_account_per_role_once(database_url: str) -> None:
    from carerline.demo_staff import SANDBOX_STAFF, seed_sandbox_staff

    first = asyncio.run(seed_sandbox_staff(database_url=database_url))
    asyncio.run(seed_sandbox_staff(database_url=database_url))
    (count,) = fetch_one(database_url, "SELECT COUNT(*) FROM staff_users")
    assert count == len(SANDBOX_STAFF) == 3
    assert "coordinator@sandbox.carerline.test" in first


def test_the_sandbox_seeds_an_operator_account_once_the_demo_transport_is_there(database_url: str) -> None:
    from carerline.demo import seed_demo_data
    from carerline.demo_staff import SANDBOX_OPERATOR, seed_sandbox_staff

    assert "Operator sign-in" not in asyncio.run(seed_sandbox_staff(database_url=database_url))
    asyncio.run(seed_demo_data(database_url=database_url))
    summary = asyncio.run(seed_sandbox_staff(database_url=database_url))
    asyncio.run(seed_sandbox_staff(database_url=database_url))
    assert f"Operator sign-in (Garden Cars): {SANDBOX_OPERATOR[1]}" in summary
    assert "Operator in the bot: as a new person on the phone page, send /start OP" in summary  # a one-time code
    (count,) = fetch_one(database_url, "SELECT COUNT(*) FROM staff_users WHERE role = 'operator' AND operator_id IS NOT NULL")
    assert count == 1
