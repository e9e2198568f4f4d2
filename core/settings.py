"""Configuration from CARERLINE_* environment variables and an optional .env file."""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import AnyHttpUrl, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from core.errors import ConfigurationError

ENV_PREFIX = "CARERLINE_"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/carerline.db"
# Telegram: secret_token is 1-256 characters of A-Z a-z 0-9 _ -
WEBHOOK_SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
UUID_PATTERN = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# GOV.UK Notify: an API key is "{key name}-{service id}-{secret}", the last two UUIDs.
NOTIFY_API_KEY_PATTERN = re.compile(r"^.+-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$")
NOTIFY_TEMPLATE_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*\.(sms|email|letter)$")

_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
    "postgresql+psycopg": "postgresql+asyncpg",
}


def normalise_database_url(raw: str) -> str:
    """Return the URL with the async driver we use, or raise ValueError saying why."""
    try:
        url = make_url(raw)
    except ArgumentError as error:
        raise ValueError("not a database URL (expected sqlite:///path or postgresql://...)") from error
    driver = _ASYNC_DRIVERS.get(url.drivername)
    if driver is None:
        raise ValueError(f"unsupported database {url.drivername!r}: use sqlite or postgresql")
    url = url.set(drivername=driver)
    if driver.startswith("postgresql") and not url.database:
        raise ValueError("a PostgreSQL URL needs a database name")
    if driver.startswith("sqlite") and not url.database:
        raise ValueError("a SQLite URL needs a file path, for example sqlite:///./var/carerline.db")
    return url.render_as_string(hide_password=False)


class Settings(BaseSettings):
    """Every setting Carerline reads; see README for what each one means."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    database_url: str = DEFAULT_DATABASE_URL
    bot_token: SecretStr | None = None
    bot_api_url: AnyHttpUrl = AnyHttpUrl("https://api.telegram.org")
    public_url: AnyHttpUrl | None = None
    webhook_secret: SecretStr | None = None
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
    log_level: str = "INFO"

    council_transport_phone: str = "03000 41 00 00"
    council_transport_hours: str = "Monday to Friday, 8:30am to 5pm"
    pact_phone: str = "01622 691 555"
    pact_hours: str = "Monday to Friday, 9:30am to 2:30pm"
    privacy_notice_url: str = "https://www.kent.gov.uk/about-the-council/contact-us/access-to-information/your-personal-information"
    privacy_notice_version: str = "2026-11"
    shutdown_grace_s: float = Field(default=8.0, gt=0, le=60)
    # Parents and carers: linking codes and the per-chat flood throttle.
    bot_username: str | None = Field(default=None, pattern=r"^@?[A-Za-z][A-Za-z0-9_]{3,31}$")
    link_code_ttl_days: int = Field(default=60, ge=1, le=366)
    chat_flood_max_updates: int = Field(default=20, ge=2, le=10_000)
    chat_flood_window_s: float = Field(default=10.0, gt=0, le=3600)
    # Staff side: session cookie, idle and absolute expiry, sign-in throttling.
    cookie_secure: bool = True
    staff_session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    staff_session_max_hours: int = Field(default=12, ge=1, le=7 * 24)
    staff_sign_in_max_failures: int = Field(default=5, ge=1, le=100)
    staff_sign_in_max_failures_per_ip: int = Field(default=20, ge=1, le=10_000)
    staff_sign_in_window_minutes: int = Field(default=15, ge=1, le=24 * 60)
    # Broadcasts to more carers than this need a second person's approval.
    broadcast_approval_threshold: int = Field(default=50, ge=0, le=1_000_000)
    # Casework: attachments kept outside any served folder; duty alerts and the daily digest to officers.
    attachments_dir: Path = Path("./var/attachments")
    attachment_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)
    casework_due_soon_working_days: int = Field(default=2, ge=0, le=10)
    staff_url: AnyHttpUrl | None = None
    duty_alert_channel: Literal["telegram", "email", "both"] = "telegram"
    duty_telegram_chat_id: int | None = None
    duty_email_to: str | None = None  # comma-separated addresses
    duty_email_from: str | None = None
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    smtp_timeout_s: float = Field(default=20.0, gt=0, le=300)
    # Keys the HMAC behind pseudonymised exports' case keys (reports/exports/case_keys.py).
    case_key_secret: SecretStr | None = None
    # GOV.UK Notify: texts, emails and letters to families (messaging/channels/notify.py).
    notify_api_key: SecretStr | None = None
    notify_base_url: AnyHttpUrl = AnyHttpUrl("https://api.notifications.service.gov.uk")
    notify_callback_token: SecretStr | None = None
    notify_timeout_s: float = Field(default=30.0, gt=0, le=120)
    # Notify's limit is a token bucket of 3,000 requests a minute per API key; every process paces from one
    # schedule in the database (messaging/delivery/notify_worker.py). A configuration error holds a channel this long.
    notify_rate_per_minute: int = Field(default=3000, ge=1, le=3000)
    notify_configuration_hold_s: float = Field(default=300.0, gt=0, le=86_400)
    notify_rate_limit_max_pause_s: float = Field(default=30.0, gt=0, le=3600)
    # One template per message kind and channel ({"transport_change.sms": "<uuid>"}; kinds as in
    # messaging.rendering.KINDS), else the generic ((body)) ones.
    notify_template_ids: dict[str, str] = Field(default_factory=dict)
    notify_generic_sms_template_id: str | None = None
    notify_generic_email_template_id: str | None = None
    notify_generic_letter_template_id: str | None = None
    # Signs the "I have seen this" links in texts and emails (messaging/ack_links.py); required with Notify.
    ack_link_secret: SecretStr | None = None

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not WEBHOOK_SECRET_PATTERN.match(value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("notify_api_key")
    @classmethod
    def _notify_api_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not NOTIFY_API_KEY_PATTERN.match(value.get_secret_value().strip()):
            raise ValueError("must be a GOV.UK Notify API key: {key name}-{service id}-{secret}")
        return value

    @field_validator("notify_template_ids")
    @classmethod
    def _notify_template_ids(cls, value: dict[str, str]) -> dict[str, str]:
        for key, template_id in value.items():
            if not NOTIFY_TEMPLATE_KEY_PATTERN.match(key) or not UUID_PATTERN.match(template_id):
                raise ValueError(f"{key!r}: keys are kind.sms, kind.email or kind.letter and values template UUIDs")
        return value

    @field_validator("notify_generic_sms_template_id", "notify_generic_email_template_id", "notify_generic_letter_template_id")
    @classmethod
    def _notify_template_id(cls, value: str | None) -> str | None:
        if value is not None and not UUID_PATTERN.match(value):
            raise ValueError("must be a Notify template id (a UUID)")
        return value

    @field_validator("case_key_secret", "ack_link_secret")
    @classmethod
    def _case_key_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().strip()) < 32:
            raise ValueError("must be at least 32 characters (for example: python -c 'import secrets; print(secrets.token_urlsafe(32))')")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return level

    @property
    def is_webhook_mode(self) -> bool:
        """Webhook mode when a public URL is set, long polling otherwise."""
        return self.public_url is not None

    @cached_property
    def database(self) -> URL:
        """The database URL, parsed."""
        return make_url(self.database_url)

    @property
    def is_sqlite(self) -> bool:
        """True for the embedded SQLite database."""
        return self.database.drivername.startswith("sqlite")

    @property
    def api_root(self) -> str:
        """The Bot API server root without a trailing slash."""
        return str(self.bot_api_url).rstrip("/")

    @property
    def webhook_url(self) -> str:
        """The URL Telegram posts updates to."""
        if self.public_url is None:
            raise ConfigurationError("CARERLINE_PUBLIC_URL is not set")
        return f"{str(self.public_url).rstrip('/')}/telegram/webhook"

    def require_bot_token(self) -> str:
        """The bot token, or a ConfigurationError naming the variable."""
        if self.bot_token is None or not self.bot_token.get_secret_value().strip():
            raise ConfigurationError(
                "CARERLINE_BOT_TOKEN is missing: set it to the token BotFather gave you"
            )
        return self.bot_token.get_secret_value().strip()

    def require_bot_username(self) -> str:
        """The bot's @username without the @, needed for deep links, or a ConfigurationError."""
        if not self.bot_username:
            raise ConfigurationError(
                "CARERLINE_BOT_USERNAME is missing: set it to the bot's username (for the links in letters)"
            )
        return self.bot_username.removeprefix("@")

    @property
    def staff_base_url(self) -> str:
        """Root of the staff pages for links in alerts and digests, without a trailing slash."""
        if self.staff_url is not None:
            return str(self.staff_url).rstrip("/")
        if self.public_url is not None:
            return str(self.public_url).rstrip("/")
        return f"http://{self.http_host}:{self.http_port}"

    @property
    def duty_email_recipients(self) -> list[str]:
        """CARERLINE_DUTY_EMAIL_TO split on commas."""
        return [address.strip() for address in (self.duty_email_to or "").split(",") if address.strip()]

    def require_duty_alert_settings(self) -> None:
        """Raise ConfigurationError naming the variable the chosen duty-alert channel still needs."""
        if self.duty_alert_channel in ("telegram", "both") and self.duty_telegram_chat_id is None:
            raise ConfigurationError(
                "CARERLINE_DUTY_TELEGRAM_CHAT_ID is missing: set it to the staff group's chat id "
                "(or set CARERLINE_DUTY_ALERT_CHANNEL=email)"
            )
        if self.duty_alert_channel in ("email", "both"):
            for name, value in (
                ("SMTP_HOST", self.smtp_host),
                ("DUTY_EMAIL_TO", self.duty_email_recipients),
                ("DUTY_EMAIL_FROM", self.duty_email_from),
            ):
                if not value:
                    raise ConfigurationError(f"{ENV_PREFIX}{name} is missing: email duty alerts need it")

    def require_ack_link_secret(self) -> bytes:
        """The secret behind the signed acknowledgement links, or a ConfigurationError naming the variable."""
        if self.ack_link_secret is None:
            raise ConfigurationError(
                "CARERLINE_ACK_LINK_SECRET is missing: GOV.UK Notify texts and emails carry a signed link; set it to "
                "at least 32 random characters (python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return self.ack_link_secret.get_secret_value().strip().encode()

    def check_for_service(self) -> None:
        """Raise ConfigurationError if `serve` cannot run with these settings."""
        self.require_bot_token()
        if self.notify_api_key is not None:
            self.require_ack_link_secret()
        if self.is_webhook_mode and self.webhook_secret is None:
            raise ConfigurationError(
                "CARERLINE_WEBHOOK_SECRET is missing: webhook mode (CARERLINE_PUBLIC_URL is set) "
                "needs a secret of 1-256 characters of A-Z, a-z, 0-9, _ and -"
            )

    def sqlite_path(self) -> Path | None:
        """The SQLite file path, or None for PostgreSQL or in-memory SQLite."""
        if not self.is_sqlite or self.database.database in (None, "", ":memory:"):
            return None
        return Path(self.database.database)


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning validation errors into one line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "settings"
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigurationError(f"{ENV_PREFIX}{field.upper()}: {message}") from None
