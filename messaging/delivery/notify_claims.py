"""Claiming Notify rows under the API key's shared schedule, and recording what happened, for the Notify worker.

One API key has one limit however many processes send (`carerline serve`, `carerline deliver`, replicas), so the
pace is a schedule in the database, as for Telegram: the row "notify" of `delivery_rate_buckets`, at
CARERLINE_NOTIFY_RATE_PER_MINUTE / 60 a second. Notify's own limit is a token bucket (3,000 a minute, refilled
continuously, a burst of about a third of a minute); sending evenly at the refill rate never leans on the burst,
which is left for retries after a pause and for the clock differences between processes. An in-process limiter
(aiolimiter) would let each process spend the whole minute's requests, so several would trip Notify's 429s.
Holds are rows too: "notify:sms", "notify:email", "notify:letter" (the day's limit, a configuration error).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from db.dao.delivery.claims import (
    lock_rate_bucket,
    save_claims,
    save_finished_without_sending,
    save_rate_bucket,
    save_retries,
)
from db.dao.delivery.notify_claims import (
    NotifyCandidate,
    fetch_bucket_pauses,
    fetch_claimable_notify_rows,
    hold_bucket,
    save_notify_sent,
)
from db.engine import Database
from db.models import OutboxState
from messaging.delivery.claims import plan_slots
from messaging.delivery.loop import OutcomeBuffer
from messaging.fallback import fall_back

RATE_BUCKET = "notify"
CHANNELS = ("sms", "email", "letter")


def hold_name(channel: str) -> str:
    """The bucket row that holds one Notify channel."""
    return f"{RATE_BUCKET}:{channel}"


@dataclass
class NotifyBatch:
    """Rows to send, each with its send time (epoch seconds); wait_s when nothing could be claimed."""

    rows: list[tuple[NotifyCandidate, float]] = field(default_factory=list)
    wait_s: float = 0.0
    held: dict[str, float] = field(default_factory=dict)


async def claim_notify_batch(
    database: Database, *, cap_per_s: float, horizon_s: float, lease_s: float, worker_id: str, wanted: int,
    now_s: float, poll_s: float,
) -> NotifyBatch:
    """Reserve slots on the key's schedule and claim due rows of the channels not held, urgent first."""
    now = _at(now_s)
    async with database.transaction() as session:
        bucket = await lock_rate_bucket(session, name=RATE_BUCKET)
        pauses = await fetch_bucket_pauses(session, names=[hold_name(channel) for channel in CHANNELS])
        held = {channel: pauses[hold_name(channel)] for channel in CHANNELS if pauses.get(hold_name(channel), 0.0) > now_s}
        open_channels = [channel for channel in CHANNELS if channel not in held]
        if not open_channels:
            return NotifyBatch(wait_s=min(poll_s, min(held.values()) - now_s), held=held)
        plan = plan_slots(now_s=now_s, next_slot_at_s=bucket.next_slot_at_s, paused_until_s=bucket.paused_until_s,
                          cap_per_s=cap_per_s, horizon_s=horizon_s, wanted=wanted)
        if plan.count == 0:
            return NotifyBatch(wait_s=plan.wait_s, held=held)
        candidates = await fetch_claimable_notify_rows(session, channels=open_channels, now=now, limit=plan.count)
        if not candidates:
            return NotifyBatch(held=held)
        # Claiming counts as an attempt (save_claims increments it in the database too).
        rows = [(replace(candidate, attempts=candidate.attempts + 1), plan.start_s + index * plan.interval_s)
                for index, candidate in enumerate(candidates)]
        await save_claims(session, note_probe_start=False, row_ids=[candidate.id for candidate, _ in rows], worker_id=worker_id,
                                 now=now, lease_expires_at=_at(rows[-1][1] + lease_s))
        await save_rate_bucket(session, name=RATE_BUCKET, next_slot_at_s=plan.start_s + len(rows) * plan.interval_s)
    return NotifyBatch(rows=rows, held=held)


@dataclass
class NotifyResults(OutcomeBuffer):
    """Everything the Notify worker learnt since its last flush."""

    holds: dict[str, float] = field(default_factory=dict)

    def __len__(self) -> int:
        return super().__len__() + len(self.holds)

    def add_sent(self, *, row_id: int, notify_id: str, at: datetime) -> None:
        """Notify accepted the row (now, or earlier: found by its reference)."""
        self.sent.append({"row_id": row_id, "notify_id": notify_id, "sent_at": at})

    def hold(self, *, name: str, until_s: float) -> None:
        """Nobody sends through this bucket (the key, or one channel) before `until_s`."""
        self.holds[name] = max(until_s, self.holds.get(name, 0.0))

    def merge(self, later: NotifyResults) -> None:
        """Add what was learnt after these results (a failed flush is written again with them)."""
        super().merge(later)
        for name, until_s in later.holds.items():
            self.hold(name=name, until_s=until_s)


async def flush_notify_results(database: Database, results: NotifyResults, *, now: datetime) -> None:
    """Write one batch of outcomes, and queue the next channel for rows that failed for good, in one transaction."""
    async with database.transaction() as session:
        await save_notify_sent(session, sent=results.sent)
        await save_retries(session, retries=results.retries)
        await save_finished_without_sending(session, rows=results.failed, state=OutboxState.FAILED)
        await save_finished_without_sending(session, rows=results.skipped, state=OutboxState.SKIPPED)
        if results.failed:
            await fall_back(session, row_ids=[item["row_id"] for item in results.failed],
                            reason="Notify could not send it", now=now)
        for name, until_s in sorted(results.holds.items()):
            await hold_bucket(session, name=name, until_s=until_s)


def _at(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, tz=UTC)
