"""Handle updates from different chats concurrently, but one at a time within a chat."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from db.engine import Database

logger = logging.getLogger(__name__)
# The update being worked on in this task: work it leaves to finish before its chat's next update.
_left_to_finish: ContextVar[list[Awaitable[object]] | None] = ContextVar("carerline_left_to_finish", default=None)
UpdatePreparation = Callable[[Update], Awaitable[None]]

# PTB's own limit only bounds the tasks waiting here; a chat waiting for its previous update must not hold a slot.
MAX_WAITING_UPDATES = 100_000
# Updates being worked on at once, across chats, chosen with benchmarks.replies (200 parents, this 2-core machine,
# reply times from the emulator's clock), p95 of each crowd in alternating runs of three, 8 December 2026.
# SQLite: 32 (127-151 ms, median 138; 128: 134-187, median 155). While presses waited for a slot to be answered,
# 128 did better (145-255 against 171-246 ms); answered before their slot, they no longer need one, and 128
# working updates make the crowd's records queue behind more handlers' writes.
# PostgreSQL: 16 (134-155 ms, to the message shown 167-216; 8: 150-165 and 185-213; 32: 183-236 and 240-321;
# before presses were answered early 64 and 128 were worse still): more at once only queue for the pool's
# connections and the server's processes on the same cores.
SQLITE_CONCURRENT_UPDATES = 32
POSTGRESQL_CONCURRENT_UPDATES = 16
DEFAULT_CONCURRENT_UPDATES = SQLITE_CONCURRENT_UPDATES


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """A parent pressing two buttons quickly must not race their own conversation state.

    Each update first waits for its chat's previous update (in arrival order), and only then for one of the
    working slots, so one busy chat never holds slots that other chats could use.

    `prepare`, when set, runs for each chat's update once it is that chat's turn and before it waits for a slot:
    the updates of a crowd are recorded together while they queue, not a slot's worth at a time. Work an
    update leaves with `finish_before_next_update` (logging its replies) runs after its slot is given back and
    before the chat's next update begins.
    """

    def __init__(
        self, *, max_concurrent_updates: int = DEFAULT_CONCURRENT_UPDATES, prepare: UpdatePreparation | None = None
    ) -> None:
        self.prepare = prepare
        super().__init__(max_concurrent_updates=MAX_WAITING_UPDATES)
        self.working_slots = max_concurrent_updates
        self._slots: asyncio.Semaphore | None = None
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiters: dict[int, int] = {}
        # Shutting down past the bot's share of the grace period: updates not yet begun are left, running ones ended.
        self._is_closing = False
        self._running: set[asyncio.Task[Any]] = set()
        self.left_unhandled: list[int] = []

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the handler coroutine while holding the lock of the update's chat and a working slot."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.working_slots)
        chat_id = _chat_id(update)
        if chat_id is None:
            async with self._slots:
                await self._run(update, coroutine)
            return
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        self._waiters[chat_id] = self._waiters.get(chat_id, 0) + 1
        try:
            async with lock:
                if self.prepare is not None and isinstance(update, Update) and not self._is_closing:
                    await self._prepare(self.prepare, update)
                left_to_finish: list[Awaitable[object]] = []
                token = _left_to_finish.set(left_to_finish)
                try:
                    async with self._slots:
                        await self._run(update, coroutine)
                finally:
                    _left_to_finish.reset(token)
                    await _finish(left_to_finish)
        finally:
            self._waiters[chat_id] -= 1
            if self._waiters[chat_id] == 0:
                del self._waiters[chat_id]
                self._locks.pop(chat_id, None)

    @staticmethod
    async def _prepare(prepare: UpdatePreparation, update: Update) -> None:
        try:
            await prepare(update)
        except Exception:  # noqa: BLE001 - preparing is ahead of time: the update's own handlers do it again
            logger.warning(
                "preparing update %s before its slot failed; it is handled as usual", update.update_id, exc_info=True
            )

    async def _run(self, update: object, coroutine: Awaitable[Any]) -> None:
        if self._is_closing:
            if isinstance(update, Update):
                self.left_unhandled.append(update.update_id)
            if inspect.iscoroutine(coroutine):
                coroutine.close()
            return
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await coroutine
        finally:
            self._running.discard(task)  # type: ignore[arg-type]

    def close(self) -> int:
        """Out of time while shutting down: begin no more updates and cancel those running (how many)."""
        self._is_closing = True
        for task in self._running:
            task.cancel()
        return len(self._running)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to close."""


def finish_before_next_update(work: Awaitable[object]) -> bool:
    """Let the chat's update being worked on here finish this after its handlers; False outside one (await it)."""
    left_to_finish = _left_to_finish.get()
    if left_to_finish is None:
        return False
    left_to_finish.append(work)
    return True


async def _finish(left_to_finish: list[Awaitable[object]]) -> None:
    """Everything the update left, whatever else fails; a failure is logged (its handlers are over)."""
    if not left_to_finish:
        return
    for outcome in await asyncio.gather(*left_to_finish, return_exceptions=True):
        if isinstance(outcome, Exception):
            logger.error("work an update left to finish failed", exc_info=outcome)


def concurrent_updates_for(database: Database) -> int:
    """How many updates to work on at once on this database."""
    return SQLITE_CONCURRENT_UPDATES if database.is_sqlite else POSTGRESQL_CONCURRENT_UPDATES


def _chat_id(update: object) -> int | None:
    if isinstance(update, Update) and update.effective_chat is not None:
        return update.effective_chat.id
    return None
