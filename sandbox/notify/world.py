"""The emulated GOV.UK Notify service behind the HTTP server: keys, templates, notifications, faults, receipts."""

from __future__ import annotations

import random
import secrets
import uuid
from collections import Counter
from datetime import datetime, timezone
from typing import Any

from aiohttp import web

from sandbox.notify.callbacks import CallbackPoster
from sandbox.notify.limits import Limits
from sandbox.notify.model import ApiKey, Channel, KeyType, Notification, NotifyFaults, Person, ReceivedText, Template

# The app key under which the server and the control API find the service.
EMULATOR = web.AppKey("notify_emulator", object)

# Stable ids of the generic templates every emulated service has: one ((body)) placeholder (and a ((subject))).
GENERIC_TEMPLATE_IDS: dict[Channel, str] = {
    "sms": "6f1d0c9e-2f43-4c4e-9a43-1a1b5c0d0001",
    "email": "6f1d0c9e-2f43-4c4e-9a43-1a1b5c0d0002",
    "letter": "6f1d0c9e-2f43-4c4e-9a43-1a1b5c0d0003",
}


class NotifyService:
    """Everything the Notify emulator is except its HTTP server: what the v2 API and the control API act on."""

    def __init__(self, *, service_id: str | None = None, seed: int | None = None,
                 faults: NotifyFaults | None = None, inbound_number: str = "07700900123") -> None:
        self.service_id = service_id or str(uuid.uuid4())
        self.inbound_number = inbound_number
        self.keys: dict[str, ApiKey] = {}
        self.templates: dict[str, Template] = {}
        self.notifications: dict[str, Notification] = {}
        self.received_texts: list[ReceivedText] = []
        self.team_members: set[str] = set()
        self.outcomes: dict[str, str] = {}
        self.faults = faults or NotifyFaults()
        self.limits = Limits()
        self.random = random.Random(seed)
        self.requests: Counter[str] = Counter()
        self.rejected: Counter[str] = Counter()
        self.callbacks = CallbackPoster()
        self.people: list[Person] = []
        self.add_api_key("carerline-live")
        for channel, template_id in GENERIC_TEMPLATE_IDS.items():
            subject = None if channel == "sms" else "((subject))"
            self.add_template(channel=channel, body="((body))", subject=subject, template_id=template_id)

    # --- set-up ------------------------------------------------------------------------

    def add_api_key(self, name: str, *, key_type: KeyType = "normal", secret: str | None = None) -> str:
        """Create a key; returns it in Notify's format `{name}-{service_id}-{secret}`."""
        key = ApiKey(name=name, secret=secret or str(uuid.uuid4()), key_type=key_type)
        self.keys[name] = key
        return self.api_key_for(name)

    def api_key_for(self, name: str) -> str:
        """The full API key string of a named key."""
        return f"{name}-{self.service_id}-{self.keys[name].secret}"

    @property
    def api_key(self) -> str:
        """The live key every emulated service starts with."""
        return self.api_key_for("carerline-live")

    def revoke_api_key(self, name: str) -> None:
        """Revoke a key: its requests get "Invalid token: API key revoked"."""
        key = self.keys[name]
        self.keys[name] = ApiKey(name=key.name, secret=key.secret, key_type=key.key_type, is_revoked=True)

    def add_template(self, *, channel: Channel, body: str, subject: str | None = None,
                     template_id: str | None = None) -> Template:
        """Add a template; its ((placeholders)) need personalisation."""
        template = Template(id=template_id or str(uuid.uuid4()), type=channel, body=body, subject=subject)
        self.templates[template.id] = template
        return template

    def set_faults(self, **changes: Any) -> NotifyFaults:
        """Change fault settings (fractions, limits, callback delay)."""
        self.faults = self.faults.updated(**changes)
        return self.faults

    def reset_faults(self) -> None:
        """Back to a well-behaved service (limits and delay kept)."""
        self.faults = self.faults.updated(
            server_error_fraction=0.0, rate_limit_fraction=0.0, daily_limit_fraction=0.0,
            permanent_failure_fraction=0.0, temporary_failure_fraction=0.0, technical_failure_fraction=0.0,
        )

    def set_outcome(self, *, recipient: str, status: str) -> None:
        """Every later message to this phone number (E.164) or email address ends in `status`."""
        self.outcomes[recipient.lower()] = status

    def set_callbacks(self, *, status_url: str | None = None, status_token: str | None = None,
                      inbound_url: str | None = None, inbound_token: str | None = None,
                      retry_delay_s: float | None = None) -> None:
        """Where delivery receipts and received texts are posted, with each bearer token."""
        self.callbacks.configure(status_url=status_url, status_token=status_token, inbound_url=inbound_url,
                                 inbound_token=inbound_token, retry_delay_s=retry_delay_s)

    # --- what families got -------------------------------------------------------------

    def add_person(self, *, name: str, mobile: str | None = None, email: str | None = None,
                   telegram_user_id: int | None = None, note: str = "") -> Person:
        """Someone whose phone or inbox the phone page shows (mobile in E.164, as Notify's `to`)."""
        person = Person(name=name, mobile=mobile, email=email, telegram_user_id=telegram_user_id, note=note)
        self.people.append(person)
        return person

    def texts_from(self, number: str) -> list[ReceivedText]:
        """Texts one number sent to the inbound number, oldest first (447700900001 and +447700900001 alike)."""
        wanted = _digits(number)
        return [text for text in self.received_texts if _digits(text.source_number) == wanted]

    def messages_for(self, recipient: str) -> list[Notification]:
        """Texts or emails sent to one phone number (E.164) or email address, oldest first (test keys send nothing)."""
        wanted = recipient.lower()
        return [n for n in self.notifications.values() if n.to is not None and n.to.lower() == wanted and n.key_type != "test"]

    def find_by_reference(self, reference: str) -> list[Notification]:
        """Notifications sent with this reference."""
        return [n for n in self.notifications.values() if n.reference == reference]

    async def receive_text(self, *, source_number: str, message: str) -> ReceivedText:
        """A family texts the service's inbound number; the inbound callback is posted."""
        text = ReceivedText(id=str(uuid.uuid4()), source_number=source_number, destination_number=self.inbound_number,
                            message=message, date_received=datetime.now(timezone.utc))
        self.received_texts.append(text)
        await self.callbacks.post_received_text(text)
        return text

    # --- sending (used by the API handlers) -------------------------------------------

    def accept(self, *, notification: Notification) -> None:
        """Store an accepted notification and start its delivery (and receipt)."""
        self.notifications[notification.id] = notification
        self.limits.count_sent(channel=notification.type)
        if notification.type == "letter":
            notification.status = "accepted"
        self.callbacks.schedule_delivery(notification, outcome=self._outcome_for(notification),
                                         delay_s=self.faults.callback_delay_s)

    def _outcome_for(self, notification: Notification) -> str:
        if notification.type == "letter":
            return "received"
        if notification.key_type == "test":
            return "delivered"
        if notification.to is not None and notification.to.lower() in self.outcomes:
            return self.outcomes[notification.to.lower()]
        draw, faults = self.random.random(), self.faults
        for status, fraction in (("permanent-failure", faults.permanent_failure_fraction),
                                 ("temporary-failure", faults.temporary_failure_fraction),
                                 ("technical-failure", faults.technical_failure_fraction)):
            if draw < fraction:
                return status
            draw -= fraction
        return "delivered"

    def sent_count(self, channel: Channel | None = None) -> int:
        """Notifications accepted (of one channel)."""
        return sum(1 for n in self.notifications.values() if channel is None or n.type == channel)


def _digits(number: str) -> str:
    digits = "".join(character for character in number if character.isdigit())
    return "44" + digits[1:] if digits.startswith("0") else digits


def new_callback_token() -> str:
    """A bearer token for callbacks (what a service sets in Notify's settings)."""
    return secrets.token_urlsafe(32)


__all__ = ["EMULATOR", "GENERIC_TEMPLATE_IDS", "NotifyService", "new_callback_token"]
