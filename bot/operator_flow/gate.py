"""The operator chats' own handler group: link a chat with an operator code, then take every update it sends.

It runs after begin_turn and before every family handler. A chat holding a carer (a family's chat)
goes on to the family handlers and never reaches the operator flow; a linked operator chat is
answered here and stops, so it never reaches the family menus, links a child or gets family messages.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.context import CarerlineContext
from bot.operator_flow import followups, report_steps
from bot.operator_flow.common import MENU, OperatorTurn, menu_button, reply
from bot.turns import Turn, say, turn_of
from core.i18n import text
from db.types import utc_now
from bot.menu import back_to_menu_keyboard, button, keyboard
from services.operators.chats import LinkOutcome, link_operator_chat, normalise_operator_code, operator_chat, unlink_operator_chat
from services.operators.followups import Correction

_LINK_COMMAND = re.compile(r"^/(?:start|operator)(?:@\w+)?\s+(\S.*)$", re.DOTALL)
_COMMAND = re.compile(r"^/(\w+)(?:@\w+)?(?:\s|$)")
# (pattern, handler taking the match's groups)
_BUTTONS = (
    (re.compile(rf"^{MENU}$"), lambda c, o, m: report_steps.show_menu(c, o)),
    (re.compile(r"^op:new$"), lambda c, o, m: report_steps.choose_route(c, o)),
    (re.compile(r"^op:r:(\d{1,9})$"), lambda c, o, m: report_steps.choose_run(c, o, int(m[1]))),
    (re.compile(r"^op:run:(morning|afternoon)$"), lambda c, o, m: report_steps.choose_kind(c, o, m[1])),
    (re.compile(r"^op:k:(running_late|vehicle_breakdown|staff_changed|run_cancelled|cannot_run_from)$"),
     lambda c, o, m: report_steps.choose_detail(c, o, m[1])),
    (re.compile(r"^op:m:(\d{1,3})$"), lambda c, o, m: _in_step(c, o, "minutes", report_steps.take_minutes, m[1])),
    (re.compile(r"^op:s:(driver|passenger_assistant)$"), lambda c, o, m: report_steps.take_who(c, o, m[1])),
    (re.compile(r"^op:d:(\d{4}-\d{2}-\d{2})$"), lambda c, o, m: _in_step(c, o, "from_date", report_steps.take_from_date, m[1])),
    (re.compile(r"^op:nonote$"), lambda c, o, m: _in_step(c, o, "note", report_steps.take_note, None)),
    (re.compile(r"^op:send$"), lambda c, o, m: report_steps.send_report(c, o)),
    (re.compile(r"^op:list$"), lambda c, o, m: followups.list_reports(c, o)),
    (re.compile(r"^op:fix:(\d{1,9})$"), lambda c, o, m: followups.start_fix(c, o, int(m[1]))),
    (re.compile(r"^op:fm:(\d{1,9}):(\d{1,3})$"),
     lambda c, o, m: followups.correct(c, o, int(m[1]), Correction(minutes_late=int(m[2])))),
    (re.compile(r"^op:wd:(\d{1,9})$"), lambda c, o, m: followups.withdraw(c, o, int(m[1]))),
    (re.compile(r"^op:res:(\d{1,9}):(back_on_time|arrived)$"), lambda c, o, m: followups.resolve(c, o, int(m[1]), m[2])),
    (re.compile(r"^op:unlink$"), lambda c, o, m: _confirm_unlink(c, o)),
    (re.compile(r"^op:unlink:yes$"), lambda c, o, m: _unlink(c, o)),
)
_TYPED_STEPS = {
    "minutes": report_steps.take_minutes,
    "name": report_steps.take_name,
    "from_date": report_steps.take_from_date,
    "note": report_steps.take_note,
    "fix_minutes": followups.take_fix_text,
    "fix_name": followups.take_fix_text,
    "fix_note": followups.take_fix_text,
}


async def operator_gate(update: Update, context: CarerlineContext) -> None:
    """Take operator codes and every update from an operator chat; let family chats through untouched."""
    turn = turn_of(context)
    if turn is None:
        return
    code = _operator_code_in(update)
    if turn.chat.carer is not None:
        if code is None:
            return  # a family's chat: the family handlers answer it
        await _refuse_family_chat(context, turn)
        raise ApplicationHandlerStop
    if code is None and turn.chat.is_operator_chat is False:
        return  # read with the update's record: not an operator chat, so the family handlers answer it
    async with context.services.database.transaction() as session:
        chat = await operator_chat(session, chat_id=turn.chat_id)
        if chat is None and code is not None:
            outcome, chat = await link_operator_chat(session, chat_id=turn.chat_id, code=code, now=utc_now())
        elif chat is None:
            return  # not an operator chat, no operator code: the family handlers answer it
        else:
            outcome = None
    assert chat is not None or outcome is not None
    if outcome == LinkOutcome.FAMILY_CHAT:
        await _refuse_family_chat(context, turn)
    elif outcome == LinkOutcome.UNKNOWN_CODE:
        await say(context, turn, text("operator_bot.link.unknown_code", language=turn.language),
                  keyboard=back_to_menu_keyboard(turn.language), kind="operator")
    elif chat is not None:
        op = OperatorTurn(turn=turn, chat=chat)
        if outcome == LinkOutcome.LINKED:
            await reply(context, op, "operator_bot.link.linked")
            await report_steps.show_menu(context, op)
        else:
            await _dispatch(update, context, op)
    raise ApplicationHandlerStop


async def _dispatch(update: Update, context: CarerlineContext, op: OperatorTurn) -> None:
    query = update.callback_query
    if query is not None:
        data = query.data if isinstance(query.data, str) else ""
        for pattern, handler in _BUTTONS:
            match = pattern.match(data)
            if match is not None:
                await handler(context, op, match)
                return
        await reply(context, op, "operator_bot.old_button")  # a family button, or one we no longer have
        return
    message = update.message
    typed = message.text if message is not None and message.text else None
    if typed is None:
        await reply(context, op, "operator_bot.only_text")
        return
    command = _COMMAND.match(typed)
    if command is not None:
        if command[1] in ("report", "new"):
            await report_steps.choose_route(context, op)
        else:
            await report_steps.show_menu(context, op)  # /start, /menu and any other command
        return
    take = _TYPED_STEPS.get(op.chat.step)
    if take is None:
        await reply(context, op, "operator_bot.not_understood")
        return
    await take(context, op, typed)


async def _in_step(
    context: CarerlineContext, op: OperatorTurn, step: str, take: Callable[[CarerlineContext, OperatorTurn, Any], Awaitable[None]],
    raw: str | None,
) -> None:
    """A detail button counts only at its own step (an old message's button starts the report again)."""
    if op.chat.step != step:
        await report_steps.choose_route(context, op)
        return
    await take(context, op, raw)


async def _confirm_unlink(context: CarerlineContext, op: OperatorTurn) -> None:
    markup = keyboard([button("operator_bot.button.unlink_yes", "op:unlink:yes", language=op.language)], [menu_button(op.language)])
    await reply(context, op, "operator_bot.unlink.confirm", markup=markup)


async def _unlink(context: CarerlineContext, op: OperatorTurn) -> None:
    async with context.services.database.transaction() as session:
        await unlink_operator_chat(session, chat=op.chat, now=utc_now())
    await say(context, op.turn, text("operator_bot.unlink.done", language=op.language),
              keyboard=back_to_menu_keyboard(op.language), kind="operator")


async def _refuse_family_chat(context: CarerlineContext, turn: Turn) -> None:
    await say(context, turn, text("operator_bot.link.family_chat", language=turn.language),
              keyboard=back_to_menu_keyboard(turn.language), kind="operator")


def _operator_code_in(update: Update) -> str | None:
    """The operator code sent as "/start CODE" (the deep link) or "/operator CODE", if there is one."""
    message = update.message
    if message is None or not message.text:
        return None
    match = _LINK_COMMAND.match(message.text.strip())
    return normalise_operator_code(match[1]) if match else None
