"""Settings of the delivery engine, from CARERLINE_DELIVERY_* variables (see messaging/README.md)."""

from __future__ import annotations

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.settings import ConfigurationError

# Telegram: about 30 messages per second overall, 1,000 with paid broadcasts, about 1 per second per chat.
TELEGRAM_RATE_PER_S = 30.0
PAID_BROADCAST_RATE_PER_S = 1000.0


class DeliverySettings(BaseSettings):
    """How fast, how often and how patiently the outbox is delivered."""

    model_config = SettingsConfigDict(
        env_prefix="CARERLINE_DELIVERY_", env_file=".env", env_file_encoding="utf-8", extra="ignore",
        env_ignore_empty=True,
    )

    # The cap for the bot token, shared by every process; None lifts it (benchmarks only).
    rate_per_s: float | None = Field(default=None, gt=0, le=PAID_BROADCAST_RATE_PER_S)
    paid_broadcast: bool = False
    per_chat_interval_s: float = Field(default=1.0, ge=0, le=60)
    is_rate_lifted: bool = False
    # Workers reserve send slots at most this far ahead (one database round trip per horizon).
    horizon_s: float = Field(default=1.0, gt=0, le=10)
    max_batch: int = Field(default=500, ge=1, le=5000)
    max_in_flight: int = Field(default=512, ge=1, le=5000)
    # A few connections carry more than many: HTTP/1.1 keep-alive, and less scheduling per request.
    connection_pool_size: int = Field(default=24, ge=1, le=2000)
    max_attempts: int = Field(default=8, ge=1, le=50)
    backoff_base_s: float = Field(default=1.0, gt=0, le=600)
    backoff_max_s: float = Field(default=300.0, gt=0, le=86_400)
    request_timeout_s: float = Field(default=10.0, gt=0, le=120)
    # A row in "sending" longer than this belongs to a worker that died; it is probed, then resent.
    lease_s: float = Field(default=60.0, gt=0, le=3600)
    # After a lost connection, wait this long before probing, so replies sent meanwhile are recorded.
    in_doubt_settle_s: float = Field(default=3.0, ge=0, le=600)
    poll_interval_s: float = Field(default=0.5, gt=0, le=60)
    reap_interval_s: float = Field(default=2.0, gt=0, le=600)
    flush_interval_s: float = Field(default=0.1, gt=0, le=10)
    max_probes: int = Field(default=30, ge=1, le=500)

    @model_validator(mode="after")
    def _check(self) -> "DeliverySettings":
        if self.lease_s <= self.request_timeout_s + self.horizon_s * 2:
            raise ValueError("lease_s must exceed request_timeout_s plus twice horizon_s")
        return self

    @property
    def cap_per_s(self) -> float | None:
        """The global cap in force: the configured one, 1,000/s for paid broadcasts, 30/s otherwise."""
        if self.is_rate_lifted:
            return None
        if self.rate_per_s is not None:
            return self.rate_per_s
        return PAID_BROADCAST_RATE_PER_S if self.paid_broadcast else TELEGRAM_RATE_PER_S


def load_delivery_settings(**overrides: object) -> DeliverySettings:
    """Read the delivery settings (overrides win), turning errors into one line naming the variable."""
    try:
        return DeliverySettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]).upper() if first["loc"] else "LEASE_S"
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigurationError(f"CARERLINE_DELIVERY_{field}: {message}") from None
