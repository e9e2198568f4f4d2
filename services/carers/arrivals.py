"""Every incoming update is recorded before anything else happens, together with what its turn needs to start.

One call records a whole group of updates (a crowd arriving at once) in four or five statements: three reads
(the carers of their chats, the turns' conversation states, and which turns' chats without a carer are
operator chats), then one write (db/dao/arrivals.py: the message-log rows, redeliveries found by their update
id, and one count in each new turn's chat's flood window; two statements on SQLite). Reads first, so that on
PostgreSQL the group needs no transaction (Database.single_write). Each chat appears at most once in a group,
so every update's turn reads its chat as the previous update of that chat left it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.arrivals import record_and_count
from db.dao.carers.accounts import fetch_carers_by_chat_ids
from db.dao.carers.conversations import fetch_conversations
from db.dao.delivery.message_log import InboundRow
from db.dao.operator_chats import fetch_operator_chat_ids
from services.carers.conversations import ChatContext, ThrottleDecision, chat_context_of, throttle_decision


@dataclass(frozen=True)
class Arrival:
    """An update to record and, when it is a person's message or press in a private chat, the turn it opens."""

    row: InboundRow
    turn_chat_id: int | None


@dataclass(frozen=True)
class TurnOpening:
    """What the recording also read for the turn: the throttle's decision and the chat's state."""

    decision: ThrottleDecision
    chat: ChatContext


@dataclass(frozen=True)
class ArrivalRecord:
    """Whether the update was new (not a redelivery) and, if it opens a turn, the turn's opening."""

    is_new: bool
    opening: TurnOpening | None


async def record_arrivals(
    session: AsyncSession, *, arrivals: list[Arrival], now: datetime, max_updates: int, window_s: float
) -> list[ArrivalRecord]:
    """Record the updates (words kept only from consenting carers); one record per arrival, in order."""
    turn_chats = [arrival.turn_chat_id for arrival in arrivals if arrival.turn_chat_id is not None]
    if len(turn_chats) != len(set(turn_chats)):
        raise ValueError("a chat may open only one turn per group of arrivals")
    chat_ids = {arrival.row.chat_id for arrival in arrivals if arrival.row.chat_id is not None}
    carers = await fetch_carers_by_chat_ids(session, chat_ids=sorted(chat_ids | set(turn_chats))) if chat_ids else {}
    rows = []
    for arrival in arrivals:
        carer = carers.get(arrival.row.chat_id) if arrival.row.chat_id is not None else None
        has_consent = carer is not None and carer.has_consent
        rows.append(arrival.row if has_consent else replace(arrival.row, text=None))
    conversations = {}
    operator_chats: set[int] = set()
    if turn_chats:  # read for every turn, also one a redelivery will not open: the write comes last
        conversations = await fetch_conversations(session, chat_ids=turn_chats)
        without_carer = [chat_id for chat_id in turn_chats if chat_id not in carers]
        if without_carer:
            operator_chats = await fetch_operator_chat_ids(session, chat_ids=without_carer)
    counted_chats = {
        arrival.row.update_id: arrival.turn_chat_id for arrival in arrivals if arrival.turn_chat_id is not None
    }
    recorded = await record_and_count(
        session, rows=rows, counted_chats=counted_chats, now=now, window_started_by=now - timedelta(seconds=window_s),
        max_updates=max_updates,
    )
    new_update_ids, counts = recorded.new_update_ids, recorded.counts
    records = []
    for arrival in arrivals:
        is_new = arrival.row.update_id in new_update_ids
        chat_id = arrival.turn_chat_id
        if not is_new or chat_id is None:
            records.append(ArrivalRecord(is_new=is_new, opening=None))
            continue
        carer = carers.get(chat_id)
        chat = chat_context_of(chat_id=chat_id, carer=carer, conversation=conversations.get(chat_id))
        if carer is None:
            chat = replace(chat, is_operator_chat=chat_id in operator_chats)
        decision = throttle_decision(count=counts[chat_id], max_updates=max_updates)
        records.append(ArrivalRecord(is_new=True, opening=TurnOpening(decision=decision, chat=chat)))
    return records

