"""Claiming work: reserve send slots under the shared cap and take the rows to fill them, in one transaction.

The global cap is a schedule in the database (`delivery_rate_buckets`): the epoch second of the
next free send slot. A worker locks it, takes up to cap x horizon rows, gives them the slots
next, next + 1/cap, ... and moves the schedule past them. Every process reserves from the same
schedule, so together they never exceed the cap, and one round trip reserves a whole batch
(hundreds of slots at 1,000/s). Per chat, `chat_delivery_states.next_send_at` is moved to each
row's slot + per_chat_interval_s, and rows of a chat are not claimed before it: at most one
message per chat per second across all processes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from db.dao.delivery.claims import (
    ClaimCandidate,
    fetch_claimable_rows,
    lock_rate_bucket,
    save_chat_schedule,
    save_claims,
    save_rate_bucket,
)
from db.engine import Database
from messaging.delivery.settings import DeliverySettings

BUCKET_NAME = "telegram"


@dataclass(frozen=True)
class SlotPlan:
    """Slots a worker may reserve now: the first, how many, spacing; or how long to wait."""

    start_s: float
    count: int
    interval_s: float
    wait_s: float = 0.0


@dataclass
class ClaimedBatch:
    """Rows to send, each with its send time (epoch seconds); wait_s when no slot was free."""

    rows: list[tuple[ClaimCandidate, float]] = field(default_factory=list)
    wait_s: float = 0.0


def plan_slots(
    *, now_s: float, next_slot_at_s: float, paused_until_s: float, cap_per_s: float | None, horizon_s: float, wanted: int
) -> SlotPlan:
    """The slots to reserve: never more than one horizon ahead of now, never faster than the cap."""
    if cap_per_s is None:
        return SlotPlan(start_s=now_s, count=wanted, interval_s=0.0)
    start = max(now_s, next_slot_at_s, paused_until_s)
    if start > now_s + horizon_s:
        return SlotPlan(start_s=start, count=0, interval_s=1.0 / cap_per_s, wait_s=start - horizon_s - now_s)
    count = min(wanted, max(1, math.ceil(cap_per_s * horizon_s)))
    return SlotPlan(start_s=start, count=count, interval_s=1.0 / cap_per_s)


async def claim_batch(
    database: Database, *, settings: DeliverySettings, worker_id: str, wanted: int, now_s: float
) -> ClaimedBatch:
    """Reserve slots and claim rows for them (one per chat), all or nothing."""
    now = datetime.fromtimestamp(now_s, tz=UTC)
    cap = settings.cap_per_s
    async with database.transaction() as session:
        bucket = await lock_rate_bucket(session, name=BUCKET_NAME) if cap is not None else None
        plan = plan_slots(
            now_s=now_s,
            next_slot_at_s=bucket.next_slot_at_s if bucket else 0.0,
            paused_until_s=bucket.paused_until_s if bucket else 0.0,
            cap_per_s=cap,
            horizon_s=settings.horizon_s,
            wanted=wanted,
        )
        if plan.count == 0:
            return ClaimedBatch(wait_s=plan.wait_s)
        # Claiming counts as an attempt (save_claims increments it in the database too).
        candidates = [
            replace(candidate, attempts=candidate.attempts + 1)
            for candidate in _one_per_chat(await fetch_claimable_rows(session, now=now, limit=plan.count))
        ]
        if not candidates:
            return ClaimedBatch()
        rows = [(candidate, plan.start_s + index * plan.interval_s) for index, candidate in enumerate(candidates)]
        await save_claims(
            session,
            row_ids=[candidate.id for candidate, _ in rows],
            worker_id=worker_id,
            now=now,
            lease_expires_at=_at(rows[-1][1] + settings.lease_s),
        )
        await save_chat_schedule(
            session,
            next_send_at=[
                (candidate.chat_id, _at(send_at_s + settings.per_chat_interval_s + _jitter_margin_s(settings)))
                for candidate, send_at_s in rows
                if candidate.chat_id is not None
            ],
        )
        if bucket is not None:
            await save_rate_bucket(session, name=BUCKET_NAME, next_slot_at_s=plan.start_s + len(rows) * plan.interval_s)
    return ClaimedBatch(rows=rows)


def _jitter_margin_s(settings: DeliverySettings) -> float:
    # A request can reach Telegram a little after its slot; a small margin keeps two sends to one chat
    # at least the interval apart even then.
    return min(0.2, settings.per_chat_interval_s * 0.2)


def _one_per_chat(candidates: list[ClaimCandidate]) -> list[ClaimCandidate]:
    seen: set[int | None] = set()
    chosen = []
    for candidate in candidates:
        if candidate.chat_id is not None and candidate.chat_id in seen:
            continue
        seen.add(candidate.chat_id)
        chosen.append(candidate)
    return chosen


def _at(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, tz=UTC)


def backoff_s(*, attempts: int, base_s: float, max_s: float, jitter: float) -> float:
    """Exponential backoff with jitter: base x 2^(attempts-1), capped, times jitter in [0.5, 1.5)."""
    return min(max_s, base_s * (2 ** max(0, attempts - 1))) * jitter


def after(now: datetime, seconds: float) -> datetime:
    """`now` plus some seconds."""
    return now + timedelta(seconds=seconds)
