"""What a carer is told after trying a code."""

from __future__ import annotations

from bot.context import CarerlineContext
from bot.formatting import uk_time_of_day
from bot.menu import back_to_menu_keyboard, main_menu_keyboard
from bot.turns import Turn, council_contact, say
from core.i18n import text
from services.carers.linking import LinkOutcome, LinkResult


async def link_reply(context: CarerlineContext, turn: Turn, result: LinkResult) -> None:
    """Say what happened and what to do next; the menu when linked, the way back otherwise."""
    language = turn.language
    contact = council_contact(context)
    if result.outcome in (LinkOutcome.LINKED, LinkOutcome.ALREADY_LINKED):
        key = "linking.linked" if result.outcome == LinkOutcome.LINKED else "linking.already_linked"
        body = text(key, language=language, child=result.child_name or "")
        await say(context, turn, body, keyboard=main_menu_keyboard(language), kind=f"linking_{result.outcome}")
        return
    if result.outcome == LinkOutcome.LOCKED_OUT:
        assert result.locked_until is not None
        until = uk_time_of_day(result.locked_until, language=language)
        body = text("linking.locked_out", language=language, time=until, **contact)
    else:
        body = text(f"linking.{result.outcome}", language=language, **contact)
    await say(context, turn, body, keyboard=back_to_menu_keyboard(language), kind=f"linking_{result.outcome}")
