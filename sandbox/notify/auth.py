"""Notify's API authentication: a bearer JWT (HS256, iss = service id, iat within 30 s) signed with a key's secret."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable

import jwt

from sandbox.notify.errors import CLOCK_ERROR, GENERAL_TOKEN_ERROR, auth_error
from sandbox.notify.model import ApiKey

CLOCK_SKEW_S = 30


def authenticate(*, authorization: str | None, service_id: str, keys: Iterable[ApiKey]) -> ApiKey:
    """The key that signed the request's token, or the AuthError Notify would answer."""
    if not authorization:
        raise auth_error("Unauthorized: authentication token must be provided", status_code=401)
    if authorization[:7].title() != "Bearer ":
        raise auth_error("Unauthorized: authentication bearer scheme must be used", status_code=401)
    token = authorization[7:]
    try:
        unverified = jwt.decode(token, options={"verify_signature": False}, algorithms=["HS256"])
    except jwt.PyJWTError:
        raise auth_error(GENERAL_TOKEN_ERROR) from None
    if "iss" not in unverified:
        raise auth_error("Invalid token: iss field not provided")
    try:
        uuid.UUID(str(unverified["iss"]))
    except ValueError:
        raise auth_error("Invalid token: service id is not the right data type") from None
    if str(unverified["iss"]) != service_id:
        raise auth_error("Invalid token: service not found")
    for key in keys:
        try:
            claims = jwt.decode(token, key=key.secret, algorithms=["HS256"], options={"verify_iat": False})
        except jwt.InvalidAlgorithmError:
            raise auth_error("Invalid token: algorithm used is not HS256") from None
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError:
            raise auth_error(GENERAL_TOKEN_ERROR) from None
        _check_issued_at(claims)
        if key.is_revoked:
            raise auth_error("Invalid token: API key revoked")
        return key
    raise auth_error("Invalid token: API key not found")


def _check_issued_at(claims: dict[str, object]) -> None:
    if "iat" not in claims:
        raise auth_error("Invalid token: iat field not provided")
    try:
        issued_at = int(claims["iat"])  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise auth_error(GENERAL_TOKEN_ERROR) from None
    if abs(time.time() - issued_at) > CLOCK_SKEW_S:
        raise auth_error(CLOCK_ERROR)


def split_api_key(api_key: str) -> tuple[str, str, str]:
    """(name, service id, secret): the two UUIDs are the last 73 characters, as the official clients read them."""
    return api_key[:-74], api_key[-73:-37], api_key[-36:]
