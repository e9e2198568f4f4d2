"""My data: what we hold in plain words, a copy as a file, and erasure after a confirmation step."""

from __future__ import annotations

from telegram import Update

from bot.context import CarerlineContext
from bot.formatting import time_of_day, uk_time_of_day
from bot.guards import needs_carer
from bot.handlers.contact_settings import channel_name
from bot.kind_answers import old_button
from bot.menu import MY_DATA, button, keyboard, menu_button
from bot.replies import send_document_reply, send_reply_after_erasure
from bot.turns import Turn, matched, say
from core.i18n import LANGUAGE_NAMES, plain_text, text
from db.types import utc_now
from services.privacy.my_data import EXPORT_FILE_NAME, HeldData, ask_to_erase, describe_held_data, erase_my_data, export_carer_data
from services.carers.contact_details import masked_email, masked_mobile
from services.carers.contacts import HeldContact
from services.carers.conversations import StaleStepError

ERASE_YES_PATTERN = r"^data:erase_yes:(\d+)$"


def _describe(held: HeldData, language: str) -> str:
    lines = [text("data.intro", language=language)]
    lines.append(text("data.name", language=language, name=held.first_name or "—"))
    lines.append(text("data.language", language=language, language_name=LANGUAGE_NAMES.get(held.language, held.language)))
    if held.children:
        # Parts are filled in unescaped: the outer text escapes the whole value once.
        children = ", ".join(plain_text("data.child", language=language, child=name, school=school) for name, school in held.children)
        lines.append(text("data.children", language=language, children=children))
    else:
        lines.append(text("data.no_children", language=language))
    if held.quiet_hours is not None:
        start, end = held.quiet_hours
        lines.append(
            text("data.quiet", language=language, start=time_of_day(start, language=language), end=time_of_day(end, language=language))
        )
    if held.consent_given_at is not None:
        when = held.consent_given_at.date().strftime("%d/%m/%Y")
        key = "data.consent_withdrawn" if held.has_withdrawn else "data.consent"
        lines.append(text(key, language=language, date=when, version=held.consent_notice_version or ""))
    if held.contact is not None:
        lines.extend(_contact_lines(held.contact, language))
    lines.append(text("data.messages", language=language, count=held.message_count))
    lines.append(text("data.outro", language=language))
    return "\n".join(lines)


def _contact_lines(contact: HeldContact, language: str) -> list[str]:
    none = plain_text("contact.none_held", language=language)
    lines = [
        text(
            "data.contact",
            language=language,
            channel=channel_name(contact.channel, language),
            mobile=masked_mobile(contact.mobile_e164) if contact.mobile_e164 else none,
            email=masked_email(contact.email) if contact.email else none,
        )
    ]
    if contact.has_postal_address:
        lines.append(text("data.contact_address", language=language))
    return lines


@needs_carer
async def show_my_data(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """menu:mydata and /mydata."""
    async with context.services.database.transaction() as session:
        held = await describe_held_data(session, carer_id=turn.carer_id)
    language = turn.language
    buttons = keyboard(
        [button("data.button.export", "data:export", language=language)],
        [button("data.button.erase", "data:erase", language=language)],
        [menu_button(language)],
    )
    await say(context, turn, _describe(held, language), keyboard=buttons, kind="my_data")


@needs_carer
async def send_copy(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """data:export: everything as JSON inside a ZIP file, sent in the chat."""
    now = utc_now()
    async with context.services.database.transaction() as session:
        content = await export_carer_data(session, carer_id=turn.carer_id, now=now)
    language = turn.language
    caption = text("data.export_caption", language=language, time=uk_time_of_day(now, language=language))
    await send_document_reply(
        context=context,
        chat_id=turn.chat_id,
        content=content,
        file_name=EXPORT_FILE_NAME,
        caption=caption,
        keyboard=keyboard([button(MY_DATA.label_key, MY_DATA.callback_data, language=language)], [menu_button(language)]),
        kind="data_export",
    )


@needs_carer
async def confirm_erase(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """data:erase: say exactly what erasing means, and ask."""
    async with context.services.database.transaction() as session:
        version = await ask_to_erase(session, chat_id=turn.chat_id, now=utc_now())
    language = turn.language
    buttons = keyboard(
        [button("data.button.erase_yes", f"data:erase_yes:{version}", language=language)],
        [button("data.button.erase_no", MY_DATA.callback_data, language=language)],
    )
    await say(context, turn, text("data.confirm_erase", language=language), keyboard=buttons, kind="confirm_erase")


@needs_carer(continues_step=True)
async def erase(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """data:erase_yes:<version>: erase, then say so without keeping whom we said it to."""
    try:
        async with context.services.database.transaction() as session:
            await erase_my_data(session, chat_id=turn.chat_id, expected_version=int(matched(context)), now=utc_now())
    except StaleStepError:
        await old_button(update, context)
        return
    language = turn.language
    start_again = keyboard([button("data.button.start_again", "consent:again", language=language)])
    await send_reply_after_erasure(
        context=context, chat_id=turn.chat_id, text=text("data.erased", language=language), keyboard=start_again
    )
