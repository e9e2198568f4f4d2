"""The privacy notice and consent: shown before anything beyond the chat id is kept."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.context import CarerlineContext
from bot.linking_replies import link_reply
from bot.menu import MY_DATA, back_to_menu_keyboard, button, keyboard, main_menu_keyboard
from bot.turns import Turn, council_contact, in_shared_transaction, say, turn_of
from core.i18n import text
from db.types import utc_now
from services.carers.consent import ask_for_consent, decline_consent, give_consent, is_single_write
from services.carers.conversations import Step, StaleStepError

AGREE_PATTERN = r"^consent:agree:(\d+)$"
DECLINE_PATTERN = r"^consent:decline:(\d+)$"
AGAIN = "consent:again"


async def show_privacy_notice(
    context: CarerlineContext, turn: Turn, *, pending_code: str | None = None, intro_key: str | None = None
) -> None:
    """Welcome (or remind) the person, show the notice and ask to continue."""
    now = utc_now()
    version = await in_shared_transaction(
        context, lambda session: ask_for_consent(session, chat_id=turn.chat_id, pending_code=pending_code, now=now),
        single_write=True,
    )
    settings = context.services.settings
    has_withdrawn = turn.chat.carer is not None and not turn.has_consent
    intro = intro_key or ("consent.withdrawn_reminder" if has_withdrawn else "start.welcome")
    body = "\n\n".join(
        [
            text(intro, language=turn.language),
            text("consent.notice", language=turn.language, url=settings.privacy_notice_url),
            text("consent.question", language=turn.language),
        ]
    )
    await say(context, turn, body, keyboard=_notice_keyboard(turn, version, has_withdrawn), kind="privacy_notice")


def _notice_keyboard(turn: Turn, version: int, has_withdrawn: bool) -> InlineKeyboardMarkup:
    language = turn.language
    rows = [
        [button("consent.button.agree", f"consent:agree:{version}", language=language)],
        [button("consent.button.decline", f"consent:decline:{version}", language=language)],
    ]
    if has_withdrawn:
        rows.append([button(MY_DATA.label_key, MY_DATA.callback_data, language=language)])
    return keyboard(*rows)


async def agree(update: Update, context: CarerlineContext) -> None:
    """The person agreed: record consent, then link any code they brought or ask for one."""
    turn = turn_of(context)
    assert turn is not None and update.effective_user is not None
    first_name, now = update.effective_user.first_name or "", utc_now()
    try:
        given = await in_shared_transaction(context, lambda session: give_consent(
            session,
            chat_id=turn.chat_id,
            first_name=first_name,
            language=turn.language,
            notice_version=context.services.settings.privacy_notice_version,
            now=now,
            found_no_carer=turn.chat.carer is None,
        ), single_write=is_single_write(chat=turn.chat, database=context.services.database))
    except StaleStepError:
        await show_privacy_notice(context, turn, intro_key="consent.old_button")
        return
    if given.link is not None:
        await link_reply(context, turn, given.link)
    elif given.step == Step.AWAITING_CODE:
        body = text("consent.thanks_ask_code", language=turn.language)
        await say(context, turn, body, keyboard=back_to_menu_keyboard(turn.language), kind="consent_given")
    else:
        body = text("consent.thanks", language=turn.language, name=given.first_name)
        await say(context, turn, body, keyboard=main_menu_keyboard(turn.language), kind="consent_given")


async def decline(update: Update, context: CarerlineContext) -> None:
    """Not now: nothing more is kept, and they can change their mind at any time."""
    turn = turn_of(context)
    assert turn is not None
    try:
        async with context.services.database.transaction() as session:
            await decline_consent(session, chat_id=turn.chat_id, now=utc_now())
    except StaleStepError:
        await show_privacy_notice(context, turn, intro_key="consent.old_button")
        return
    again = keyboard([button("consent.button.read_again", AGAIN, language=turn.language)])
    body = text("consent.declined", language=turn.language, **council_contact(context))
    await say(context, turn, body, keyboard=again, kind="consent_declined")


async def read_again(update: Update, context: CarerlineContext) -> None:
    """Show the notice again (after declining, withdrawing or erasing)."""
    turn = turn_of(context)
    assert turn is not None
    if turn.has_consent:
        await say(context, turn, text("consent.already_given", language=turn.language), keyboard=main_menu_keyboard(turn.language))
        return
    await show_privacy_notice(context, turn)
