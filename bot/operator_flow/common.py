"""What every operator-flow handler shares: the chat it acts for, replies, keyboards and the service's errors."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import CarerlineContext
from bot.menu import button, keyboard
from bot.turns import Turn, say
from core.i18n import text
from db.models.transport import OperatorChat
from services.operators.reports import DisruptionError, DisruptionNotFound, NotYourRoute, TooLate
from services.staff.audit import Actor
from services.operators.chats import chat_actor

MENU = "op:menu"
KIND = "operator"


@dataclass(frozen=True)
class OperatorTurn:
    """One update from a linked operator chat: who is talking, in which language, and the chat's report in progress."""

    turn: Turn
    chat: OperatorChat

    @property
    def language(self) -> str:
        """The language of the person's Telegram."""
        return self.turn.language

    @property
    def operator_id(self) -> int:
        """The operator the chat reports for."""
        return self.chat.operator_id

    @property
    def actor(self) -> Actor:
        """How the audit log names this chat."""
        return chat_actor(self.chat)


def menu_button(language: str) -> InlineKeyboardButton:
    """Back to the operator's menu."""
    return button("operator_bot.button.menu", MENU, language=language)


def menu_keyboard(language: str) -> InlineKeyboardMarkup:
    """Just the way back to the operator's menu."""
    return keyboard([menu_button(language)])


async def reply(
    context: CarerlineContext, op: OperatorTurn, key: str, *, markup: InlineKeyboardMarkup | None = None, **values: object
) -> None:
    """Send one catalog text to the operator chat, always with a way on."""
    body = text(key, language=op.language, **values)
    await say(context, op.turn, body, keyboard=markup or menu_keyboard(op.language), kind=KIND)


async def refuse(context: CarerlineContext, op: OperatorTurn, error: Exception) -> None:
    """The service refused: say why, precisely, in the chat's language."""
    if isinstance(error, DisruptionError):
        await reply(context, op, f"operator_bot.error.{error.field}" if error.field in ERROR_FIELDS else "operator_bot.error.other")
    elif isinstance(error, NotYourRoute):
        await reply(context, op, "operator_bot.error.not_yours")
    elif isinstance(error, DisruptionNotFound):
        await reply(context, op, "operator_bot.error.not_found")
    elif isinstance(error, TooLate):
        await reply(context, op, "operator_bot.error.too_late")
    else:
        raise error


# Every DisruptionError field the bot can meet, each with its own catalog text.
ERROR_FIELDS = frozenset({"minutes_late", "new_staff_first_name", "from_date", "note", "run_date", "body"})
