"""Handlers that need a carer who has consented (or, for data rights, any carer we hold).

Going anywhere else leaves a half-finished step, so its confirmation buttons stop working; only the
handler that finishes the step passes continues_step=True.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import replace

from telegram import Update

from bot.context import CarerlineContext
from bot.handlers.consent import show_privacy_notice
from bot.turns import Turn, remember_turn, turn_of
from db.types import utc_now
from services.carers.conversations import Step, leave_step, remember_as_found

TurnHandler = Callable[[Update, CarerlineContext, Turn], Awaitable[None]]
Handler = Callable[[Update, CarerlineContext], Awaitable[None]]
Decorator = Callable[[TurnHandler], Handler]


def needs_consent(handler: TurnHandler | None = None, *, continues_step: bool = False) -> Handler | Decorator:
    """Run the handler only for a carer whose consent stands; show the privacy notice otherwise."""
    return _guard(handler, is_allowed=lambda turn: turn.has_consent, continues_step=continues_step)


def needs_carer(handler: TurnHandler | None = None, *, continues_step: bool = False) -> Handler | Decorator:
    """Run the handler for any carer we hold data about, even after consent was withdrawn."""
    return _guard(handler, is_allowed=lambda turn: turn.chat.carer is not None, continues_step=continues_step)


def with_turn(handler: TurnHandler) -> Handler:
    """Run the handler for anyone, with the turn read at the start of the update."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: CarerlineContext) -> None:
        turn = turn_of(context)
        if turn is not None:
            await handler(update, context, turn)

    return guarded


def _guard(handler: TurnHandler | None, *, is_allowed: Callable[[Turn], bool], continues_step: bool) -> Handler | Decorator:
    def decorate(inner: TurnHandler) -> Handler:
        @functools.wraps(inner)
        async def guarded(update: Update, context: CarerlineContext) -> None:
            turn = turn_of(context)
            if turn is None:
                return
            if not is_allowed(turn):
                await show_privacy_notice(context, turn)
                return
            if not continues_step and turn.chat.step not in (Step.IDLE, Step.AWAITING_CONSENT):
                turn = await _leave_step(context, turn)
            await inner(update, context, turn)

        return guarded

    return decorate(handler) if handler is not None else decorate


async def _leave_step(context: CarerlineContext, turn: Turn) -> Turn:
    async with context.services.database.transaction() as session:
        version = await leave_step(session, chat_id=turn.chat_id, now=utc_now())
    left = replace(turn, chat=replace(turn.chat, step=Step.IDLE, data={}, version=version))
    remember_turn(context, left)
    remember_as_found(left.chat)  # committed: the handler's steps need not read it again
    return left
