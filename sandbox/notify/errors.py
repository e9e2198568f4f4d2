"""Notify's v2 error bodies: {"status_code": N, "errors": [{"error": KIND, "message": TEXT}]}."""

from __future__ import annotations

from dataclasses import dataclass

# The messages below are Notify's own (alphagov/notifications-api, app/authentication/auth.py and app/v2/errors.py).
GENERAL_TOKEN_ERROR = (
    "Invalid token: make sure your API token matches the example at "
    "https://docs.notifications.service.gov.uk/rest-api.html#authorisation-header"
)
CLOCK_ERROR = "Error: Your system clock must be accurate to within 30 seconds"


@dataclass(eq=False)
class NotifyApiError(Exception):
    """One error answer of the v2 API."""

    status_code: int
    error: str
    message: str

    def body(self) -> dict[str, object]:
        """The JSON body Notify sends."""
        return {"status_code": self.status_code, "errors": [{"error": self.error, "message": self.message}]}


def auth_error(message: str, *, status_code: int = 403) -> NotifyApiError:
    """AuthError: 401 without a bearer token, 403 for a token Notify cannot accept."""
    return NotifyApiError(status_code, "AuthError", message)


def bad_request(message: str, *, status_code: int = 400) -> NotifyApiError:
    """BadRequestError, e.g. "Missing personalisation: name"."""
    return NotifyApiError(status_code, "BadRequestError", message)


def validation_error(message: str) -> NotifyApiError:
    """ValidationError from the request schema, e.g. "phone_number Not a UK mobile number"."""
    return NotifyApiError(400, "ValidationError", message)


def rate_limit_error(*, key_type: str, per_minute: int) -> NotifyApiError:
    """429 RateLimitError: more than the service's requests per minute for this key type."""
    label = "LIVE" if key_type == "normal" else key_type.upper()
    return NotifyApiError(429, "RateLimitError", f"Exceeded rate limit for key type {label} of {per_minute} requests per 60 seconds")


def daily_limit_error(*, channel: str, limit: int) -> NotifyApiError:
    """429 TooManyRequestsError: the day's messages of one channel are used up."""
    return NotifyApiError(429, "TooManyRequestsError", f"Exceeded send limits ({channel}: {limit}) for today")


def server_error(status_code: int = 500) -> NotifyApiError:
    """An unexpected failure, as Notify's catch-all handler answers it."""
    return NotifyApiError(status_code, "Exception", "Internal server error")


def not_found() -> NotifyApiError:
    """An unknown notification id."""
    return NotifyApiError(404, "NoResultFound", "No result found")
