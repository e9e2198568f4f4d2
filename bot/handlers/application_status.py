"""My application: every HTST application for the carer's children: received, promised by, each step, and lateness."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from telegram import Update

from bot.context import CarerlineContext
from bot.guards import needs_consent
from bot.handlers.complaints import BOT_CLOCK
from bot.menu import back_to_menu_keyboard
from bot.turns import Turn, council_contact, say
from core.i18n import text
from db.models import ApplicationStage
from db.types import utc_now
from messaging.quiet_hours import UK
from messaging.rendering import day
from services.applications.stages import ApplicationHistory, applications_for_carer


@needs_consent
async def show_my_application(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """menu:application and /application."""
    async with context.services.database.transaction() as session:
        histories = await applications_for_carer(session, carer_id=turn.carer_id)
    language = turn.language
    contact = council_contact(context)
    if not histories:
        body = text("updates.my_application.none", language=language, **contact)
    else:
        today = _today(context)
        blocks = [text("updates.my_application.heading", language=language)]
        blocks += [_history_block(history, language=language, today=today, contact=contact) for history in histories]
        blocks.append(text("updates.application.call", language=language, **contact))
        body = "\n\n".join(blocks)
    await say(context, turn, body, keyboard=back_to_menu_keyboard(language), kind="my_application")


def _today(context: CarerlineContext) -> date:
    clock: Callable[[], datetime] | None = context.bot_data.get(BOT_CLOCK)
    return (clock() if clock is not None else utc_now()).astimezone(UK).date()


def _history_block(history: ApplicationHistory, *, language: str, today: date, contact: dict[str, str]) -> str:
    lines = [
        text(
            "updates.my_application.child", language=language, child=history.child_name,
            reference=history.reference, date=day(history.received_on, language=language),
        )
    ]
    if history.is_open:
        lines.append(text("updates.my_application.promised_by", language=language,
                          date=day(history.promised_by, language=language)))
    for changed_at, stage in history.steps:
        # The received step is the day it was received (the line above), not the day an officer typed it in.
        if stage == ApplicationStage.RECEIVED:
            continue
        lines.append(
            text(
                "updates.my_application.step", language=language,
                date=day(changed_at.astimezone(UK).date(), language=language),
                stage=text(f"updates.my_application.stage.{stage}", language=language),
            )
        )
    if history.is_late(today=today):
        lines.append(text("updates.my_application.late", language=language,
                          date=day(history.promised_by, language=language), reference=history.reference, **contact))
    return "\n".join(lines)
