"""Outcomes of sends, buffered in memory and written to the database in one transaction per flush."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from db.dao.delivery.claims import (
    pause_rate_bucket,
    refund_rate_bucket,
    save_chat_schedule,
    save_finished_without_sending,
    save_retries,
    save_sent,
    save_unreachable_carers,
)
from db.engine import Database
from db.models import OutboxState
from messaging.delivery.claims import BUCKET_NAME
from messaging.fallback import FALL_BACK_SKIPS, fall_back


@dataclass
class PendingResults:
    """Everything learnt since the last flush."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    retries: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    unreachable: dict[int, str] = field(default_factory=dict)
    chat_pauses: list[tuple[int, datetime]] = field(default_factory=list)
    global_pause_until_s: float | None = None
    refund_s: float = 0.0

    def __len__(self) -> int:
        return len(self.sent) + len(self.retries) + len(self.failed) + len(self.skipped) + len(self.chat_pauses)

    def add_sent(self, *, row_id: int, chat_id: int, message_id: int, at: datetime, kind: str, text: str | None) -> None:
        """A row delivered (by a send, or found by a probe)."""
        self.sent.append(
            {"row_id": row_id, "sent_at": at, "message_id": message_id, "chat_id": chat_id, "kind": kind[:32], "text": text}
        )

    def add_retry(self, *, row_id: int, not_before: datetime, error: str, is_in_doubt: bool) -> None:
        """A row to try again later."""
        self.retries.append({"row_id": row_id, "not_before": not_before, "error": error[:300], "in_doubt": is_in_doubt})

    def add_failed(self, *, row_id: int, at: datetime, error: str) -> None:
        """A row that will never be sent."""
        self.failed.append({"row_id": row_id, "at": at, "error": error[:300]})

    def add_skipped(self, *, row_id: int, at: datetime, reason: str) -> None:
        """A row not sent on purpose (muted, consent withdrawn, unreachable)."""
        self.skipped.append({"row_id": row_id, "at": at, "error": reason})

    def pause_chat(self, *, chat_id: int, until: datetime) -> None:
        """Telegram asked us to leave this chat alone until then."""
        self.chat_pauses.append((chat_id, until))

    def pause_everything(self, *, until_s: float) -> None:
        """Telegram signalled a flood for the whole bot."""
        self.global_pause_until_s = max(until_s, self.global_pause_until_s or 0.0)


async def flush_results(database: Database, results: PendingResults, *, now: datetime) -> None:
    """Write one batch of outcomes in one transaction."""
    async with database.transaction() as session:
        await save_sent(session, sent=results.sent)
        await save_retries(session, retries=results.retries)
        await save_finished_without_sending(session, rows=results.failed, state=OutboxState.FAILED)
        await save_finished_without_sending(session, rows=results.skipped, state=OutboxState.SKIPPED)
        await save_unreachable_carers(session, reasons=results.unreachable, now=now)
        ended = [item["row_id"] for item in results.failed]
        ended += [item["row_id"] for item in results.skipped if item["error"] in FALL_BACK_SKIPS]
        if ended:  # failed for good, or Telegram cannot reach them: the notice's next channel
            await fall_back(session, row_ids=ended, reason="Telegram could not deliver it", now=now)
        await save_chat_schedule(session, next_send_at=results.chat_pauses)
        if results.refund_s > 0:
            await refund_rate_bucket(session, name=BUCKET_NAME, seconds=results.refund_s, now_s=now.timestamp())
        if results.global_pause_until_s is not None:
            await pause_rate_bucket(session, name=BUCKET_NAME, until_s=results.global_pause_until_s)
