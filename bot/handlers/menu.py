"""The parents' menu and its simple entries: My transport, Help, and the entries still to come."""

from __future__ import annotations

from telegram import Update

from bot.context import CarerlineContext
from bot.formatting import time_of_day
from bot.guards import needs_consent, with_turn
from bot.menu import back_to_menu_keyboard, button, keyboard, main_menu_keyboard, menu_button
from bot.turns import Turn, council_contact, in_shared_transaction, say
from core.i18n import text
from db.dao.transport.for_carers import ChildTransportRow
from db.types import utc_now
from services.carers.menu import describe_transport, open_menu

LINK_ANOTHER = "link:another"


async def send_menu(context: CarerlineContext, turn: Turn, *, intro: str | None = None) -> None:
    """The menu, greeting the carer by name; a hint to type a code if no child is linked yet."""
    now = utc_now()
    children = await in_shared_transaction(
        context, lambda session: open_menu(session, chat_id=turn.chat_id, carer_id=turn.carer_id, now=now),
        single_write=True,
    )
    carer = turn.chat.carer
    parts = [intro] if intro else []
    parts.append(text("menu.main", language=turn.language, name=(carer.first_name if carer else None) or turn.first_name))
    if children == 0:
        parts.append(text("menu.no_children_hint", language=turn.language))
    await say(context, turn, "\n\n".join(parts), keyboard=main_menu_keyboard(turn.language), kind="menu")


@needs_consent(continues_step=True)  # open_menu leaves any half-finished step itself, in the same transaction
async def show_menu(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """menu:main and /menu."""
    await send_menu(context, turn)


@needs_consent
async def show_transport(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """My transport: route, pick-up window, operator and the numbers the council allows."""
    async with context.services.database.transaction() as session:
        rows = await describe_transport(session, carer_id=turn.carer_id)
    language = turn.language
    if not rows:
        body = text("transport.none", language=language)
    else:
        blocks = [_transport_block(row, language) for row in rows]
        blocks.append(text("transport.footer", language=language, **council_contact(context)))
        body = "\n\n".join(blocks)
    buttons = keyboard([button("transport.button.link_another", LINK_ANOTHER, language=language)], [menu_button(language)])
    await say(context, turn, body, keyboard=buttons, kind="my_transport")


def _transport_block(row: ChildTransportRow, language: str) -> str:
    lines = [text("transport.child", language=language, child=row.child.display_name, school=row.school.name)]
    if row.route is None:
        lines.append(text("transport.no_route", language=language))
        return "\n".join(lines)
    lines.append(text("transport.route", language=language, route=row.route.code, vehicle=row.route.vehicle_type))
    if row.route.is_suspended:
        lines.append(text("transport.suspended", language=language))
    if row.stop is None:
        lines.append(text("transport.no_pickup", language=language))
    else:
        lines.append(
            text(
                "transport.pickup",
                language=language,
                stop=row.stop.name,
                start=time_of_day(row.stop.pickup_from, language=language),
                end=time_of_day(row.stop.pickup_to, language=language),
            )
        )
    if row.operator is not None:
        key = "transport.operator_phone" if row.operator.public_phone else "transport.operator"
        lines.append(text(key, language=language, operator=row.operator.name, phone=row.operator.public_phone or ""))
    return "\n".join(lines)




@with_turn
async def show_help(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """Help: the council's transport team and Kent PACT, with phone numbers and opening hours."""
    settings = context.services.settings
    body = text(
        "menu.help",
        language=turn.language,
        council_phone=settings.council_transport_phone,
        council_hours=settings.council_transport_hours,
        pact_phone=settings.pact_phone,
        pact_hours=settings.pact_hours,
        url=settings.privacy_notice_url,
    )
    await say(context, turn, body, keyboard=back_to_menu_keyboard(turn.language), kind="help")
