"""One update's view of its chat, read from the database before any handler runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardMarkup

from bot.context import CarerlineContext
from bot.replies import send_reply
from db.shared_transactions import SharedTransactions
from messaging.channels.telegram import SentText
from services.carers.arrivals import TurnOpening
from services.carers.conversations import ChatContext

T = TypeVar("T")
_TURN_ATTRIBUTE = "carerline_turn"
_SHARED_TRANSACTIONS_KEY = "carerline_shared_transactions"
_OPENING_ATTRIBUTE = "carerline_turn_opening"


@dataclass(frozen=True)
class Turn:
    """Who is talking, in which language, and where their conversation is."""

    chat_id: int
    first_name: str
    language: str
    chat: ChatContext

    @property
    def has_consent(self) -> bool:
        """True when the carer's consent stands."""
        return self.chat.has_consent

    @property
    def carer_id(self) -> int:
        """The carer's id (only call where a carer is known to exist)."""
        assert self.chat.carer is not None and self.chat.carer.id is not None
        return self.chat.carer.id


def turn_of(context: CarerlineContext) -> Turn | None:
    """The turn `begin_turn` prepared for this update, if any."""
    return getattr(context, _TURN_ATTRIBUTE, None)


def remember_turn(context: CarerlineContext, turn: Turn) -> None:
    """Keep the turn on the update's context (PTB shares one context across handler groups)."""
    setattr(context, _TURN_ATTRIBUTE, turn)


def opening_of(context: CarerlineContext) -> TurnOpening | None:
    """The throttle decision and chat state read with the update's record, if they were."""
    return getattr(context, _OPENING_ATTRIBUTE, None)


def remember_opening(context: CarerlineContext, opening: TurnOpening) -> None:
    """Keep them for `begin_turn` (one transaction per update instead of two)."""
    setattr(context, _OPENING_ATTRIBUTE, opening)


def switch_language(context: CarerlineContext, language: str) -> Turn:
    """Switch the rest of this update to another language (after the carer changed it)."""
    turn = turn_of(context)
    assert turn is not None
    changed = Turn(chat_id=turn.chat_id, first_name=turn.first_name, language=language, chat=turn.chat)
    setattr(context, _TURN_ATTRIBUTE, changed)
    return changed


async def say(
    context: CarerlineContext,
    turn: Turn,
    body: str,
    *,
    keyboard: InlineKeyboardMarkup | None = None,
    kind: str = "reply",
) -> SentText:
    """Send already-rendered HTML text to the turn's chat and record it."""
    return await send_reply(context=context, chat_id=turn.chat_id, text=body, keyboard=keyboard, kind=kind)


def council_contact(context: CarerlineContext) -> dict[str, str]:
    """The council transport team's phone number and hours, for texts that offer a way out."""
    settings = context.services.settings
    return {"phone": settings.council_transport_phone, "hours": settings.council_transport_hours}


def matched(context: CarerlineContext, group: int = 1) -> str:
    """A group of the callback_data pattern that matched."""
    assert context.matches
    return context.matches[0].group(group)


async def in_shared_transaction(
    context: CarerlineContext, unit: Callable[[AsyncSession], Awaitable[T]], *, single_write: bool = False
) -> T:
    """Run the turn's own short write together with other turns' (db/shared_transactions.py); its result once
    committed. The unit may run twice and must only use the session it is given. `single_write`: its one
    write is its last statement, in every path (Database.single_write)."""
    shared = context.bot_data.get(_SHARED_TRANSACTIONS_KEY)
    if shared is None:
        shared = context.bot_data[_SHARED_TRANSACTIONS_KEY] = SharedTransactions(context.services.database)
    return await shared.run(unit, single_write=single_write)
