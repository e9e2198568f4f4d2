"""Record every incoming update before any other handler sees it, with the reads its turn starts from.

The updates of a crowd are recorded together (group commit): whatever arrived while the last group was being
written goes into the next one, so a crowd makes a few short transactions instead of one each. Every update
still waits until its own record is committed before any handler runs.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Chat, Update
from telegram.ext import ApplicationHandlerStop

from bot.context import SERVICES_KEY, CarerlineContext
from bot.turns import remember_opening
from bot.updates import summarise_update
from db.dao.arrivals import is_single_write
from db.dao.delivery.message_log import InboundRow
from db.group_commit import GroupCommit
from db.types import fits_bigint, utc_now
from messaging.channels.telegram_updates import has_replaced_characters, is_unreadable
from messaging.dependencies import Dependencies
from services.carers.arrivals import Arrival, ArrivalRecord, record_arrivals

_RECORDER_KEY = "carerline_update_recorder"
_BEGUN_KEY = "carerline_records_begun_before_slot"
MAX_UPDATES_PER_WRITE = 200


async def record_incoming_update(update: Update, context: CarerlineContext) -> None:
    """Keep the council's copy of what arrived; stop here if it is a redelivery or could not be read.

    The same write counts the update in the chat's flood window and reads the chat's carer and conversation
    state for `begin_turn`, so a turn starts with one write. An update recorded while it waited for a
    working slot (`record_before_slot`) is not written again.
    """
    if not fits_bigint(update.update_id):
        raise ApplicationHandlerStop  # screening already warned; no column can hold this id
    begun = _records_begun(context.bot_data).pop(update.update_id, None)
    record = await (begun if begun is not None else _recorder(context.bot_data).submit(_arrival_of(update)))
    if record.opening is not None:
        remember_opening(context, record.opening)
    if not record.is_new:
        context.services.metrics.updates_duplicate.inc()
        raise ApplicationHandlerStop
    if is_unreadable(update):
        raise ApplicationHandlerStop  # recorded as "unreadable"; no handler meets it


async def record_before_slot(update: Update, *, bot_data: dict[str, Any]) -> ArrivalRecord | None:
    """Record a chat's update as soon as it is the chat's turn, while it still waits for a working slot.

    A crowd's updates are then recorded together, not a slot's worth at a time. The chat's earlier updates are
    finished, so the chat state read with the record is the one its handlers meet. The outcome, an error too,
    waits for `record_incoming_update`; the record is also returned here (None if it failed or cannot be made).
    """
    if not fits_bigint(update.update_id):
        return None
    recorded = _recorder(bot_data).enqueue(_arrival_of(update))
    _records_begun(bot_data)[update.update_id] = recorded
    await asyncio.wait([recorded])
    if recorded.cancelled() or recorded.exception() is not None:
        return None
    return recorded.result()


def _arrival_of(update: Update) -> Arrival:
    summary = summarise_update(update)
    row = InboundRow(
        update_id=update.update_id,
        chat_id=summary.chat_id,
        kind=summary.kind,
        text=summary.text,  # dropped while recording unless the chat's carer has consented
        telegram_message_id=summary.telegram_message_id,
        has_replaced_characters=has_replaced_characters(update),
    )
    turn_chat_id = None if is_unreadable(update) else turn_chat_of(update)
    return Arrival(row=row, turn_chat_id=turn_chat_id)


def turn_chat_of(update: Update) -> int | None:
    """The private chat whose turn this update is (a message or a button press from a person), else None."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or chat.type != Chat.PRIVATE:
        return None
    if update.effective_message is None and update.callback_query is None:
        return None
    return chat.id


async def _write_arrivals(
    session: AsyncSession, arrivals: list[Arrival], *, max_updates: int, window_s: float
) -> list[ArrivalRecord]:
    return await record_arrivals(session, arrivals=arrivals, now=utc_now(), max_updates=max_updates, window_s=window_s)


def _records_begun(bot_data: dict[str, Any]) -> dict[int, asyncio.Future[ArrivalRecord]]:
    """Update id -> its record, begun before the update's slot."""
    return bot_data.setdefault(_BEGUN_KEY, {})  # type: ignore[no-any-return]


def _recorder(bot_data: dict[str, Any]) -> GroupCommit[Arrival, ArrivalRecord]:
    """The process's one recorder (the updates of many chats share its transactions)."""
    recorder = bot_data.get(_RECORDER_KEY)
    if recorder is None:
        services: Dependencies = bot_data[SERVICES_KEY]
        settings = services.settings
        write = partial(
            _write_arrivals, max_updates=settings.chat_flood_max_updates, window_s=settings.chat_flood_window_s
        )
        database = services.database
        recorder = bot_data[_RECORDER_KEY] = GroupCommit(
            database=database, write=write, name="update-recorder",
            max_batch=MAX_UPDATES_PER_WRITE, key=lambda arrival: arrival.turn_chat_id,
            single_write=is_single_write(database),
        )
    return recorder
