"""The bot's sent messages go to the council's message log in shared transactions (group commit).

Every reply still waits until its row is written (so a chat's next update sees it, and nothing is lost), but
the replies of a crowd share one short transaction instead of each opening its own after the send.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.delivery.message_log import OutboundRow, save_outbound_messages
from db.engine import Database
from db.group_commit import GroupCommit

MAX_ROWS_PER_WRITE = 500


async def _write_rows(session: AsyncSession, rows: list[OutboundRow]) -> list[None]:
    await save_outbound_messages(session, messages=rows)
    return [None] * len(rows)


class MessageLogWriter:
    """Collects sent messages and writes whatever is waiting in one transaction, one write at a time."""

    def __init__(self, *, database: Database) -> None:
        self._group: GroupCommit[OutboundRow, None] = GroupCommit(
            database=database, write=_write_rows, name="message-log-writer", max_batch=MAX_ROWS_PER_WRITE
        )

    async def record(self, row: OutboundRow) -> None:
        """Write the row with whatever else is waiting; return once it is committed (raise if it failed)."""
        await self._group.submit(row)
