"""`carerline users ...` and `carerline tokens ...`: staff accounts and API tokens from the command line."""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import typer

from db.enums import StaffRole

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from services.staff.audit import Actor

users_app = typer.Typer(help="Staff accounts: create, list, deactivate.", no_args_is_help=True)
tokens_app = typer.Typer(
    help="API tokens for machine clients: create, list, revoke.", no_args_is_help=True
)
Result = TypeVar("Result")
ROLE_HELP = "pact_coordinator, officer or admin (see README: Who may do what)."


def _cli_actor() -> Actor:
    from services.staff.audit import Actor

    return Actor.system(f"command line ({getpass.getuser()})")


def _in_transaction(work: Callable[[AsyncSession], Awaitable[Result]]) -> Result:
    """Migrate if needed, run one unit of work, and turn account errors into one line and exit 1."""
    from core.settings import load_settings
    from db.engine import Database
    from db.migrate import upgrade_database_async
    from services.staff.accounts import AccountError

    async def run() -> Result:
        settings = load_settings()
        await upgrade_database_async(database_url=settings.database_url)
        database = Database(settings.database_url, pool_size=1)
        try:
            async with database.transaction() as session:
                return await work(session)
        finally:
            await database.dispose()

    try:
        return asyncio.run(run())
    except AccountError as error:
        typer.echo(f"carerline: {error.message}", err=True)
        raise typer.Exit(1) from None


def _read_password(*, from_stdin: bool, generate: bool) -> tuple[str, bool]:
    if generate:
        from services.staff.accounts import generate_password

        return generate_password(), True
    if from_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True), False


@users_app.command("create")
def create_user_command(
    role: StaffRole = typer.Option(..., "--role", help=ROLE_HELP),
    email: str = typer.Option(
        ..., "--email", help="The person's work email address; they sign in with it."
    ),
    name: str = typer.Option(..., "--name", help="The person's full name, shown in the audit log."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of standard input."
    ),
    generate: bool = typer.Option(
        False, "--generate-password", help="Make a strong password and print it once."
    ),
) -> None:
    """Add a staff account (the password is prompted for unless --password-stdin or --generate-password)."""
    from db.types import utc_now
    from services.staff.permissions import ROLE_LABELS
    from services.staff.accounts import create_user

    password, was_generated = _read_password(from_stdin=password_stdin, generate=generate)
    user = _in_transaction(
        lambda session: create_user(
            session,
            email=email,
            display_name=name,
            role=role,
            password=password,
            actor=_cli_actor(),
            now=utc_now(),
        )
    )
    typer.echo(f"Added {user.email} ({ROLE_LABELS[StaffRole(user.role)]}), account {user.id}.")
    if was_generated:
        typer.echo(f"Password (shown once, give it to them separately): {password}")


@users_app.command("list")
def list_users_command() -> None:
    """Every staff account."""
    from services.staff.accounts import list_users

    users = _in_transaction(list_users)
    for user in users:
        state = "active" if user.is_active else "deactivated"
        typer.echo(f"{user.id}\t{user.email}\t{user.display_name}\t{user.role}\t{state}")


@users_app.command("deactivate")
def deactivate_user_command(
    email: str = typer.Argument(..., help="The account's email address."),
) -> None:
    """Stop an account signing in and end its sessions."""
    from db.types import utc_now
    from services.staff.accounts import deactivate_user, find_user_by_email

    async def work(session: AsyncSession) -> str:
        user = await find_user_by_email(session, email=email)
        await deactivate_user(session, user_id=user.id or 0, actor=_cli_actor(), now=utc_now())
        return user.email

    typer.echo(f"Deactivated {_in_transaction(work)}.")


@tokens_app.command("create")
def create_token_command(
    role: StaffRole = typer.Option(..., "--role", help=ROLE_HELP),
    name: str = typer.Option(..., "--name", help="Which system uses it, like 'Route planning'."),
) -> None:
    """Issue an API token and print it once; only its hash is kept."""
    from db.types import utc_now
    from services.staff.accounts import create_api_token

    issued = _in_transaction(
        lambda session: create_api_token(
            session, name=name, role=role, actor=_cli_actor(), now=utc_now()
        )
    )
    typer.echo(
        f"Token {issued.record.id} for {issued.record.name} ({issued.record.role}). Copy it now; it is not shown again:"
    )
    typer.echo(issued.plain_token)


@tokens_app.command("list")
def list_tokens_command() -> None:
    """Every API token (never the token itself)."""
    from services.staff.accounts import list_api_tokens

    for token in _in_transaction(list_api_tokens):
        state = "revoked" if token.revoked_at else "live"
        typer.echo(f"{token.id}\t{token.prefix}…\t{token.name}\t{token.role}\t{state}")


@tokens_app.command("revoke")
def revoke_token_command(
    token_id: int = typer.Argument(..., help="The token's id, from `carerline tokens list`."),
) -> None:
    """Revoke a token; clients using it are refused from now on."""
    from db.types import utc_now
    from services.staff.accounts import revoke_api_token

    token = _in_transaction(
        lambda session: revoke_api_token(
            session, token_id=token_id, actor=_cli_actor(), now=utc_now()
        )
    )
    typer.echo(f"Revoked token {token.id} ({token.name}).")
