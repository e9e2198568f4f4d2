"""Group commit: many callers that each need one short write share a transaction.

Whatever is waiting when the writer is free goes in the next transaction, so a crowd makes a few
transactions instead of one each, and nobody waits longer than one write. Every caller still returns only
once their item is committed. If a shared write fails, each of its items is written again alone, so one bad
item fails only its own caller.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from db.engine import Database

ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")
BatchWrite = Callable[[AsyncSession, list[ItemT]], Awaitable[list[ResultT]]]


class GroupCommit(Generic[ItemT, ResultT]):
    """Writes waiting items in shared transactions, one transaction at a time.

    `write` gets the session and the items and returns one result per item, in order. `key`, when given,
    keeps items with the same key in different transactions (in the order they came). `single_write`: `write`
    makes one statement that writes, last (Database.single_write: no BEGIN and COMMIT on PostgreSQL).
    """

    def __init__(
        self, *, database: Database, write: BatchWrite[ItemT, ResultT], name: str, max_batch: int = 500,
        key: Callable[[ItemT], Hashable | None] | None = None, single_write: bool = False,
    ) -> None:
        self._database = database
        self._write = write
        self._name = name
        self._max_batch = max_batch
        self._key = key
        self._single_write = single_write
        self._waiting: list[tuple[ItemT, asyncio.Future[ResultT]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, item: ItemT) -> ResultT:
        """Write the item with whatever else is waiting; its result once committed (or its error)."""
        return await asyncio.shield(self.enqueue(item))

    def enqueue(self, item: ItemT) -> asyncio.Future[ResultT]:
        """Queue the item to be written with whatever else is waiting; the future of its result (or its error).

        Cheaper than a task around `submit` for a caller that goes on meanwhile. Cancelling the future only
        drops this item's result: the item is written all the same, and the others' items are untouched.
        """
        done: asyncio.Future[ResultT] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all(), name=self._name)
        return done

    async def _write_all(self) -> None:
        while self._waiting:
            batch = self._next_batch()
            try:
                await self._commit(batch)
            except Exception as error:  # noqa: BLE001 - handed to the callers, alone or in the shared write
                if len(batch) == 1:
                    _fail(batch, error)
                    continue
                for alone in batch:
                    try:
                        await self._commit([alone])
                    except Exception as alone_error:  # noqa: BLE001 - this caller gets its own failure
                        _fail([alone], alone_error)

    def _next_batch(self) -> list[tuple[ItemT, asyncio.Future[ResultT]]]:
        batch: list[tuple[ItemT, asyncio.Future[ResultT]]] = []
        later: list[tuple[ItemT, asyncio.Future[ResultT]]] = []
        keys: set[Hashable] = set()
        for waiting in self._waiting:
            key = None if self._key is None else self._key(waiting[0])
            if len(batch) >= self._max_batch or (key is not None and key in keys):
                later.append(waiting)
                continue
            if key is not None:
                keys.add(key)
            batch.append(waiting)
        self._waiting = later
        return batch

    async def _commit(self, batch: list[tuple[ItemT, asyncio.Future[ResultT]]]) -> None:
        shared = self._database.single_write() if self._single_write else self._database.transaction()
        async with shared as session:
            results = await self._write(session, [item for item, _ in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"{self._name}: {len(results)} results for {len(batch)} items")
        for (_, done), result in zip(batch, results, strict=True):
            if not done.done():
                done.set_result(result)


def _fail(batch: list[tuple[object, asyncio.Future[ResultT]]], error: Exception) -> None:
    for _, done in batch:
        if not done.done():
            done.set_exception(error)
