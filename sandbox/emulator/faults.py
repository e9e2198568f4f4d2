"""Fault injection (429s, 5xx, dropped connections, latency) and Telegram-like rate caps."""

from __future__ import annotations

import dataclasses
import enum
import math
import random
import time
from dataclasses import dataclass
from typing import Any

from sandbox.emulator.errors import too_many_requests


@dataclass
class FaultConfig:
    """Everything that makes the emulator misbehave on purpose; all switchable at runtime.

    Fractions are probabilities per send request (send*, copyMessage, forwardMessage) and
    are drawn from one seeded random number per request, so their sum must not exceed 1.
    """

    rate_limit_fraction: float = 0.0
    rate_limit_retry_after_s: int = 1
    server_error_fraction: float = 0.0
    bad_gateway_fraction: float = 0.0
    drop_before_fraction: float = 0.0
    drop_after_fraction: float = 0.0
    latency_ms: float | None = None
    latency_min_ms: float | None = None
    latency_max_ms: float | None = None
    # Rate caps. Telegram documents ~30 messages/s overall and ~1 message/s per chat.
    global_rate_per_s: float | None = 30.0
    per_chat_rate_per_s: float | None = 1.0
    # Telegram tolerates short bursts in one chat (a bot answering a person with two quick
    # messages is not throttled in practice); a burst of 3 keeps such replies 429-free while
    # a loop spamming one chat still hits the 1/s cap after three messages.
    per_chat_burst: int = 3
    paid_broadcast_rate_per_s: float | None = 1000.0
    seed: int | None = None

    def validate(self) -> None:
        """Raise ValueError when the settings cannot be applied."""
        fractions = [
            self.rate_limit_fraction,
            self.server_error_fraction,
            self.bad_gateway_fraction,
            self.drop_before_fraction,
            self.drop_after_fraction,
        ]
        if any(fraction < 0 or fraction > 1 for fraction in fractions):
            raise ValueError("fault fractions must be between 0 and 1")
        if sum(fractions) > 1.0 + 1e-9:
            raise ValueError("fault fractions must add up to at most 1")
        if self.rate_limit_retry_after_s < 1:
            raise ValueError("rate_limit_retry_after_s must be at least 1")
        if self.per_chat_burst < 1:
            raise ValueError("per_chat_burst must be at least 1")
        for name in ("global_rate_per_s", "per_chat_rate_per_s", "paid_broadcast_rate_per_s"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be positive or None")

    def updated(self, **changes: Any) -> FaultConfig:
        """Return a copy with `changes` applied; unknown names raise ValueError."""
        known = {item.name for item in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(unknown)}")
        candidate = dataclasses.replace(self, **changes)
        candidate.validate()
        return candidate

    def without_faults(self) -> FaultConfig:
        """Return a copy with every injected fault off but rate caps and seed kept."""
        return dataclasses.replace(
            self,
            rate_limit_fraction=0.0,
            server_error_fraction=0.0,
            bad_gateway_fraction=0.0,
            drop_before_fraction=0.0,
            drop_after_fraction=0.0,
            latency_ms=None,
            latency_min_ms=None,
            latency_max_ms=None,
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as JSON-friendly dict."""
        return dataclasses.asdict(self)


class FaultKind(enum.Enum):
    """What the injector decided to do with one send request."""

    NONE = "none"
    RATE_LIMIT = "rate_limit"
    SERVER_ERROR = "server_error"
    BAD_GATEWAY = "bad_gateway"
    DROP_BEFORE = "drop_before"
    DROP_AFTER = "drop_after"


class FaultInjector:
    """Draws fault decisions and latencies from a seedable random.Random."""

    def __init__(self, config: FaultConfig) -> None:
        config.validate()
        self.config = config
        self.random = random.Random(config.seed)

    def reconfigure(self, config: FaultConfig) -> None:
        """Apply new settings; re-seed only when the seed changed."""
        config.validate()
        if config.seed != self.config.seed:
            self.random = random.Random(config.seed)
        self.config = config

    def decide(self) -> FaultKind:
        """Choose the fault for one send request (one random draw, cumulative fractions)."""
        config = self.config
        ranges = [
            (config.rate_limit_fraction, FaultKind.RATE_LIMIT),
            (config.server_error_fraction, FaultKind.SERVER_ERROR),
            (config.bad_gateway_fraction, FaultKind.BAD_GATEWAY),
            (config.drop_before_fraction, FaultKind.DROP_BEFORE),
            (config.drop_after_fraction, FaultKind.DROP_AFTER),
        ]
        if not any(fraction for fraction, _ in ranges):
            return FaultKind.NONE
        draw = self.random.random()
        threshold = 0.0
        for fraction, kind in ranges:
            threshold += fraction
            if draw < threshold:
                return kind
        return FaultKind.NONE

    def latency_s(self) -> float:
        """Return how long to delay this response, in seconds (0 when latency is off)."""
        config = self.config
        if config.latency_min_ms is not None and config.latency_max_ms is not None:
            low, high = sorted((config.latency_min_ms, config.latency_max_ms))
            return self.random.uniform(low, high) / 1000.0
        if config.latency_ms:
            return config.latency_ms / 1000.0
        return 0.0


class TokenBucket:
    """Classic token bucket: `rate_per_s` tokens refill per second up to `capacity`."""

    def __init__(self, *, rate_per_s: float, capacity: float) -> None:
        self.rate_per_s = rate_per_s
        self.capacity = capacity
        self.tokens = capacity
        self.updated_at = time.monotonic()

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self.updated_at)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate_per_s)
        self.updated_at = now

    def seconds_until_available(self, *, now: float) -> float:
        """Return 0 when a token is available now, else the wait until one is."""
        self._refill(now)
        if self.tokens >= 1.0:
            return 0.0
        return (1.0 - self.tokens) / self.rate_per_s

    def take(self, *, now: float) -> None:
        """Consume one token (call only after seconds_until_available returned 0)."""
        self._refill(now)
        self.tokens -= 1.0


class RateLimiter:
    """Global and per-chat send caps; raises the 429 ApiError when a cap is exceeded."""

    def __init__(self) -> None:
        self._global: TokenBucket | None = None
        self._paid: TokenBucket | None = None
        self._per_chat: dict[int, TokenBucket] = {}
        self._signature: tuple[Any, ...] | None = None

    def _sync(self, config: FaultConfig) -> None:
        signature = (
            config.global_rate_per_s,
            config.per_chat_rate_per_s,
            config.per_chat_burst,
            config.paid_broadcast_rate_per_s,
        )
        if signature == self._signature:
            return
        self._signature = signature
        self._global = self._bucket(config.global_rate_per_s, config.global_rate_per_s)
        self._paid = self._bucket(
            config.paid_broadcast_rate_per_s, config.paid_broadcast_rate_per_s
        )
        self._per_chat.clear()

    @staticmethod
    def _bucket(rate: float | None, capacity: float | None) -> TokenBucket | None:
        if rate is None or capacity is None:
            return None
        return TokenBucket(rate_per_s=rate, capacity=max(1.0, capacity))

    def admit(self, *, config: FaultConfig, chat_id: int, paid_broadcast: bool) -> None:
        """Take a token from the applicable buckets or raise 429 without taking any."""
        self._sync(config)
        now = time.monotonic()
        buckets: list[TokenBucket] = []
        overall = self._paid if paid_broadcast else self._global
        if overall is not None:
            buckets.append(overall)
        if config.per_chat_rate_per_s is not None:
            chat_bucket = self._per_chat.get(chat_id)
            if chat_bucket is None:
                chat_bucket = TokenBucket(
                    rate_per_s=config.per_chat_rate_per_s, capacity=config.per_chat_burst
                )
                self._per_chat[chat_id] = chat_bucket
            buckets.append(chat_bucket)
        wait_s = max((bucket.seconds_until_available(now=now) for bucket in buckets), default=0)
        if wait_s > 0:
            raise too_many_requests(retry_after_s=math.ceil(wait_s))
        for bucket in buckets:
            bucket.take(now=now)

    def reset(self) -> None:
        """Forget all bucket state (buckets start full again)."""
        self._signature = None
        self._per_chat.clear()
