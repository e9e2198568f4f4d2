"""The GOV.UK Notify channel: texts, emails and letters through Notify's REST API v2.

Decision: we call the REST API from aiohttp, signing each request with the same JWT the official
`notifications-python-client` makes (PyJWT, HS256, `iss` = service id, `iat` = now), rather than
using that client. The client is synchronous (`requests`, 30 s timeout) and documented as not
thread-safe, so in our asyncio service every send would need a thread and a client per thread;
at Notify's 3,000 requests a minute (50 a second, with 1-30 s responses under load) that means
dozens of blocked threads. aiohttp is already our HTTP stack (the Telegram channel uses it), keeps
one pooled connection set, and lets a 429 or 5xx slow the Notify channel alone. The official client
stays in the tests, where it proves our emulator answers as Notify does (tests/sandbox/).

Errors are classified for the delivery engine (`NotifyFailure`): a recipient Notify will never
reach (try the next channel), our own configuration (key, template, personalisation: alert, hold
the channel), a rate limit (slow down), the day's limit (hold the channel until midnight UTC) and
server or network failures (retry; the message may have been accepted, so reconcile by `reference`
with `find_by_reference` before sending again).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum
from types import TracebackType
from typing import Any, Literal, Self

import aiohttp
import jwt

from core.settings import NOTIFY_API_KEY_PATTERN, Settings

NotifyChannel = Literal["sms", "email", "letter"]
USER_AGENT = "Carerline (aiohttp; GOV.UK Notify REST API v2)"
# Notify accepts a token whose iat is within 30 s of its clock; reusing one for 5 s saves signing every request.
TOKEN_REUSE_S = 5.0
_RECIPIENT_ERRORS = ("phone_number", "email_address", "Not a UK mobile number", "Cannot send to international",
                     "Can’t send to this recipient", "Address must", "Must be a real", "Last line of address",
                     "address lines")


class NotifyFailure(StrEnum):
    """What a failed request means for the message and the channel."""

    RECIPIENT = "recipient"  # permanent: this number, address or postal address cannot be used
    CONFIGURATION = "configuration"  # permanent until a person fixes the key, template or personalisation
    RATE_LIMITED = "rate_limited"  # 429 RateLimitError: over the requests a minute; slow the channel
    DAILY_LIMIT = "daily_limit"  # 429 TooManyRequestsError: the channel's messages for today are used up
    RETRYABLE = "retryable"  # 5xx or the network: try again (the message may have been accepted)

    @property
    def is_permanent(self) -> bool:
        """True when sending the same request again cannot succeed."""
        return self in (NotifyFailure.RECIPIENT, NotifyFailure.CONFIGURATION)


@dataclass(eq=False)
class NotifyError(Exception):
    """A request Notify refused, or that got no answer (status_code 0)."""

    status_code: int
    error: str
    message: str
    failure: NotifyFailure
    errors: list[dict[str, Any]] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.status_code} {self.error}: {self.message}"

    @property
    def outcome_unknown(self) -> bool:
        """True when Notify may have accepted the message (no answer, or a server error after the request)."""
        return self.failure is NotifyFailure.RETRYABLE


@dataclass(frozen=True)
class NotifySent:
    """Notify accepted a message."""

    id: str
    reference: str | None
    body: str
    subject: str | None
    template_id: str
    template_version: int


def classify(*, status_code: int, errors: list[dict[str, Any]]) -> tuple[str, str, NotifyFailure]:
    """(error kind, message, failure) from an error answer's status and `errors` list."""
    first = errors[0] if errors else {}
    kind, message = str(first.get("error", "")), str(first.get("message", ""))
    if status_code == 429:
        failure = NotifyFailure.DAILY_LIMIT if kind == "TooManyRequestsError" else NotifyFailure.RATE_LIMITED
    elif status_code >= 500 or status_code == 0:
        failure = NotifyFailure.RETRYABLE
    elif kind == "AuthError" or status_code in (401, 403):
        failure = NotifyFailure.CONFIGURATION
    elif kind == "InvalidPhoneError" or any(marker in message for marker in _RECIPIENT_ERRORS):
        failure = NotifyFailure.RECIPIENT
    else:
        failure = NotifyFailure.CONFIGURATION  # template not found, missing personalisation, too long...
    return kind, message, failure


def split_api_key(api_key: str) -> tuple[str, str]:
    """(service id, secret) from `{name}-{service id}-{secret}`, read as the official clients read it."""
    api_key = api_key.strip()
    if not NOTIFY_API_KEY_PATTERN.match(api_key):
        raise ValueError("not a GOV.UK Notify API key ({key name}-{service id}-{secret})")
    return api_key[-73:-37], api_key[-36:]


def create_token(*, service_id: str, secret: str, issued_at: int) -> str:
    """Notify's bearer token: HS256 JWT with `iss` and `iat`."""
    return jwt.encode({"iss": service_id, "iat": issued_at}, secret, algorithm="HS256",
                      headers={"typ": "JWT", "alg": "HS256"})


class NotifyClient:
    """Sends through one Notify API key over a pooled aiohttp session."""

    def __init__(self, *, api_key: str, base_url: str = "https://api.notifications.service.gov.uk",
                 timeout_s: float = 30.0, connection_pool_size: int = 64) -> None:
        self._service_id, self._secret = split_api_key(api_key)
        self._base_url = base_url.rstrip("/")
        self._timeout_s = timeout_s
        self._pool_size = connection_pool_size
        self._session: aiohttp.ClientSession | None = None
        self._token: tuple[float, str] | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> NotifyClient:
        """A client for CARERLINE_NOTIFY_API_KEY at CARERLINE_NOTIFY_BASE_URL."""
        if settings.notify_api_key is None:
            raise ValueError("CARERLINE_NOTIFY_API_KEY is not set")
        return cls(api_key=settings.notify_api_key.get_secret_value(), base_url=str(settings.notify_base_url),
                   timeout_s=settings.notify_timeout_s)

    async def open(self) -> None:
        """Open the connection pool."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                timeout=aiohttp.ClientTimeout(total=self._timeout_s),
                headers={"User-Agent": USER_AGENT}, cookie_jar=aiohttp.DummyCookieJar(),
            )

    async def close(self) -> None:
        """Close the connection pool."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        traceback: TracebackType | None) -> None:
        await self.close()

    async def send_sms(self, *, phone_number: str, template_id: str, personalisation: dict[str, Any],
                       reference: str) -> NotifySent:
        """Send a text to a UK mobile (E.164 or national)."""
        return _sent(await self._request("POST", "/v2/notifications/sms", {
            "phone_number": phone_number, "template_id": template_id,
            "personalisation": personalisation, "reference": reference,
        }))

    async def send_email(self, *, email_address: str, template_id: str, personalisation: dict[str, Any],
                         reference: str) -> NotifySent:
        """Send an email."""
        return _sent(await self._request("POST", "/v2/notifications/email", {
            "email_address": email_address, "template_id": template_id,
            "personalisation": personalisation, "reference": reference,
        }))

    async def send_letter(self, *, address_lines: list[str], template_id: str, personalisation: dict[str, Any],
                          reference: str) -> NotifySent:
        """Send a letter: 3 to 7 address lines, the last a UK postcode."""
        address = {f"address_line_{number}": line for number, line in enumerate(address_lines, start=1)}
        return _sent(await self._request("POST", "/v2/notifications/letter", {
            "template_id": template_id, "personalisation": {**personalisation, **address}, "reference": reference,
        }))

    async def get_notification(self, *, notification_id: str) -> dict[str, Any]:
        """One notification with its current status."""
        return await self._request("GET", f"/v2/notifications/{notification_id}", None)

    async def find_by_reference(self, *, reference: str) -> list[dict[str, Any]]:
        """Notifications sent with this reference (to learn whether a send whose answer was lost went through)."""
        answer = await self._request("GET", "/v2/notifications", None, params={"reference": reference})
        return list(answer.get("notifications", []))

    def _bearer(self) -> str:
        now = time.time()
        if self._token is None or now - self._token[0] > TOKEN_REUSE_S:
            self._token = (now, create_token(service_id=self._service_id, secret=self._secret, issued_at=int(now)))
        return self._token[1]

    async def _request(self, method: str, path: str, body: dict[str, Any] | None,
                       params: dict[str, str] | None = None) -> dict[str, Any]:
        await self.open()
        assert self._session is not None
        headers = {"Authorization": f"Bearer {self._bearer()}", "Content-Type": "application/json"}
        try:
            async with self._session.request(method, f"{self._base_url}{path}", json=body, params=params,
                                             headers=headers) as response:
                status = response.status
                try:
                    answer = await response.json(content_type=None)
                except ValueError:
                    answer = None
        except (aiohttp.ClientError, TimeoutError) as error:
            raise NotifyError(0, type(error).__name__, str(error) or "no answer", NotifyFailure.RETRYABLE) from error
        if 200 <= status < 300 and isinstance(answer, dict):
            return answer
        errors = answer.get("errors", []) if isinstance(answer, dict) else []
        kind, message, failure = classify(status_code=status, errors=errors)
        raise NotifyError(status, kind or f"HTTP {status}", message or "no error body", failure, errors)


def _sent(answer: dict[str, Any]) -> NotifySent:
    content, template = answer.get("content") or {}, answer.get("template") or {}
    return NotifySent(id=str(answer["id"]), reference=answer.get("reference"), body=str(content.get("body", "")),
                      subject=content.get("subject"), template_id=str(template.get("id", "")),
                      template_version=int(template.get("version", 0)))


@dataclass(frozen=True)
class TemplateChoice:
    """The Notify template for one kind of message on one channel."""

    template_id: str
    is_generic: bool


def choose_template(*, settings: Settings, kind: str, channel: NotifyChannel) -> TemplateChoice:
    """The kind's own template if one is set (CARERLINE_NOTIFY_TEMPLATE_IDS), else the channel's generic one."""
    own = settings.notify_template_ids.get(f"{kind}.{channel}")
    if own is not None:
        return TemplateChoice(template_id=own, is_generic=False)
    generic = getattr(settings, f"notify_generic_{channel}_template_id")
    if generic is None:
        raise ValueError(
            f"no Notify template for {kind} by {channel}: set CARERLINE_NOTIFY_GENERIC_{channel.upper()}_TEMPLATE_ID "
            f"or {kind}.{channel} in CARERLINE_NOTIFY_TEMPLATE_IDS"
        )
    return TemplateChoice(template_id=generic, is_generic=True)


def personalisation_for(*, body: str, subject: str | None = None, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """Personalisation that fits both a kind's own template (its fields) and the generic ((body)) and ((subject)).

    Notify ignores values a template does not use, so one dictionary serves either template.
    """
    values: dict[str, Any] = dict(fields or {})
    values["body"] = body
    if subject is not None:
        values["subject"] = subject
    return values
