"""My application: every HTST application for the carer's children, with each step and its date."""

from __future__ import annotations

from telegram import Update

from bot.context import CarerlineContext
from bot.guards import needs_consent
from bot.menu import back_to_menu_keyboard
from bot.turns import Turn, council_contact, say
from core.i18n import text
from messaging.rendering import day
from services.applications.stages import ApplicationHistory, applications_for_carer
from messaging.quiet_hours import UK


@needs_consent
async def show_my_application(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """menu:application and /application."""
    async with context.services.database.transaction() as session:
        histories = await applications_for_carer(session, carer_id=turn.carer_id)
    language = turn.language
    if not histories:
        body = text("updates.my_application.none", language=language, **council_contact(context))
    else:
        blocks = [text("updates.my_application.heading", language=language)]
        blocks += [_history_block(history, language=language) for history in histories]
        blocks.append(text("updates.application.call", language=language, **council_contact(context)))
        body = "\n\n".join(blocks)
    await say(context, turn, body, keyboard=back_to_menu_keyboard(language), kind="my_application")


def _history_block(history: ApplicationHistory, *, language: str) -> str:
    lines = [
        text(
            "updates.my_application.child", language=language, child=history.child_name,
            reference=history.reference, date=day(history.received_on, language=language),
        )
    ]
    for changed_at, stage in history.steps:
        lines.append(
            text(
                "updates.my_application.step", language=language,
                date=day(changed_at.astimezone(UK).date(), language=language),
                stage=text(f"updates.my_application.stage.{stage}", language=language),
            )
        )
    return "\n".join(lines)
