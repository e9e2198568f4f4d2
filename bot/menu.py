"""The parents' menu: its entries, the keyboards, and the commands registered with setMyCommands."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError
from telegram.ext import Application

from core.i18n import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, plain_text

logger = logging.getLogger(__name__)
MAIN_MENU = "menu:main"


@dataclass(frozen=True)
class MenuEntry:
    """One menu entry: its button, its /command, and the catalog key of its label."""

    callback_data: str
    command: str
    label_key: str


TRANSPORT = MenuEntry("menu:transport", "transport", "menu.button.transport")
APPLICATION = MenuEntry("menu:application", "application", "menu.button.application")
PROBLEM = MenuEntry("menu:problem", "problem", "menu.button.problem")
FEEDBACK = MenuEntry("menu:feedback", "feedback", "menu.button.feedback")
COMPLAINT = MenuEntry("menu:complaint", "complaint", "menu.button.complaint")
COMPLAINTS = MenuEntry("menu:complaints", "complaints", "menu.button.complaints")
SETTINGS = MenuEntry("menu:settings", "settings", "menu.button.settings")
MY_DATA = MenuEntry("menu:mydata", "mydata", "menu.button.mydata")
HELP = MenuEntry("menu:help", "help", "menu.button.help")
MENU_ROWS: tuple[tuple[MenuEntry, ...], ...] = (
    (TRANSPORT,),
    (APPLICATION,),
    (PROBLEM,),
    (FEEDBACK, COMPLAINT),
    (COMPLAINTS, SETTINGS),
    (MY_DATA, HELP),
)
# Shown in Telegram's command list, in this order.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("menu", "command.menu"),
    *((entry.command, f"command.{entry.command}") for row in MENU_ROWS for entry in row),
    ("start", "command.start"),
)


def button(label_key: str, callback_data: str, *, language: str, **values: object) -> InlineKeyboardButton:
    """One inline button with a translated label."""
    return InlineKeyboardButton(plain_text(label_key, language=language, **values), callback_data=callback_data)


def keyboard(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of buttons."""
    return InlineKeyboardMarkup([list(row) for row in rows if row])


@functools.cache  # the catalogs are read once too; PTB's keyboards are immutable, so one is shared per language
def main_menu_keyboard(language: str) -> InlineKeyboardMarkup:
    """Every menu entry."""
    return InlineKeyboardMarkup(
        [[button(entry.label_key, entry.callback_data, language=language) for entry in row] for row in MENU_ROWS]
    )


def menu_button(language: str) -> InlineKeyboardButton:
    """The way back to the menu."""
    return button("menu.button.back", MAIN_MENU, language=language)


@functools.cache
def back_to_menu_keyboard(language: str) -> InlineKeyboardMarkup:
    """Just the way back to the menu."""
    return keyboard([menu_button(language)])


def bot_commands(language: str) -> list[BotCommand]:
    """The command list in one language."""
    return [BotCommand(command, plain_text(key, language=language)) for command, key in COMMANDS]


async def register_commands(application: Application) -> None:  # type: ignore[type-arg]
    """setMyCommands: English for everyone, and each other language for people whose Telegram uses it."""
    try:
        await application.bot.set_my_commands(bot_commands(DEFAULT_LANGUAGE))
        for language in SUPPORTED_LANGUAGES:
            await application.bot.set_my_commands(bot_commands(language), language_code=language)
    except TelegramError:
        logger.warning("could not register the bot's commands; they will be registered on the next start", exc_info=True)
