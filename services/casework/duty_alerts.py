"""Alerts and digests to the duty officers: a Telegram staff group, email over SMTP, or both.

Each channel sits behind a small client (`TelegramDutyClient` over python-telegram-bot's Bot,
`SmtpDutyClient` over aiosmtplib). `DutyNotifier` sends one rendered alert on every configured
channel and reports how each went; one channel failing never stops the other.

An alert carries only what the duty officer needs to act: the reference, the category, the route,
the child's first name or initials, the time and a link to the staff page. Never the carer's name,
chat or the parent's own words: those stay behind the staff sign-in.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import aiosmtplib
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import TelegramError

import templates
from core.settings import ConfigurationError, Settings
from services.casework.errors import COUNCIL_TIME_ZONE

logger = logging.getLogger(__name__)
EMAIL_TEMPLATES_DIR = Path(templates.__file__).parent / "email"
TELEGRAM_CHANNEL = "telegram"
EMAIL_CHANNEL = "email"


@lru_cache(maxsize=1)
def email_templates() -> Environment:
    """Jinja2 templates for staff emails and Telegram staff messages; *.html.j2 are escaped."""
    return Environment(
        loader=FileSystemLoader(EMAIL_TEMPLATES_DIR),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(template_name: str, **values: object) -> str:
    """Render one template from templates/email/."""
    return email_templates().get_template(template_name).render(**values)


def local_time(moment: datetime) -> str:
    """A moment as officers in Kent read it, e.g. "08:05 on Tue 3 Feb 2026"."""
    local = moment.astimezone(COUNCIL_TIME_ZONE)
    return f"{local:%H:%M} on {local:%a} {local.day} {local:%b %Y}"


@dataclass(frozen=True, slots=True)
class DutyAlert:
    """A problem reported on the day, as the duty officer sees it: the minimum to act on."""

    reference: str
    category: str
    route_code: str | None
    child_name: str | None
    reported_at: datetime
    link: str
    is_urgent: bool
    # What the route's operator reported today, or that it has reported nothing (services/operators/cross_check.py).
    operator_word: str | None = None


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    """One message for the duty channels: an email subject, text and HTML parts, and the Telegram HTML."""

    subject: str
    text: str
    html: str
    telegram_html: str


def render_duty_alert(alert: DutyAlert) -> RenderedMessage:
    """The alert in each channel's form, from templates/email/duty_alert.*."""
    values = {"alert": alert, "reported": local_time(alert.reported_at)}
    urgency = "URGENT: " if alert.is_urgent else ""
    route = f" on route {alert.route_code}" if alert.route_code else ""
    return RenderedMessage(
        subject=f"{urgency}{alert.category}{route} ({alert.reference})",
        text=render("duty_alert.txt.j2", **values),
        html=render("duty_alert.html.j2", **values),
        telegram_html=render("duty_alert.telegram.html.j2", **values),
    )


class DutyChannelClient(Protocol):
    """One way of reaching the duty officers."""

    name: str

    async def send(self, message: RenderedMessage) -> None:
        """Deliver the message or raise."""


class TelegramDutyClient:
    """Posts to the duty officers' Telegram group through the bot."""

    name = TELEGRAM_CHANNEL

    def __init__(self, *, bot: Bot, chat_id: int) -> None:
        self._bot = bot
        self._chat_id = chat_id

    async def send(self, message: RenderedMessage) -> None:
        """Post the Telegram HTML form into the group."""
        await self._bot.send_message(
            chat_id=self._chat_id,
            text=message.telegram_html,
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )


class SmtpDutyClient:
    """Emails the duty officers through the council's SMTP relay (text and HTML parts)."""

    name = EMAIL_CHANNEL

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        recipients: Sequence[str],
        username: str | None = None,
        password: str | None = None,
        starttls: bool = True,
        timeout_s: float = 20.0,
    ) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._recipients = list(recipients)
        self._username = username
        self._password = password
        self._starttls = starttls
        self._timeout_s = timeout_s

    def build_email(self, message: RenderedMessage) -> EmailMessage:
        """A multipart/alternative email with the text and HTML forms."""
        email = EmailMessage()
        email["Subject"] = message.subject
        email["From"] = self._sender
        email["To"] = ", ".join(self._recipients)
        email.set_content(message.text)
        email.add_alternative(message.html, subtype="html")
        return email

    async def send(self, message: RenderedMessage) -> None:
        """Send over SMTP (STARTTLS when configured); raises on any refusal."""
        await aiosmtplib.send(
            self.build_email(message),
            hostname=self._host,
            port=self._port,
            username=self._username,
            password=self._password,
            start_tls=self._starttls,
            use_tls=False,
            timeout=self._timeout_s,
        )


@dataclass(frozen=True, slots=True)
class ChannelOutcome:
    """How sending went on one channel."""

    channel: str
    is_sent: bool
    error: str | None = None


class DutyNotifier:
    """Sends alerts and digests on every configured channel."""

    def __init__(self, clients: Sequence[DutyChannelClient]) -> None:
        self.clients = list(clients)

    @property
    def channels(self) -> list[str]:
        """The channel names, in sending order."""
        return [client.name for client in self.clients]

    async def send(self, message: RenderedMessage, *, channels: Sequence[str] | None = None) -> list[ChannelOutcome]:
        """Send on each channel (or only those named); never raises, reports each channel's outcome."""
        outcomes = []
        for client in self.clients:
            if channels is not None and client.name not in channels:
                continue
            try:
                await client.send(message)
            except (TelegramError, aiosmtplib.SMTPException, OSError) as error:
                logger.warning("duty %s channel failed: %s", client.name, error)
                outcomes.append(ChannelOutcome(client.name, False, f"{type(error).__name__}: {error}"))
            else:
                outcomes.append(ChannelOutcome(client.name, True))
        return outcomes


def build_duty_notifier(settings: Settings, *, bot: Bot | None) -> DutyNotifier:
    """The notifier for CARERLINE_DUTY_ALERT_CHANNEL; ConfigurationError names a missing setting."""
    settings.require_duty_alert_settings()
    clients: list[DutyChannelClient] = []
    if settings.duty_alert_channel in ("telegram", "both"):
        if bot is None:
            raise ConfigurationError("a Telegram duty channel needs the bot")
        assert settings.duty_telegram_chat_id is not None
        clients.append(TelegramDutyClient(bot=bot, chat_id=settings.duty_telegram_chat_id))
    if settings.duty_alert_channel in ("email", "both"):
        assert settings.smtp_host is not None and settings.duty_email_from is not None
        clients.append(
            SmtpDutyClient(
                host=settings.smtp_host,
                port=settings.smtp_port,
                sender=settings.duty_email_from,
                recipients=settings.duty_email_recipients,
                username=settings.smtp_username,
                password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
                starttls=settings.smtp_starttls,
                timeout_s=settings.smtp_timeout_s,
            )
        )
    return DutyNotifier(clients)


@asynccontextmanager
async def duty_notifier_from_settings(settings: Settings) -> AsyncIterator[DutyNotifier]:
    """A notifier with its own Bot (for scheduled jobs, which have no handler's bot); closed afterwards."""
    if settings.duty_alert_channel == "email":
        yield build_duty_notifier(settings, bot=None)
        return
    async with Bot(token=settings.require_bot_token(), base_url=f"{settings.api_root}/bot") as bot:
        yield build_duty_notifier(settings, bot=bot)
