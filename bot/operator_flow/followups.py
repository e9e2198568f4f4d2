"""After a report: correct or withdraw it within 10 minutes, say "back on time" or "arrived", see today's reports."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import CarerlineContext
from bot.menu import button, keyboard
from bot.operator_flow.common import OperatorTurn, menu_button, refuse, reply
from core.i18n import plain_text
from db.dao.operators import fetch_route
from db.models.transport import DisruptionKind, DisruptionStatus, OperatorDisruption
from db.types import utc_now
from services.casework.errors import COUNCIL_TIME_ZONE
from services.operators.chats import move_chat_to
from services.operators.followups import (
    Correction,
    Resolution,
    correct_disruption,
    list_own_disruptions,
    may_still_change,
    own_disruption,
    resolve_disruption,
    withdraw_disruption,
)
from services.operators.reports import FAMILY_KINDS, DisruptionError, DisruptionNotFound, NotYourRoute, TooLate

REFUSALS = (DisruptionError, DisruptionNotFound, NotYourRoute, TooLate)
MINUTE_FIXES = (10, 20, 30, 45, 60, 90)
LISTED = 5


def actions(disruption: OperatorDisruption, *, now: datetime, language: str) -> InlineKeyboardMarkup:
    """What the operator may still do with a report."""
    report_id = disruption.id
    rows: list[list[InlineKeyboardButton]] = []
    if may_still_change(disruption, now=now):
        rows.append([button("operator_bot.button.correct", f"op:fix:{report_id}", language=language),
                     button("operator_bot.button.withdraw", f"op:wd:{report_id}", language=language)])
    if disruption.kind in FAMILY_KINDS and disruption.status in (DisruptionStatus.FAMILIES_TOLD, DisruptionStatus.COLLAPSED):
        rows.append([button("operator_bot.button.back_on_time", f"op:res:{report_id}:back_on_time", language=language),
                     button("operator_bot.button.arrived", f"op:res:{report_id}:arrived", language=language)])
    return keyboard(*rows, [menu_button(language)])


async def show_sent(
    context: CarerlineContext, op: OperatorTurn, disruption: OperatorDisruption, *, collapsed_into: OperatorDisruption | None,
    now: datetime,
) -> None:
    """What happened to the report just sent, with what may still be done with it."""
    markup = actions(disruption, now=now, language=op.language)
    if collapsed_into is not None:
        await reply(context, op, "operator_bot.sent.collapsed", markup=markup, reference=disruption.reference,
                    earlier=collapsed_into.reference)
    elif disruption.kind in FAMILY_KINDS:
        await reply(context, op, "operator_bot.sent.families_told", markup=markup, reference=disruption.reference,
                    carers=disruption.carers_told)
    else:
        await reply(context, op, "operator_bot.sent.awaiting_officer", markup=markup, reference=disruption.reference)


async def list_reports(context: CarerlineContext, op: OperatorTurn) -> None:
    """op:list: the latest reports of the last week, each with its actions."""
    now = utc_now()
    async with context.services.database.transaction() as session:
        items = (await list_own_disruptions(session, operator_id=op.operator_id, now=now))[:LISTED]
        codes = {item.route_id: (await fetch_route(session, route_id=item.route_id)) for item in items}
    if not items:
        await reply(context, op, "operator_bot.list.none")
        return
    for item in items:
        route = codes.get(item.route_id)
        await reply(context, op, "operator_bot.list.item", markup=actions(item, now=now, language=op.language),
                    reference=item.reference, route=route.code if route else "-",
                    kind=plain_text(f"operator_bot.button.kind.{item.kind}", language=op.language),
                    status=plain_text(f"operator_bot.status.{item.status}", language=op.language),
                    reported=f"{item.reported_at.astimezone(COUNCIL_TIME_ZONE):%d %b %H:%M}")


async def start_fix(context: CarerlineContext, op: OperatorTurn, disruption_id: int) -> None:
    """op:fix:<id>: running late offers new minutes; a driver/PA change asks the name; others a new note."""
    now = utc_now()
    try:
        async with context.services.database.transaction() as session:
            disruption = await own_disruption(session, operator_id=op.operator_id, disruption_id=disruption_id)
            if not may_still_change(disruption, now=now) or disruption.corrected_at is not None:
                raise TooLate("too late")
            step = {DisruptionKind.RUNNING_LATE: "fix_minutes", DisruptionKind.STAFF_CHANGED: "fix_name"}.get(disruption.kind, "fix_note")
            await move_chat_to(session, chat=op.chat, step=step, draft={"disruption_id": disruption_id})
    except REFUSALS as error:
        await refuse(context, op, error)
        return
    language = op.language
    if step == "fix_minutes":
        rows = [[button("operator_bot.button.minutes", f"op:fm:{disruption_id}:{m}", language=language, minutes=m) for m in MINUTE_FIXES[:3]],
                [button("operator_bot.button.minutes", f"op:fm:{disruption_id}:{m}", language=language, minutes=m) for m in MINUTE_FIXES[3:]]]
        await reply(context, op, "operator_bot.fix.minutes", markup=keyboard(*rows, [menu_button(language)]))
    elif step == "fix_name":
        await reply(context, op, "operator_bot.fix.name")
    else:
        await reply(context, op, "operator_bot.fix.note")


async def correct(context: CarerlineContext, op: OperatorTurn, disruption_id: int, correction: Correction) -> None:
    """Send the correction: families already told get one corrected message."""
    settings = context.services.settings
    now = utc_now()
    try:
        async with context.services.database.transaction() as session:
            disruption = await correct_disruption(
                session, operator_id=op.operator_id, disruption_id=disruption_id, correction=correction, actor=op.actor,
                now=now, council_phone=settings.council_transport_phone,
            )
            await move_chat_to(session, chat=op.chat, step="idle", draft={})
    except REFUSALS as error:
        await refuse(context, op, error)
        return
    await reply(context, op, "operator_bot.corrected", markup=actions(disruption, now=now, language=op.language),
                reference=disruption.reference)


async def take_fix_text(context: CarerlineContext, op: OperatorTurn, typed: str) -> None:
    """A typed correction: minutes, the new person's name or a new note, by the step the chat is at."""
    disruption_id = int(op.chat.draft.get("disruption_id", 0))
    if op.chat.step == "fix_minutes":
        minutes = int(typed.strip()) if typed.strip().isdecimal() and len(typed.strip()) <= 4 else 0
        await correct(context, op, disruption_id, Correction(minutes_late=minutes))
    elif op.chat.step == "fix_name":
        await correct(context, op, disruption_id, Correction(new_staff_first_name=typed))
    else:
        await correct(context, op, disruption_id, Correction(note=typed))


async def withdraw(context: CarerlineContext, op: OperatorTurn, disruption_id: int) -> None:
    """op:wd:<id>: families told get one "please ignore"; a change draft closes."""
    now = utc_now()
    try:
        async with context.services.database.transaction() as session:
            disruption = await withdraw_disruption(
                session, operator_id=op.operator_id, disruption_id=disruption_id, actor=op.actor, now=now,
                council_phone=context.services.settings.council_transport_phone,
            )
    except REFUSALS as error:
        await refuse(context, op, error)
        return
    await reply(context, op, "operator_bot.withdrawn", reference=disruption.reference)


async def resolve(context: CarerlineContext, op: OperatorTurn, disruption_id: int, resolution: str) -> None:
    """op:res:<id>:<back_on_time|arrived>: the promise to families kept, once."""
    now = utc_now()
    try:
        async with context.services.database.transaction() as session:
            disruption = await resolve_disruption(
                session, operator_id=op.operator_id, disruption_id=disruption_id, resolution=Resolution(resolution),
                actor=op.actor, now=now, council_phone=context.services.settings.council_transport_phone,
            )
    except REFUSALS as error:
        await refuse(context, op, error)
        return
    await reply(context, op, f"operator_bot.resolved.{resolution}", reference=disruption.reference,
                carers=disruption.carers_told)
