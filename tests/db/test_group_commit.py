"""Group commit: callers waiting at the same time share a transaction; one bad item fails only its caller."""

from __future__ import annotations

import asyncio

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.delivery.message_log import OutboundRow, save_outbound_messages
from db.engine import Database
from db.group_commit import GroupCommit
from db.models import MessageRecord
from db.types import utc_now


def _row(chat_id: int, text: str = "hello") -> OutboundRow:
    return OutboundRow(chat_id=chat_id, kind="reply", text=text, telegram_message_id=chat_id, sent_at=utc_now())


class Recorder:
    """Writes rows through the real message log; remembers each transaction's chats; 'boom' fails."""

    def __init__(self) -> None:
        self.transactions: list[list[int | None]] = []

    async def write(self, session: AsyncSession, rows: list[OutboundRow]) -> list[int | None]:
        self.transactions.append([row.chat_id for row in rows])
        await save_outbound_messages(session, messages=rows)
        if any(row.text == "boom" for row in rows):
            raise RuntimeError("boom")
        return [row.chat_id for row in rows]


async def _count(database: Database) -> int:
    async with database.transaction() as session:
        return int((await session.exec(select(func.count()).select_from(MessageRecord))).one())


async def test_waiting_callers_share_transactions_and_each_gets_its_own_result(database: Database) -> None:
    recorder = Recorder()
    group: GroupCommit[OutboundRow, int | None] = GroupCommit(database=database, write=recorder.write, name="test")
    results = await asyncio.gather(*(group.submit(_row(chat_id)) for chat_id in range(1, 41)))
    assert results == list(range(1, 41))
    assert len(recorder.transactions) < 40, "the crowd shared transactions"
    assert sorted(chat for transaction in recorder.transactions for chat in transaction) == list(range(1, 41))
    assert await _count(database) == 40


async def test_one_bad_item_fails_only_its_caller_and_is_not_half_written(database: Database) -> None:
    recorder = Recorder()
    group: GroupCommit[OutboundRow, int | None] = GroupCommit(database=database, write=recorder.write, name="test")
    outcomes = await asyncio.gather(
        *(group.submit(_row(chat_id, "boom" if chat_id == 5 else "hello")) for chat_id in range(1, 11)),
        return_exceptions=True,
    )
    assert [isinstance(outcome, RuntimeError) for outcome in outcomes] == [chat_id == 5 for chat_id in range(1, 11)]
    assert await _count(database) == 9, "the failed shared write left nothing; the good rows were written again alone"


async def test_items_with_the_same_key_go_in_different_transactions_in_order(database: Database) -> None:
    recorder = Recorder()
    group: GroupCommit[OutboundRow, int | None] = GroupCommit(
        database=database, write=recorder.write, name="test", key=lambda row: row.chat_id
    )
    await asyncio.gather(*(group.submit(_row(chat_id)) for chat_id in (1, 2, 1, 3, 1)))
    assert all(len(set(transaction)) == len(transaction) for transaction in recorder.transactions)
    assert [chat for transaction in recorder.transactions for chat in transaction].count(1) == 3
    assert max(len(transaction) for transaction in recorder.transactions) >= 2


async def test_an_enqueued_item_whose_future_is_cancelled_is_still_written_and_the_others_get_results(
    database: Database,
) -> None:
    recorder = Recorder()
    group: GroupCommit[OutboundRow, int | None] = GroupCommit(
        database=database, write=recorder.write, name="test", single_write=True
    )
    futures = [group.enqueue(_row(chat_id)) for chat_id in range(1, 6)]
    futures[2].cancel()  # the caller went away

    done, _ = await asyncio.wait(futures)
    assert [future.result() for future in futures if not future.cancelled()] == [1, 2, 4, 5]
    assert len(done) == 5
    assert await _count(database) == 5, "the cancelled caller's row was written with the others"
