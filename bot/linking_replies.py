"""What a carer is told after trying a code, and the question of which carer they are when we cannot tell."""

from __future__ import annotations

from telegram import InlineKeyboardButton

from bot.context import CarerlineContext
from bot.formatting import uk_time_of_day
from bot.menu import back_to_menu_keyboard, button, keyboard, main_menu_keyboard, menu_button
from bot.turns import Turn, council_contact, say
from core.i18n import text
from services.carers.contacts import ContactChoice
from services.carers.linking import LinkOutcome, LinkResult


async def link_reply(context: CarerlineContext, turn: Turn, result: LinkResult) -> None:
    """Say what happened and what to do next; the menu when linked, the way back otherwise."""
    language = turn.language
    contact = council_contact(context)
    if result.outcome in (LinkOutcome.LINKED, LinkOutcome.ALREADY_LINKED):
        key = "linking.linked" if result.outcome == LinkOutcome.LINKED else "linking.already_linked"
        body = text(key, language=language, child=result.child_name or "")
        await say(context, turn, body, keyboard=main_menu_keyboard(language), kind=f"linking_{result.outcome}")
        if result.contact_choice is not None:
            await ask_which_carer(context, turn, result.contact_choice)
        return
    if result.outcome == LinkOutcome.LOCKED_OUT:
        assert result.locked_until is not None
        until = uk_time_of_day(result.locked_until, language=language)
        body = text("linking.locked_out", language=language, time=until, **contact)
    else:
        body = text(f"linking.{result.outcome}", language=language, **contact)
    await say(context, turn, body, keyboard=back_to_menu_keyboard(language), kind=f"linking_{result.outcome}")


async def ask_which_carer(context: CarerlineContext, turn: Turn, choice: ContactChoice) -> None:
    """The council holds two carers for the child: which one is this? (buttons with their first names, or neither)."""
    language = turn.language
    rows = [[InlineKeyboardButton(name, callback_data=f"cont:who:{choice.child_id}:{contact_id}")] for contact_id, name in choice.options]
    rows.append([button("contact.button.neither", f"cont:who:{choice.child_id}:0", language=language)])
    body = text("contact.choose_who", language=language, child=choice.child_name)
    await say(context, turn, body, keyboard=keyboard(*rows, [menu_button(language)]), kind="contact_choose_who")
