"""Notify's limits: a token bucket of requests per key type, and messages per channel per day (UTC)."""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone


@dataclass
class TokenBucket:
    """Notify's per-minute limit: refills at rate/60 a second, holds min(ceil(rate/3)+1, 1001) tokens."""

    per_minute: int
    tokens: float = -1.0
    updated_s: float = field(default_factory=time.monotonic)

    @property
    def capacity(self) -> float:
        """Notify lets a burst of about a third of a minute's requests through."""
        return float(min(math.ceil(self.per_minute / 3) + 1, 1001))

    def take(self) -> bool:
        """Spend one token; False when the bucket is empty."""
        now = time.monotonic()
        if self.tokens < 0:
            self.tokens = self.capacity
        self.tokens = min(self.capacity, self.tokens + (now - self.updated_s) * self.per_minute / 60)
        self.updated_s = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


@dataclass
class Limits:
    """Request buckets per key type and the day's sent counts per channel."""

    buckets: dict[str, TokenBucket] = field(default_factory=dict)
    sent_today: Counter[str] = field(default_factory=Counter)
    day: date = field(default_factory=lambda: datetime.now(timezone.utc).date())

    def take_request(self, *, key_type: str, per_minute: int) -> bool:
        """Count one send request against its key type's bucket."""
        bucket = self.buckets.get(key_type)
        if bucket is None or bucket.per_minute != per_minute:
            bucket = self.buckets[key_type] = TokenBucket(per_minute=per_minute)
        return bucket.take()

    def has_room(self, *, channel: str, limit: int) -> bool:
        """True while today's messages of this channel are under the limit (counts reset at midnight UTC)."""
        today = datetime.now(timezone.utc).date()
        if today != self.day:
            self.day, self.sent_today = today, Counter()
        return self.sent_today[channel] + 1 <= limit

    def count_sent(self, *, channel: str) -> None:
        """One more message of this channel today."""
        self.sent_today[channel] += 1
