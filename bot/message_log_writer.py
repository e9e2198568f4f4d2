"""The bot's sent messages go to the council's message log in shared transactions (group commit).

Every reply still waits until its row is written (so a chat's next update sees it, and nothing is lost), but
the replies of a crowd share one short transaction instead of each opening its own after the send.
"""

from __future__ import annotations

import asyncio
import logging

from db.dao.delivery.message_log import OutboundRow, save_outbound_messages
from db.engine import Database

logger = logging.getLogger(__name__)
MAX_ROWS_PER_WRITE = 500


class MessageLogWriter:
    """Collects sent messages and writes whatever is waiting in one transaction, one write at a time."""

    def __init__(self, *, database: Database) -> None:
        self._database = database
        self._waiting: list[tuple[OutboundRow, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, row: OutboundRow) -> None:
        """Write the row with whatever else is waiting; return once it is committed (raise if it failed)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((row, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all(), name="message-log-writer")
        await asyncio.shield(done)  # a cancelled reply does not take the others' rows with it

    async def _write_all(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_ROWS_PER_WRITE], self._waiting[MAX_ROWS_PER_WRITE:]
            try:
                async with self._database.transaction() as session:
                    await save_outbound_messages(session, messages=[row for row, _ in batch])
            except Exception as error:  # noqa: BLE001 - each waiting reply gets the failure to handle itself
                for _, done in batch:
                    if not done.done():
                        done.set_exception(error)
                continue
            for _, done in batch:
                if not done.done():
                    done.set_result(None)
