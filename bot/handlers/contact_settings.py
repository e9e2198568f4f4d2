"""Settings, How we contact you: the channel used first, the mobile and email we hold; and which carer you are."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import CarerlineContext
from bot.guards import needs_consent
from bot.kind_answers import old_button
from bot.linking_replies import ask_which_carer
from bot.menu import SETTINGS, button, keyboard, main_menu_keyboard, menu_button
from bot.turns import Turn, matched, say
from core.i18n import plain_text, text
from db.models import ContactChannel
from db.types import utc_now
from services.carers.contact_details import DetailRefused, masked_email, masked_mobile
from services.carers.contacts import (
    ContactRefused,
    HeldContact,
    answer_contact_choice,
    ask_for_detail,
    change_email,
    change_mobile,
    choose_channel,
    pending_choices,
    read_held_contact,
    receive_detail,
)
from services.carers.conversations import Step

CONTACT = "set:contact"
CHOOSE_CHANNEL = "cont:channels"
CHANNEL_PATTERN = r"^cont:chan:(telegram|sms|email|letter)$"
ASK_PATTERN = r"^cont:ask:(mobile|email)$"
REMOVE_PATTERN = r"^cont:rm:(mobile|email)$"
WHO_PATTERN = r"^cont:who:(\d+):(\d+)$"  # child id, contact id (0: neither of these)
_STEPS = {"mobile": Step.CONTACT_MOBILE, "email": Step.CONTACT_EMAIL}


def channel_name(channel: ContactChannel, language: str) -> str:
    """The channel as a carer reads it (Telegram, text message, email, letter)."""
    return plain_text(f"contact.channel.{channel.value}", language=language)


def back_to_contact(language: str) -> list[InlineKeyboardButton]:
    """The way back to How we contact you, and to the menu."""
    return [button("contact.button.back", CONTACT, language=language), menu_button(language)]


def _describe(held: HeldContact, language: str) -> str:
    none = plain_text("contact.none_held", language=language)
    return text(
        "contact.summary",
        language=language,
        channel=channel_name(held.channel, language),
        mobile=masked_mobile(held.mobile_e164) if held.mobile_e164 else none,
        email=masked_email(held.email) if held.email else none,
    )


def _contact_keyboard(held: HeldContact, language: str) -> InlineKeyboardMarkup:
    rows = [[button("contact.button.choose_channel", CHOOSE_CHANNEL, language=language)]]
    for detail, value in (("mobile", held.mobile_e164), ("email", held.email)):
        verb = "change" if value else "add"
        row = [button(f"contact.button.{verb}_{detail}", f"cont:ask:{detail}", language=language)]
        if value:
            row.append(button(f"contact.button.remove_{detail}", f"cont:rm:{detail}", language=language))
        rows.append(row)
    rows.append([button("settings.button.back", SETTINGS.callback_data, language=language), menu_button(language)])
    return keyboard(*rows)


async def send_contact(context: CarerlineContext, turn: Turn, held: HeldContact, *, intro: str | None = None) -> None:
    """How we contact you, with an optional line saying what just changed."""
    body = "\n\n".join([part for part in (intro, _describe(held, turn.language)) if part])
    await say(context, turn, body, keyboard=_contact_keyboard(held, turn.language), kind="settings_contact")


@needs_consent
async def show_contact(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """set:contact: which carer you are first (if we cannot tell), then the channel and details we hold."""
    async with context.services.database.transaction() as session:
        choices = await pending_choices(session, carer_id=turn.carer_id, now=utc_now())
        held = await read_held_contact(session, carer_id=turn.carer_id)
    if choices:
        await ask_which_carer(context, turn, choices[0])
        return
    await send_contact(context, turn, held)


@needs_consent
async def answer_who(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """cont:who:<child>:<contact|0>: record which carer this is (or neither: then added to the same family)."""
    child_id, contact_id = int(matched(context, 1)), int(matched(context, 2))
    try:
        async with context.services.database.transaction() as session:
            child = await answer_contact_choice(
                session, carer_id=turn.carer_id, child_id=child_id, contact_id=contact_id or None, now=utc_now()
            )
            choices = await pending_choices(session, carer_id=turn.carer_id, now=utc_now())
    except ContactRefused:
        await old_button(update, context)
        return
    key = "contact.who_saved" if contact_id else "contact.who_not_listed"
    await say(context, turn, text(key, language=turn.language, child=child), keyboard=main_menu_keyboard(turn.language), kind="contact_who")
    if choices:
        await ask_which_carer(context, turn, choices[0])


@needs_consent
async def choose_channel_menu(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """cont:channels: one button per channel we hold what we need for."""
    async with context.services.database.transaction() as session:
        held = await read_held_contact(session, carer_id=turn.carer_id)
    language = turn.language
    rows = [
        [button("contact.button.channel", f"cont:chan:{channel.value}", language=language, channel=channel_name(channel, language))]
        for channel in ContactChannel
        if held.may_use(channel)
    ]
    body = text("contact.choose_channel", language=language, channel=channel_name(held.channel, language))
    await say(context, turn, body, keyboard=keyboard(*rows, back_to_contact(language)), kind="settings_contact")


@needs_consent
async def change_channel(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """cont:chan:<channel>: use it first."""
    channel = ContactChannel(matched(context))
    try:
        async with context.services.database.transaction() as session:
            held = await choose_channel(session, carer_id=turn.carer_id, channel=channel, now=utc_now())
    except ContactRefused:
        await old_button(update, context)
        return
    intro = text("contact.channel_saved", language=turn.language, channel=channel_name(channel, turn.language))
    await send_contact(context, turn, held, intro=intro)


@needs_consent
async def ask_detail(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """cont:ask:<mobile|email>: the next text typed is the new number or address."""
    detail = matched(context)
    async with context.services.database.transaction() as session:
        await ask_for_detail(session, chat_id=turn.chat_id, step=_STEPS[detail], now=utc_now())
    language = turn.language
    await say(context, turn, text(f"contact.ask_{detail}", language=language), keyboard=keyboard(back_to_contact(language)), kind="contact_ask")


@needs_consent
async def remove_detail(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """cont:rm:<mobile|email>: remove it (typing it again brings it back)."""
    detail = matched(context)
    change = change_mobile if detail == "mobile" else change_email
    async with context.services.database.transaction() as session:
        held = await change(session, carer_id=turn.carer_id, raw=None, now=utc_now())
    await send_contact(context, turn, held, intro=text(f"contact.{detail}_removed", language=turn.language))


async def receive_text(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """Text typed while we wait for a mobile number or email: save it, or say exactly what is wrong and stay."""
    message = update.effective_message
    assert message is not None and message.text is not None
    language = turn.language
    try:
        async with context.services.database.transaction() as session:
            held = await receive_detail(
                session, chat_id=turn.chat_id, carer_id=turn.carer_id, step=turn.chat.step, raw=message.text, now=utc_now()
            )
    except DetailRefused as refused:
        body = text(f"contact.{refused.reason}", language=language)
        await say(context, turn, body, keyboard=keyboard(back_to_contact(language)), kind="contact_refused")
        return
    if turn.chat.step == Step.CONTACT_MOBILE:
        intro = text("contact.mobile_saved", language=language, mobile=masked_mobile(held.mobile_e164 or ""))
    else:
        intro = text("contact.email_saved", language=language, email=masked_email(held.email or ""))
    await send_contact(context, turn, held, intro=intro)
