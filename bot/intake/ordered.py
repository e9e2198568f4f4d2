"""One chat's webhook updates in order across replicas: recorded on arrival, handled under the chat's PostgreSQL lock.

The replica that receives an update inserts it into `incoming_updates` and answers 200 at once. Whichever replica
then holds the chat's advisory lock handles the chat's unhandled rows in update_id order, marking each handled, and
loops until none is left; a replica that cannot get the lock leaves the update to the holder. The holder checks
again after releasing, so an update that lands just as it lets go is not stranded, and a sweeper on every replica
takes any chat whose update has waited longer than a few seconds (a replica that died, a lost race).
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta

from telegram import Update

from bot.context import CarerlineApplication
from bot.intake.processing import PerChatUpdateProcessor, concurrent_updates_for
from core.lifecycle import Lifecycle
from core.metrics import Metrics
from db.dao.incoming_updates import (
    chat_update_lock,
    fetch_chats_with_unhandled_updates,
    fetch_next_unhandled_update,
    mark_update_handled,
    save_incoming_update,
)
from db.engine import Database
from db.models import IncomingUpdate
from db.types import utc_now

logger = logging.getLogger(__name__)
# An update still unhandled this long after it arrived is taken by the sweeper of whichever replica runs first.
STRANDED_AFTER = timedelta(seconds=5)


class CrossReplicaOrder:
    """Takes webhook updates that belong to a chat and handles each chat's updates in order, once, on one replica."""

    def __init__(
        self, *, application: CarerlineApplication, database: Database, lifecycle: Lifecycle, metrics: Metrics
    ) -> None:
        self.application = application
        self.database = database
        self.lifecycle = lifecycle
        self.metrics = metrics
        # Each chat being drained here holds a connection for its lock: as many as the updates worked on at once.
        self._drain_slots = asyncio.Semaphore(concurrent_updates_for(database))
        # chat id -> "another update arrived while draining" (asked to look again before giving up).
        self._drains: dict[int, bool] = {}

    async def take(self, update: Update) -> bool:
        """Record a chat's update durably and start its chat's drain; False for an update of no chat (not taken)."""
        chat = update.effective_chat
        if chat is None:
            return False
        async with self.database.transaction() as session:
            is_new = await save_incoming_update(
                session, update_id=update.update_id, chat_id=chat.id, payload=update.to_json(), received_at=utc_now()
            )
        if not is_new:
            self.metrics.updates_duplicate.inc()
        self.wake(chat_id=chat.id)
        return True

    def wake(self, *, chat_id: int) -> None:
        """Drain the chat here unless a drain of it is already under way here (which is then told to look again)."""
        if chat_id in self._drains:
            self._drains[chat_id] = True
            return
        self._drains[chat_id] = False
        self.application.create_task(self._drain(chat_id), name=f"drain-chat-{chat_id}")

    async def sweep(self) -> int:
        """Wake every chat with an update unhandled for longer than STRANDED_AFTER; how many."""
        async with self.database.transaction() as session:
            chat_ids = await fetch_chats_with_unhandled_updates(session, received_before=utc_now() - STRANDED_AFTER)
        for chat_id in chat_ids:
            self.wake(chat_id=chat_id)
        return len(chat_ids)

    async def _drain(self, chat_id: int) -> None:
        try:
            while not self.lifecycle.is_draining:
                self._drains[chat_id] = False
                async with self._drain_slots:
                    is_holder = await self._handle_under_lock(chat_id)
                if self._drains[chat_id]:
                    continue
                if not is_holder:
                    break  # the holder handles it, and looks again after letting go
                # Released: an update that landed while another replica failed to get our lock is ours to take.
                if await self._has_unhandled(chat_id) or self._drains[chat_id]:
                    continue
                break
        except Exception:
            logger.exception("draining the updates of a chat failed; the sweeper will try again")
        finally:
            self._drains.pop(chat_id, None)

    async def _handle_under_lock(self, chat_id: int) -> bool:
        async with chat_update_lock(self.database, chat_id=chat_id) as is_got:
            if not is_got:
                return False
            while not self.lifecycle.is_draining:
                async with self.database.transaction() as session:
                    row = await fetch_next_unhandled_update(session, chat_id=chat_id)
                if row is None or not await self._handle(row):
                    break
                async with self.database.transaction() as session:
                    await mark_update_handled(session, update_id=row.update_id, handled_at=utc_now())
        return True

    async def _handle(self, row: IncomingUpdate) -> bool:
        """Run the update through the bot's handlers; False if shutdown left it unhandled (another replica takes it)."""
        update = Update.de_json(json.loads(row.payload), self.application.bot)
        processor = self.application.update_processor
        await processor.process_update(update, self.application.process_update(update))
        return not (isinstance(processor, PerChatUpdateProcessor) and update.update_id in processor.left_unhandled)

    async def _has_unhandled(self, chat_id: int) -> bool:
        async with self.database.transaction() as session:
            return await fetch_next_unhandled_update(session, chat_id=chat_id) is not None


_running: CrossReplicaOrder | None = None


def start_cross_replica_order(
    *, application: CarerlineApplication, database: Database, lifecycle: Lifecycle, metrics: Metrics
) -> CrossReplicaOrder:
    """The order for this process (PostgreSQL, webhook mode), also reached by the sweeper job."""
    global _running
    _running = CrossReplicaOrder(application=application, database=database, lifecycle=lifecycle, metrics=metrics)
    return _running


async def sweep_unhandled_updates() -> None:
    """Scheduled on every replica: take chats whose updates have waited too long (the advisory lock picks one)."""
    order = _running
    if order is None or not order.application.running or order.lifecycle.is_draining:
        return
    woken = await order.sweep()
    if woken:
        logger.info("sweeper woke %d chat(s) with updates left unhandled", woken)
