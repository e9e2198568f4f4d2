"""Outcomes of sends, buffered in memory and written to the database in one transaction per flush."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

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
from messaging.delivery.loop import OutcomeBuffer
from messaging.fallback import FALL_BACK_SKIPS, fall_back


@dataclass
class PendingResults(OutcomeBuffer):
    """Everything learnt since the last flush."""

    unreachable: dict[int, str] = field(default_factory=dict)
    chat_pauses: list[tuple[int, datetime]] = field(default_factory=list)
    global_pause_until_s: float | None = None
    refund_s: float = 0.0

    def __len__(self) -> int:
        return super().__len__() + len(self.chat_pauses)

    def is_empty(self) -> bool:
        """Nothing to write: no outcome, pause, unreachable carer or refund."""
        return super().is_empty() and self.global_pause_until_s is None and not self.unreachable and not self.refund_s

    def merge(self, later: PendingResults) -> None:
        """Add what was learnt after these results (a failed flush is written again with them)."""
        super().merge(later)
        self.chat_pauses.extend(later.chat_pauses)
        self.unreachable.update(later.unreachable)
        if later.global_pause_until_s is not None:
            self.pause_everything(until_s=later.global_pause_until_s)
        self.refund_s += later.refund_s

    def add_sent(self, *, row_id: int, chat_id: int, message_id: int, at: datetime, kind: str, text: str | None) -> None:
        """A row delivered (by a send, or found by a probe)."""
        self.sent.append(
            {"row_id": row_id, "sent_at": at, "message_id": message_id, "chat_id": chat_id, "kind": kind[:32], "text": text}
        )

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
