"""Building a report with buttons: route (only the operator's), run, kind, its detail, an optional note, confirm."""

from __future__ import annotations

import re
from datetime import date, timedelta

from telegram import InlineKeyboardButton

from bot.context import CarerlineContext
from bot.menu import button, keyboard
from bot.operator_flow.common import OperatorTurn, menu_button, refuse, reply
from bot.operator_flow.followups import show_sent
from core.i18n import plain_text
from messaging.rendering import day as day_label
from db.models.transport import DisruptionKind, Run, StaffChanged
from db.types import utc_now
from services.casework.errors import council_day
from services.operators.chats import move_chat_to
from services.operators.drafts import page_duty_officer
from services.operators.reports import (
    DisruptionError,
    DisruptionNotFound,
    DisruptionRequest,
    NotYourRoute,
    TooLate,
    check_details,
    clean_note,
    report_disruption,
    route_of_operator,
)
from services.operators.routes import operator_routes

MINUTE_CHOICES = (10, 15, 20, 30, 45, 60)
DAYS_OFFERED = 5
_TYPED_DATE = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\s*$")
REFUSALS = (DisruptionError, DisruptionNotFound, NotYourRoute, TooLate)


async def show_menu(context: CarerlineContext, op: OperatorTurn) -> None:
    """The operator's menu: report, today's reports, unlink; any report in progress is dropped."""
    async with context.services.database.transaction() as session:
        view = await operator_routes(session, operator_id=op.operator_id)
        await move_chat_to(session, chat=op.chat, step="idle", draft={})
    language = op.language
    markup = keyboard(
        [button("operator_bot.button.report", "op:new", language=language)],
        [button("operator_bot.button.my_reports", "op:list", language=language)],
        [button("operator_bot.button.unlink", "op:unlink", language=language)],
    )
    await reply(context, op, "operator_bot.menu", markup=markup, operator=view.name, routes=len(view.routes))


async def choose_route(context: CarerlineContext, op: OperatorTurn) -> None:
    """op:new: one button per route the operator runs, never another's."""
    async with context.services.database.transaction() as session:
        view = await operator_routes(session, operator_id=op.operator_id)
        await move_chat_to(session, chat=op.chat, step="route", draft={})
    if not view.routes:
        await reply(context, op, "operator_bot.no_routes")
        return
    rows = [[InlineKeyboardButton(route.code, callback_data=f"op:r:{route.id}")] for route in view.routes]
    await reply(context, op, "operator_bot.choose_route", markup=keyboard(*rows, [menu_button(op.language)]))


async def choose_run(context: CarerlineContext, op: OperatorTurn, route_id: int) -> None:
    """op:r:<route>: the route must be the operator's own; then morning or afternoon, today."""
    try:
        async with context.services.database.transaction() as session:
            route = await route_of_operator(session, operator_id=op.operator_id, route_id=route_id)
            await move_chat_to(session, chat=op.chat, step="run", draft={"route_id": route_id, "route_code": route.code})
    except REFUSALS as error:
        await refuse(context, op, error)
        return
    language = op.language
    markup = keyboard(
        [button("operator_bot.button.run.morning", "op:run:morning", language=language),
         button("operator_bot.button.run.afternoon", "op:run:afternoon", language=language)],
        [menu_button(language)],
    )
    await reply(context, op, "operator_bot.choose_run", markup=markup, route=route.code)


async def choose_kind(context: CarerlineContext, op: OperatorTurn, run: str) -> None:
    """op:run:<run>: what happened."""
    draft = dict(op.chat.draft)
    if "route_id" not in draft:
        await choose_route(context, op)
        return
    draft["run"] = Run(run).value
    await _move(context, op, "kind", draft)
    language = op.language
    rows = [[button(f"operator_bot.button.kind.{kind.value}", f"op:k:{kind.value}", language=language)] for kind in DisruptionKind]
    await reply(context, op, "operator_bot.choose_kind", markup=keyboard(*rows, [menu_button(language)]), route=draft["route_code"])


async def choose_detail(context: CarerlineContext, op: OperatorTurn, kind: str) -> None:
    """op:k:<kind>: ask for the kind's own detail (minutes, who changed, the date), or go to the note."""
    draft = dict(op.chat.draft)
    if "run" not in draft:
        await choose_route(context, op)
        return
    draft["kind"] = DisruptionKind(kind).value
    language = op.language
    if kind == DisruptionKind.RUNNING_LATE:
        await _move(context, op, "minutes", draft)
        rows = [[button("operator_bot.button.minutes", f"op:m:{m}", language=language, minutes=m) for m in MINUTE_CHOICES[:3]],
                [button("operator_bot.button.minutes", f"op:m:{m}", language=language, minutes=m) for m in MINUTE_CHOICES[3:]]]
        await reply(context, op, "operator_bot.ask_minutes", markup=keyboard(*rows, [menu_button(language)]))
    elif kind == DisruptionKind.STAFF_CHANGED:
        await _move(context, op, "who", draft)
        rows = [[button(f"operator_bot.button.staff.{who.value}", f"op:s:{who.value}", language=language)] for who in StaffChanged]
        await reply(context, op, "operator_bot.ask_who", markup=keyboard(*rows, [menu_button(language)]))
    elif kind == DisruptionKind.CANNOT_RUN_FROM:
        await _move(context, op, "from_date", draft)
        days = _next_days(council_day(utc_now()))
        rows = [[InlineKeyboardButton(day_label(day, language=language), callback_data=f"op:d:{day.isoformat()}")] for day in days]
        await reply(context, op, "operator_bot.ask_from_date", markup=keyboard(*rows, [menu_button(language)]))
    else:
        await ask_note(context, op, draft)


async def take_minutes(context: CarerlineContext, op: OperatorTurn, raw: str) -> None:
    """op:m:<n>, or typed minutes."""
    draft = dict(op.chat.draft)
    minutes = int(raw) if raw.strip().isdecimal() and len(raw.strip()) <= 4 else None
    try:
        check_details(DisruptionKind.RUNNING_LATE, minutes_late=minutes, staff_changed=None, new_staff_first_name=None,
                      from_date=None, today=council_day(utc_now()))
    except DisruptionError as error:
        await refuse(context, op, error)
        return
    draft["minutes_late"] = minutes
    await ask_note(context, op, draft)


async def take_who(context: CarerlineContext, op: OperatorTurn, who: str) -> None:
    """op:s:<driver|passenger_assistant>: then type the new person's first name."""
    draft = dict(op.chat.draft)
    if draft.get("kind") != DisruptionKind.STAFF_CHANGED:
        await choose_route(context, op)
        return
    draft["staff_changed"] = StaffChanged(who).value
    await _move(context, op, "name", draft)
    await reply(context, op, "operator_bot.ask_name")


async def take_name(context: CarerlineContext, op: OperatorTurn, typed: str) -> None:
    """The new driver's or passenger assistant's first name, typed."""
    draft = dict(op.chat.draft)
    try:
        name = check_details(DisruptionKind.STAFF_CHANGED, minutes_late=None, staff_changed=StaffChanged(draft["staff_changed"]),
                             new_staff_first_name=typed, from_date=None, today=council_day(utc_now()))
    except DisruptionError as error:
        await refuse(context, op, error)
        return
    draft["name"] = name
    await ask_note(context, op, draft)


async def take_from_date(context: CarerlineContext, op: OperatorTurn, raw: str) -> None:
    """op:d:<YYYY-MM-DD>, or a typed date like 12/01/2027."""
    draft = dict(op.chat.draft)
    chosen = _parse_date(raw)
    try:
        check_details(DisruptionKind.CANNOT_RUN_FROM, minutes_late=None, staff_changed=None, new_staff_first_name=None,
                      from_date=chosen, today=council_day(utc_now()))
    except DisruptionError as error:
        await refuse(context, op, error)
        return
    assert chosen is not None
    draft["from_date"] = chosen.isoformat()
    await ask_note(context, op, draft)


async def ask_note(context: CarerlineContext, op: OperatorTurn, draft: dict[str, object]) -> None:
    """An optional note families (or the officer) read: type it, or press No note."""
    await _move(context, op, "note", draft)
    language = op.language
    markup = keyboard([button("operator_bot.button.no_note", "op:nonote", language=language)], [menu_button(language)])
    await reply(context, op, "operator_bot.ask_note", markup=markup)


async def take_note(context: CarerlineContext, op: OperatorTurn, typed: str | None) -> None:
    """The note (typed) or none (op:nonote): then the summary to confirm."""
    draft = dict(op.chat.draft)
    if "kind" not in draft:
        await choose_route(context, op)
        return
    try:
        draft["note"] = clean_note(typed)
    except DisruptionError as error:
        await refuse(context, op, error)
        return
    await _move(context, op, "confirm", draft)
    language = op.language
    markup = keyboard(
        [button("operator_bot.button.send", "op:send", language=language)],
        [button("operator_bot.button.start_again", "op:new", language=language), menu_button(language)],
    )
    await reply(context, op, "operator_bot.confirm", markup=markup, route=draft["route_code"],
                run=plain_text(f"operators.run.{draft['run']}", language=language), what=_what(draft, language=language),
                note=draft.get("note") or "-")


async def send_report(context: CarerlineContext, op: OperatorTurn) -> None:
    """op:send: the same service as the page and the API; families or the duty officer hear from it."""
    draft = dict(op.chat.draft)
    if op.chat.step != "confirm" or "kind" not in draft:
        await choose_route(context, op)
        return
    settings = context.services.settings
    request = DisruptionRequest(
        route_id=int(draft["route_id"]), kind=DisruptionKind(draft["kind"]), run=Run(draft["run"]),
        minutes_late=draft.get("minutes_late"),
        staff_changed=StaffChanged(draft["staff_changed"]) if draft.get("staff_changed") else None,
        new_staff_first_name=draft.get("name"),
        from_date=date.fromisoformat(draft["from_date"]) if draft.get("from_date") else None,
        note=draft.get("note"),
    )
    now = utc_now()
    try:
        async with context.services.database.transaction() as session:
            outcome = await report_disruption(
                session, operator_id=op.operator_id, request=request, actor=op.actor, now=now,
                council_phone=settings.council_transport_phone, staff_base_url=settings.staff_base_url,
            )
            await move_chat_to(session, chat=op.chat, step="idle", draft={})
    except REFUSALS as error:
        await refuse(context, op, error)
        return
    await show_sent(context, op, outcome.disruption, collapsed_into=outcome.collapsed_into, now=now)
    if outcome.paging is not None:
        await page_duty_officer(context.services.database, settings=settings, paging=outcome.paging, now=now)


def _what(draft: dict[str, object], *, language: str) -> str:
    kind = str(draft["kind"])
    values: dict[str, object] = {}
    if kind == DisruptionKind.RUNNING_LATE:
        values["minutes"] = draft["minutes_late"]
    if kind == DisruptionKind.STAFF_CHANGED:
        values["who"] = plain_text(f"operator_bot.button.staff.{draft['staff_changed']}", language=language)
        values["name"] = draft["name"]
    if kind == DisruptionKind.CANNOT_RUN_FROM:
        values["date"] = day_label(date.fromisoformat(str(draft["from_date"])), language=language)
    return plain_text(f"operator_bot.what.{kind}", language=language, **values)


async def _move(context: CarerlineContext, op: OperatorTurn, step: str, draft: dict[str, object]) -> None:
    async with context.services.database.transaction() as session:
        await move_chat_to(session, chat=op.chat, step=step, draft=draft)


def _next_days(today: date) -> list[date]:
    days: list[date] = []
    day = today
    while len(days) < DAYS_OFFERED:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return days


def _parse_date(raw: str) -> date | None:
    try:
        match = _TYPED_DATE.match(raw)
        if match:
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        return date.fromisoformat(raw.strip())
    except ValueError:
        return None


