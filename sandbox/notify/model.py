"""What the emulated Notify service holds: keys, templates, notifications, received texts, faults."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Channel = Literal["sms", "email", "letter"]
KeyType = Literal["normal", "team", "test"]
FINAL_STATUSES = frozenset({"delivered", "permanent-failure", "temporary-failure", "technical-failure", "received"})
_PLACEHOLDER = re.compile(r"\(\(([^()]+?)\)\)")


@dataclass(frozen=True)
class ApiKey:
    """An API key: `{name}-{service_id}-{secret}`; normal (live), team or test."""

    name: str
    secret: str
    key_type: KeyType = "normal"
    is_revoked: bool = False


@dataclass
class Template:
    """A Notify template; ((placeholders)) are filled from personalisation."""

    id: str
    type: Channel
    body: str
    subject: str | None = None
    version: int = 1

    def placeholders(self) -> list[str]:
        """Placeholder names in order of first appearance (`((name??text))` counts as `name`)."""
        seen: dict[str, str] = {}
        for source in (self.subject or "", self.body):
            for match in _PLACEHOLDER.finditer(source):
                name = match.group(1).split("??", 1)[0].strip()
                seen.setdefault(_fold(name), name)
        return list(seen.values())

    def render(self, personalisation: dict[str, Any]) -> tuple[str, str | None]:
        """(body, subject) with every placeholder filled."""
        values = {_fold(key): value for key, value in personalisation.items()}

        def fill(match: re.Match[str]) -> str:
            name, _, conditional = match.group(1).partition("??")
            value = values.get(_fold(name))
            if conditional:
                return conditional if value not in (None, False, "", "no", "No") else ""
            if isinstance(value, list):
                return "\n".join(f"* {item}" for item in value)
            return "" if value is None else str(value)

        subject = _PLACEHOLDER.sub(fill, self.subject) if self.subject is not None else None
        return _PLACEHOLDER.sub(fill, self.body), subject


def _fold(name: str) -> str:
    """Notify matches placeholders ignoring case and spaces."""
    return "".join(name.lower().split())


def missing_personalisation(template: Template, personalisation: dict[str, Any]) -> list[str]:
    """Placeholders with no value given (letters' address lines are checked separately)."""
    given = {_fold(key) for key, value in personalisation.items() if value is not None}
    return [
        name for name in template.placeholders()
        if _fold(name) not in given and not (template.type == "letter" and _fold(name).startswith("address_line"))
    ]


@dataclass
class Notification:
    """One accepted message and its status as Notify reports it."""

    id: str
    type: Channel
    template: Template
    to: str | None
    body: str
    subject: str | None
    personalisation: dict[str, Any]
    reference: str | None
    key_name: str
    key_type: KeyType
    created_at: datetime
    status: str = "created"
    sent_at: datetime | None = None
    completed_at: datetime | None = None
    postage: str | None = None
    callbacks_sent: int = 0


@dataclass
class ReceivedText:
    """A text a family sent to the service's inbound number."""

    id: str
    source_number: str
    destination_number: str
    message: str
    date_received: datetime


@dataclass
class NotifyFaults:
    """Misbehaviour on demand, all switchable at runtime (control API: POST /_notify/faults).

    Request faults are drawn per send request; outcome fractions per accepted SMS or email.
    """

    server_error_fraction: float = 0.0
    rate_limit_fraction: float = 0.0
    daily_limit_fraction: float = 0.0
    permanent_failure_fraction: float = 0.0
    temporary_failure_fraction: float = 0.0
    technical_failure_fraction: float = 0.0
    # Notify: 3,000 requests a minute per key type (a token bucket), and daily limits per channel.
    rate_limit_per_minute: int = 3000
    daily_limits: dict[str, int] = field(default_factory=lambda: {"sms": 250_000, "email": 250_000, "letter": 20_000})
    # Delivery receipts are posted this long after a message is accepted.
    callback_delay_s: float = 3.0

    def updated(self, **changes: Any) -> NotifyFaults:
        """A copy with the given fields changed, checked."""
        unknown = set(changes) - {item.name for item in dataclasses.fields(self)}
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(sorted(unknown))}")
        result = dataclasses.replace(self, **changes)
        fractions = [
            result.server_error_fraction, result.rate_limit_fraction, result.daily_limit_fraction,
            result.permanent_failure_fraction, result.temporary_failure_fraction, result.technical_failure_fraction,
        ]
        if any(not 0 <= value <= 1 for value in fractions):
            raise ValueError("fractions must be between 0 and 1")
        if result.rate_limit_per_minute < 1 or result.callback_delay_s < 0:
            raise ValueError("rate_limit_per_minute must be at least 1 and callback_delay_s not negative")
        return result


@dataclass(frozen=True)
class Person:
    """Someone in the sandbox world with a phone (E.164 mobile) or an inbox: what the phone page shows."""

    name: str
    mobile: str | None = None
    email: str | None = None
    telegram_user_id: int | None = None
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        """The person as the control API lists them."""
        return {"name": self.name, "mobile": self.mobile, "email": self.email,
                "telegram_user_id": self.telegram_user_id, "note": self.note}
