"""The per-chat processor: a chat's updates one at a time, other chats meanwhile, preparing before a slot."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import pytest
from telegram import Chat, Message, Update

from bot.intake.processing import PerChatUpdateProcessor, finish_before_next_update
from tests.support.waiting import wait_for_condition

CHAT_A = 101
CHAT_B = 202


def _update(update_id: int, chat_id: int) -> Update:
    chat = Chat(id=chat_id, type=Chat.PRIVATE)
    message = Message(message_id=update_id, date=datetime.now(UTC), chat=chat, text="hi")
    return Update(update_id=update_id, message=message)


class Journal:
    """What happened, in order, across the updates of a test."""

    def __init__(self) -> None:
        self.events: list[str] = []

    async def prepare(self, update: Update) -> None:
        self.events.append(f"prepared {update.update_id}")

    def saw(self, event: str) -> bool:
        return event in self.events


async def _handled(journal: Journal, update_id: int, *, until: asyncio.Event | None = None) -> None:
    journal.events.append(f"began {update_id}")
    if until is not None:
        await until.wait()
    journal.events.append(f"ended {update_id}")


async def test_a_chat_is_prepared_while_other_chats_hold_every_slot() -> None:
    journal = Journal()
    processor = PerChatUpdateProcessor(max_concurrent_updates=1, prepare=journal.prepare)
    release_a = asyncio.Event()
    holding = asyncio.create_task(processor.process_update(_update(1, CHAT_A), _handled(journal, 1, until=release_a)))
    await wait_for_condition(lambda: journal.saw("began 1"), timeout_s=5, description="chat A holds the only slot")

    waiting = asyncio.create_task(processor.process_update(_update(2, CHAT_B), _handled(journal, 2)))
    await wait_for_condition(lambda: journal.saw("prepared 2"), timeout_s=5, description="chat B prepared")
    assert not journal.saw("began 2")  # prepared, but no slot yet

    release_a.set()
    await asyncio.gather(holding, waiting)
    assert journal.events == ["prepared 1", "began 1", "prepared 2", "ended 1", "began 2", "ended 2"]


async def test_a_chats_next_update_is_prepared_only_once_the_one_before_and_its_left_work_are_done() -> None:
    journal = Journal()
    processor = PerChatUpdateProcessor(max_concurrent_updates=4, prepare=journal.prepare)
    log_written = asyncio.Event()

    async def leaves_work() -> None:
        journal.events.append("began 1")

        async def write_log() -> None:
            await log_written.wait()
            journal.events.append("log of 1 written")

        assert finish_before_next_update(asyncio.ensure_future(write_log()))
        journal.events.append("ended 1")

    first = asyncio.create_task(processor.process_update(_update(1, CHAT_A), leaves_work()))
    second = asyncio.create_task(processor.process_update(_update(2, CHAT_A), _handled(journal, 2)))
    other_chat = asyncio.create_task(processor.process_update(_update(3, CHAT_B), _handled(journal, 3)))
    await wait_for_condition(lambda: journal.saw("ended 3"), timeout_s=5, description="the other chat handled")
    assert journal.saw("ended 1") and not journal.saw("prepared 2")  # chat A waits for its first update's log

    log_written.set()
    await asyncio.gather(first, second, other_chat)
    events_of_a = [event for event in journal.events if not event.endswith("3")]
    assert events_of_a == ["prepared 1", "began 1", "ended 1", "log of 1 written", "prepared 2", "began 2", "ended 2"]


async def test_work_left_to_finish_gives_its_slot_back_first() -> None:
    journal = Journal()
    processor = PerChatUpdateProcessor(max_concurrent_updates=1)
    log_written = asyncio.Event()

    async def leaves_work() -> None:
        assert finish_before_next_update(asyncio.ensure_future(log_written.wait()))
        journal.events.append("ended 1")

    first = asyncio.create_task(processor.process_update(_update(1, CHAT_A), leaves_work()))
    await wait_for_condition(lambda: journal.saw("ended 1"), timeout_s=5, description="chat A's handlers done")
    other_chat = asyncio.create_task(processor.process_update(_update(2, CHAT_B), _handled(journal, 2)))
    await wait_for_condition(lambda: journal.saw("ended 2"), timeout_s=5, description="chat B in the only slot")
    assert not first.done()

    log_written.set()
    await asyncio.gather(first, other_chat)


async def test_left_work_that_fails_is_logged_and_the_chat_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    journal = Journal()
    processor = PerChatUpdateProcessor(max_concurrent_updates=2)

    async def fails() -> None:
        raise ConnectionError("the database went away")

    async def leaves_failing_work() -> None:
        assert finish_before_next_update(asyncio.ensure_future(fails()))

    with caplog.at_level(logging.ERROR, logger="bot.intake.processing"):
        await processor.process_update(_update(1, CHAT_A), leaves_failing_work())
        await processor.process_update(_update(2, CHAT_A), _handled(journal, 2))
    assert journal.events == ["began 2", "ended 2"]
    assert "the database went away" in caplog.text


async def test_outside_an_update_the_caller_finishes_its_own_work() -> None:
    work: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    assert not finish_before_next_update(work)
    assert not work.done()  # left to its caller, untouched
    work.set_result(None)


async def test_nothing_is_prepared_once_closing() -> None:
    journal = Journal()
    processor = PerChatUpdateProcessor(max_concurrent_updates=1, prepare=journal.prepare)
    processor.close()
    handled = _handled(journal, 1)
    await processor.process_update(_update(1, CHAT_A), handled)
    assert journal.events == []
    assert processor.left_unhandled == [1]


async def test_an_update_whose_preparation_fails_is_still_handled(caplog: pytest.LogCaptureFixture) -> None:
    journal = Journal()

    async def fails(update: Update) -> None:
        raise ValueError(f"cannot read update {update.update_id}")

    processor = PerChatUpdateProcessor(max_concurrent_updates=1, prepare=fails)
    with caplog.at_level(logging.WARNING, logger="bot.intake.processing"):
        await processor.process_update(_update(1, CHAT_A), _handled(journal, 1))

    assert journal.events == ["began 1", "ended 1"]
    assert "cannot read update 1" in caplog.text
