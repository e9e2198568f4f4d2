"""Accounts and API tokens over the API (admins)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from functools import partial

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models.staff import ApiToken, StaffRole, StaffUser
from services.operators.routes import list_operators
from services.staff.permissions import Permission
from services.staff.accounts import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    AccountError,
    AccountNotFound,
    create_api_token,
    create_user,
    deactivate_user,
    find_user,
    list_api_tokens,
    list_users,
    revoke_api_token,
)
from web.api.registry import ApiCall, ApiConflict, ApiInvalid, ApiNotFound, ApiProblem, api_operation
from web.api.schemas import EMAIL_PATTERN, RecordId, StrictInput, plain_text


class UserCreate(StrictInput):
    """A new staff account."""

    email: str = Field(max_length=254, pattern=EMAIL_PATTERN)
    display_name: str = plain_text(min_length=1, max_length=128)
    role: StaffRole
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)


class UserPublic(BaseModel):
    """A staff account, without its password hash."""

    id: int
    email: str
    display_name: str
    role: StaffRole
    operator_id: int | None = Field(default=None, description="For an operator account: its operator")
    is_active: bool
    created_at: datetime
    last_signed_in_at: datetime | None
    deactivated_at: datetime | None

    @classmethod
    def of(cls, user: StaffUser) -> "UserPublic":
        """From the table row."""
        return cls.model_validate(user, from_attributes=True)


class UserList(BaseModel):
    """Every staff account."""

    items: list[UserPublic]


class UserPath(BaseModel):
    """A staff account's id in the path."""

    user_id: RecordId


class TokenCreate(StrictInput):
    """A new API token."""

    name: str = plain_text(min_length=1, max_length=128, description="Which system uses it")
    role: StaffRole


class TokenPublic(BaseModel):
    """An API token's record; the token itself is never shown again after creation."""

    id: int
    name: str
    role: StaffRole
    prefix: str = Field(description="The token's first characters, to tell tokens apart")
    operator_id: int | None = Field(default=None, description="For an operator's token: its operator")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, token: ApiToken) -> "TokenPublic":
        """From the table row."""
        return cls.model_validate(token, from_attributes=True)


class TokenIssued(TokenPublic):
    """A token just issued: `token` is shown this once."""

    token: str


class TokenList(BaseModel):
    """Every API token."""

    items: list[TokenPublic]


class TokenPath(BaseModel):
    """An API token's id in the path."""

    token_id: RecordId


class OperatorUserCreate(StrictInput):
    """A new account for a person at a transport operator (role operator)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"email": "controller@gardencars.example", "display_name": "Olu", "password": "three random words"}
            ]
        },
    )

    email: str = Field(max_length=254, pattern=EMAIL_PATTERN)
    display_name: str = plain_text(min_length=1, max_length=128)
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)


class OperatorTokenCreate(StrictInput):
    """A new token for an operator's dispatch system (role operator)."""

    name: str = plain_text(min_length=1, max_length=128, description="Which system uses it")


class OperatorPath(BaseModel):
    """An operator's id in the path."""

    operator_id: RecordId = Field(examples=[1])


class OperatorPublic(BaseModel):
    """A transport operator."""

    id: int
    code: str
    name: str


class OperatorList(BaseModel):
    """Every operator."""

    items: list[OperatorPublic]


# Every operation here is an admin's, under the Accounts tag of the OpenAPI document.
accounts_operation = partial(api_operation, tag="Accounts", permission=Permission.MANAGE_ACCOUNTS)
# Operator accounts are added by officers as well as admins: they reach only one operator's routes.
operator_accounts_operation = partial(accounts_operation, permission=Permission.MANAGE_OPERATOR_ACCOUNTS)


@asynccontextmanager
async def account_transaction(
    call: ApiCall, *, refusal: type[ApiProblem] = ApiInvalid
) -> AsyncIterator[AsyncSession]:
    """One transaction whose account errors answer as the API does: 404 for an unknown id, else `refusal`."""
    try:
        async with call.database.transaction() as session:
            yield session
    except AccountNotFound as error:
        raise ApiNotFound(error.message) from None
    except AccountError as error:
        location = "path" if refusal is ApiConflict else "body"
        raise refusal(error.message, field=error.field, location=location) from None



@accounts_operation(
    "GET",
    "/users",
    summary="List staff accounts",
    response=UserList,
)
async def list_staff_users(call: ApiCall) -> UserList:
    """Every staff account, active first."""
    async with call.database.transaction() as session:
        users = await list_users(session)
    return UserList(items=[UserPublic.of(user) for user in users])


@accounts_operation(
    "POST",
    "/users",
    summary="Add a staff account",
    body=UserCreate,
    response=UserPublic,
    status=201,
)
async def create_staff_user(call: ApiCall) -> UserPublic:
    """Add an account; 422 names the field at fault (for example an email already in use)."""
    body: UserCreate = call.body
    async with account_transaction(call) as session:
        user = await create_user(
            session,
            email=body.email,
            display_name=body.display_name,
            role=body.role,
            password=body.password,
            actor=call.actor,
            origin=call.origin,
            now=call.now,
        )
    return UserPublic.of(user)


@accounts_operation(
    "GET",
    "/users/{user_id}",
    summary="One staff account",
    path_params=UserPath,
    response=UserPublic,
)
async def get_staff_user(call: ApiCall) -> UserPublic:
    """One account by id."""
    async with account_transaction(call) as session:
        user = await find_user(session, user_id=call.params.user_id)
    return UserPublic.of(user)


@accounts_operation(
    "POST",
    "/users/{user_id}/deactivate",
    summary="Deactivate a staff account",
    path_params=UserPath,
    response=UserPublic,
    errors=(409,),
)
async def deactivate_staff_user(call: ApiCall) -> UserPublic:
    """Stop an account signing in and end its sessions; 409 for your own account or the last admin."""
    async with account_transaction(call, refusal=ApiConflict) as session:
        user = await deactivate_user(
            session,
            user_id=call.params.user_id,
            actor=call.actor,
            now=call.now,
            origin=call.origin,
        )
    return UserPublic.of(user)


@accounts_operation(
    "GET",
    "/tokens",
    summary="List API tokens",
    response=TokenList,
)
async def list_tokens(call: ApiCall) -> TokenList:
    """Every API token, newest first, revoked ones included."""
    async with call.database.transaction() as session:
        tokens = await list_api_tokens(session)
    return TokenList(items=[TokenPublic.of(token) for token in tokens])


@accounts_operation(
    "POST",
    "/tokens",
    summary="Issue an API token",
    body=TokenCreate,
    response=TokenIssued,
    status=201,
)
async def create_token(call: ApiCall) -> TokenIssued:
    """Issue a token; the response is the only time it is shown."""
    body: TokenCreate = call.body
    async with account_transaction(call) as session:
        issued = await create_api_token(
            session,
            name=body.name,
            role=body.role,
            actor=call.actor,
            now=call.now,
            origin=call.origin,
        )
    return TokenIssued(**TokenPublic.of(issued.record).model_dump(), token=issued.plain_token)


@accounts_operation(
    "POST",
    "/tokens/{token_id}/revoke",
    summary="Revoke an API token",
    path_params=TokenPath,
    response=TokenPublic,
)
async def revoke_token(call: ApiCall) -> TokenPublic:
    """Revoke a token; clients using it get 401 from now on."""
    async with account_transaction(call) as session:
        token = await revoke_api_token(
            session,
            token_id=call.params.token_id,
            actor=call.actor,
            now=call.now,
            origin=call.origin,
        )
    return TokenPublic.of(token)


@operator_accounts_operation("GET", "/operators", summary="List transport operators", response=OperatorList)
async def list_transport_operators(call: ApiCall) -> OperatorList:
    """Every operator, to choose whom an operator account belongs to."""
    async with call.database.transaction() as session:
        operators = await list_operators(session)
    return OperatorList(items=[OperatorPublic.model_validate(item, from_attributes=True) for item in operators])


@operator_accounts_operation(
    "POST",
    "/operators/{operator_id}/users",
    summary="Add an operator account",
    path_params=OperatorPath,
    body=OperatorUserCreate,
    response=UserPublic,
    status=201,
)
async def create_operator_user(call: ApiCall) -> UserPublic:
    """An account that sees only this operator's routes and reports its disruption (audited)."""
    body: OperatorUserCreate = call.body
    async with account_transaction(call) as session:
        user = await create_user(
            session,
            email=body.email,
            display_name=body.display_name,
            role=StaffRole.OPERATOR,
            password=body.password,
            actor=call.actor,
            origin=call.origin,
            now=call.now,
            operator_id=call.params.operator_id,
        )
    return UserPublic.of(user)


@operator_accounts_operation(
    "POST",
    "/operators/{operator_id}/tokens",
    summary="Issue an operator's API token",
    path_params=OperatorPath,
    body=OperatorTokenCreate,
    response=TokenIssued,
    status=201,
)
async def create_operator_token(call: ApiCall) -> TokenIssued:
    """A token for the operator's dispatch system; shown this once (audited)."""
    body: OperatorTokenCreate = call.body
    async with account_transaction(call) as session:
        issued = await create_api_token(
            session,
            name=body.name,
            role=StaffRole.OPERATOR,
            actor=call.actor,
            now=call.now,
            origin=call.origin,
            operator_id=call.params.operator_id,
        )
    return TokenIssued(**TokenPublic.of(issued.record).model_dump(), token=issued.plain_token)
