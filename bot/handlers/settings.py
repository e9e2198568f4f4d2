"""Settings: language, quiet hours, kinds of update, unlinking a child, withdrawing consent."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.context import CarerlineContext
from bot.formatting import time_of_day
from bot.guards import needs_consent
from bot.kind_answers import old_button
from bot.menu import MY_DATA, SETTINGS, button, keyboard, menu_button
from bot.turns import Turn, matched, say, switch_language
from core.i18n import LANGUAGE_NAMES, SUPPORTED_LANGUAGES, plain_text, text
from db.models import UPDATE_KINDS, Carer
from db.types import utc_now
from services.carers.settings import (
    QUIET_HOURS_PRESETS,
    SettingRefused,
    ask_to_unlink,
    list_linked_children,
    set_quiet_hours,
    set_update_kind,
    unlink_child,
)
from services.carers.settings import set_language as save_language
from services.carers.consent import ask_to_withdraw, withdraw_consent
from services.carers.conversations import StaleStepError

LANGUAGE_PATTERN = r"^set:lang:([a-z]{2})$"
QUIET_PATTERN = r"^set:quiet:([0-9]{2}-[0-9]{2}|off)$"
KIND_PATTERN = r"^set:kind:([a-z_]+):([01])$"
UNLINK_CHILD_PATTERN = r"^set:unlink:(\d+)$"
UNLINK_YES_PATTERN = r"^set:unlink_yes:(\d+)$"
WITHDRAW_YES_PATTERN = r"^set:withdraw_yes:(\d+)$"


def _back_to_settings(language: str) -> list:
    return [button("settings.button.back", SETTINGS.callback_data, language=language), menu_button(language)]


def _describe(carer: Carer, language: str) -> str:
    if carer.quiet_hours_start is not None and carer.quiet_hours_end is not None:
        # Parts are filled in unescaped: the summary escapes each value once.
        quiet = plain_text(
            "settings.quiet_on",
            language=language,
            start=time_of_day(carer.quiet_hours_start, language=language),
            end=time_of_day(carer.quiet_hours_end, language=language),
        )
    else:
        quiet = plain_text("settings.quiet_off", language=language)
    wanted = [plain_text(f"settings.kind.{kind}", language=language) for kind in UPDATE_KINDS if kind not in carer.muted_update_kinds]
    updates = ", ".join(wanted) if wanted else plain_text("settings.kinds_none", language=language)
    return text("settings.summary", language=language, language_name=LANGUAGE_NAMES[carer.language], quiet=quiet, updates=updates)


def _settings_keyboard(language: str) -> InlineKeyboardMarkup:
    return keyboard(
        [button("settings.button.language", "set:language", language=language)],
        [button("settings.button.quiet", "set:quiet", language=language)],
        [button("settings.button.kinds", "set:kinds", language=language)],
        [button("settings.button.contact", "set:contact", language=language)],
        [button("settings.button.unlink", "set:unlink", language=language)],
        [button("settings.button.withdraw", "set:withdraw", language=language)],
        [menu_button(language)],
    )


async def _send_settings(context: CarerlineContext, turn: Turn, carer: Carer, *, intro_key: str | None = None) -> None:
    parts = [text(intro_key, language=turn.language)] if intro_key else []
    parts.append(_describe(carer, turn.language))
    await say(context, turn, "\n\n".join(parts), keyboard=_settings_keyboard(turn.language), kind="settings")


@needs_consent
async def show_settings(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """menu:settings and /settings."""
    assert turn.chat.carer is not None
    await _send_settings(context, turn, turn.chat.carer)


@needs_consent
async def choose_language(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """set:language: one button per language, each in its own language."""
    rows = [[button("settings.language_name", f"set:lang:{code}", language=code, name=LANGUAGE_NAMES[code])] for code in SUPPORTED_LANGUAGES]
    body = text("settings.choose_language", language=turn.language)
    await say(context, turn, body, keyboard=keyboard(*rows, _back_to_settings(turn.language)), kind="settings")


@needs_consent
async def change_language(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """set:lang:<code>: save, then answer in the new language."""
    try:
        async with context.services.database.transaction() as session:
            carer = await save_language(session, carer_id=turn.carer_id, language=matched(context))
    except SettingRefused:
        await old_button(update, context)
        return
    await _send_settings(context, switch_language(context, carer.language), carer, intro_key="settings.language_saved")


@needs_consent
async def choose_quiet_hours(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """set:quiet: the quiet-hours choices."""
    language = turn.language
    rows = [
        [
            button(
                "settings.quiet_choice",
                f"set:quiet:{preset}",
                language=language,
                start=time_of_day(start, language=language),
                end=time_of_day(end, language=language),
            )
        ]
        for preset, (start, end) in QUIET_HOURS_PRESETS.items()
    ]
    rows.append([button("settings.button.quiet_off", "set:quiet:off", language=language)])
    body = text("settings.choose_quiet", language=language)
    await say(context, turn, body, keyboard=keyboard(*rows, _back_to_settings(language)), kind="settings")


@needs_consent
async def change_quiet_hours(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """set:quiet:<preset|off>."""
    choice = matched(context)
    try:
        async with context.services.database.transaction() as session:
            carer = await set_quiet_hours(session, carer_id=turn.carer_id, preset=None if choice == "off" else choice)
    except SettingRefused:
        await old_button(update, context)
        return
    await _send_settings(context, turn, carer, intro_key="settings.quiet_saved")


def _kinds_keyboard(carer: Carer, language: str) -> InlineKeyboardMarkup:
    rows = []
    for kind in UPDATE_KINDS:
        is_on = kind not in carer.muted_update_kinds
        label_key = "settings.kind_on" if is_on else "settings.kind_off"
        name = plain_text(f"settings.kind.{kind}", language=language)
        rows.append([button(label_key, f"set:kind:{kind}:{0 if is_on else 1}", language=language, kind=name)])
    return keyboard(*rows, _back_to_settings(language))


@needs_consent
async def choose_kinds(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """set:kinds: each kind of update with a switch."""
    assert turn.chat.carer is not None
    body = text("settings.choose_kinds", language=turn.language)
    await say(context, turn, body, keyboard=_kinds_keyboard(turn.chat.carer, turn.language), kind="settings")


@needs_consent
async def change_kind(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """set:kind:<kind>:<1 on|0 off>."""
    try:
        async with context.services.database.transaction() as session:
            carer = await set_update_kind(
                session, carer_id=turn.carer_id, kind=matched(context, 1), is_wanted=matched(context, 2) == "1"
            )
    except SettingRefused:
        await old_button(update, context)
        return
    body = "\n\n".join([text("settings.kinds_saved", language=turn.language), text("settings.choose_kinds", language=turn.language)])
    await say(context, turn, body, keyboard=_kinds_keyboard(carer, turn.language), kind="settings")


@needs_consent
async def choose_child_to_unlink(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """set:unlink: one button per linked child."""
    async with context.services.database.transaction() as session:
        children = await list_linked_children(session, carer_id=turn.carer_id)
    language = turn.language
    if not children:
        await say(context, turn, text("settings.unlink_none", language=language), keyboard=keyboard(_back_to_settings(language)))
        return
    rows = [[button("settings.unlink_choice", f"set:unlink:{child.child_id}", language=language, child=child.name, school=child.school)] for child in children]
    body = text("settings.choose_unlink", language=language)
    await say(context, turn, body, keyboard=keyboard(*rows, _back_to_settings(language)), kind="settings")


@needs_consent
async def confirm_unlink(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """set:unlink:<child>: are you sure?"""
    try:
        async with context.services.database.transaction() as session:
            name, version = await ask_to_unlink(
                session, chat_id=turn.chat_id, carer_id=turn.carer_id, child_id=int(matched(context)), now=utc_now()
            )
    except SettingRefused:
        await old_button(update, context)
        return
    language = turn.language
    buttons = keyboard(
        [button("settings.button.unlink_yes", f"set:unlink_yes:{version}", language=language, child=name)],
        [button("settings.button.no_keep", SETTINGS.callback_data, language=language)],
    )
    await say(context, turn, text("settings.confirm_unlink", language=language, child=name), keyboard=buttons, kind="settings")


@needs_consent(continues_step=True)
async def unlink(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """set:unlink_yes:<version>: unlink the child."""
    try:
        async with context.services.database.transaction() as session:
            name = await unlink_child(
                session, chat_id=turn.chat_id, carer_id=turn.carer_id, expected_version=int(matched(context)), now=utc_now()
            )
    except StaleStepError:
        await old_button(update, context)
        return
    body = text("settings.unlinked", language=turn.language, child=name)
    await say(context, turn, body, keyboard=keyboard(_back_to_settings(turn.language)), kind="settings")


@needs_consent
async def confirm_withdraw(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """set:withdraw: say what withdrawing means, and ask."""
    async with context.services.database.transaction() as session:
        version = await ask_to_withdraw(session, chat_id=turn.chat_id, now=utc_now())
    language = turn.language
    buttons = keyboard(
        [button("settings.button.withdraw_yes", f"set:withdraw_yes:{version}", language=language)],
        [button("settings.button.no_keep", SETTINGS.callback_data, language=language)],
    )
    await say(context, turn, text("settings.confirm_withdraw", language=language), keyboard=buttons, kind="settings")


@needs_consent(continues_step=True)
async def withdraw(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """set:withdraw_yes:<version>: withdraw consent, and say what still comes."""
    try:
        async with context.services.database.transaction() as session:
            await withdraw_consent(session, chat_id=turn.chat_id, expected_version=int(matched(context)), now=utc_now())
    except StaleStepError:
        await old_button(update, context)
        return
    language = turn.language
    buttons = keyboard(
        [button("consent.button.give_again", "consent:again", language=language)],
        [button(MY_DATA.label_key, MY_DATA.callback_data, language=language)],
        [button("menu.button.help", "menu:help", language=language)],
    )
    await say(context, turn, text("settings.withdrawn", language=language), keyboard=buttons, kind="consent_withdrawn")
