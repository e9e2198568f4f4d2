"""Report a problem today: pick the child, the category, add details if wanted, confirm, get a reference."""

from __future__ import annotations

from telegram import Update

from bot.context import CarerlineContext
from bot.guards import needs_consent
from bot.kind_answers import old_button
from bot.menu import back_to_menu_keyboard, button, keyboard, menu_button
from bot.turns import Turn, council_contact, matched, say
from core.i18n import plain_text, text
from db.types import utc_now
from services.carers.channel_plans import CouncilContact
from services.carers.settings import list_linked_children
from services.casework.errors import CaseworkError
from services.carers.conversations import StaleStepError
from core.settings import ConfigurationError
from services.casework.duty_alerts import DutyNotifier, build_duty_notifier
from services.feedback.tagging import ProblemCategory
from services.problems.reports import MAX_DETAILS_LENGTH, report_problem
from services.problems.steps import ProblemDraft, add_problem_details, start_problem_draft, take_confirmed_problem

CHILD_PATTERN = r"^prob:child:(\d+)$"
CATEGORY_PATTERN = r"^prob:cat:(\d+):([a-z_]+)$"
NO_DETAILS_PATTERN = r"^prob:skip:(\d+)$"
SEND_PATTERN = r"^prob:send:(\d+)$"


@needs_consent
async def start_problem(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """menu:problem and /problem: choose the child (if several), then the category."""
    async with context.services.database.transaction() as session:
        children = await list_linked_children(session, carer_id=turn.carer_id)
    language = turn.language
    if not children:
        body = text("casework_bot.problem.no_children", language=language, **council_contact(context))
        await say(context, turn, body, keyboard=back_to_menu_keyboard(language), kind="problem")
        return
    if len(children) == 1:
        await _ask_category(context, turn, children[0].child_id, children[0].name)
        return
    rows = [
        [button("casework_bot.problem.child_choice", f"prob:child:{child.child_id}", language=language, child=child.name, school=child.school)]
        for child in children
    ]
    body = text("casework_bot.problem.choose_child", language=language)
    await say(context, turn, body, keyboard=keyboard(*rows, [menu_button(language)]), kind="problem")


@needs_consent
async def choose_child(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """prob:child:<id>: the category buttons for that child."""
    child_id = int(matched(context))
    async with context.services.database.transaction() as session:
        children = await list_linked_children(session, carer_id=turn.carer_id)
    chosen = next((child for child in children if child.child_id == child_id), None)
    if chosen is None:
        await old_button(update, context)
        return
    await _ask_category(context, turn, chosen.child_id, chosen.name)


async def _ask_category(context: CarerlineContext, turn: Turn, child_id: int, name: str) -> None:
    language = turn.language
    rows = [
        [button(f"casework.problem.category.{category.value}", f"prob:cat:{child_id}:{category.value}", language=language)]
        for category in ProblemCategory
    ]
    body = text("casework_bot.problem.choose_category", language=language, child=name)
    await say(context, turn, body, keyboard=keyboard(*rows, [menu_button(language)]), kind="problem")


@needs_consent
async def choose_category(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """prob:cat:<child>:<category>: wait for details, or the button to go on without."""
    try:
        category = ProblemCategory(matched(context, 2))
        async with context.services.database.transaction() as session:
            draft = await start_problem_draft(
                session, chat_id=turn.chat_id, carer_id=turn.carer_id, child_id=int(matched(context, 1)), category=category, now=utc_now()
            )
    except (ValueError, CaseworkError):
        await old_button(update, context)
        return
    language = turn.language
    body = text(
        "casework_bot.problem.ask_details",
        language=language,
        category=plain_text(f"casework.problem.category.{category.value}", language=language),
        limit=f"{MAX_DETAILS_LENGTH:,}",
    )
    buttons = keyboard([button("casework_bot.problem.button.no_details", f"prob:skip:{draft.version}", language=language)], [menu_button(language)])
    await say(context, turn, body, keyboard=buttons, kind="problem")


async def receive_details(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """Text typed while we wait for a problem's details (routed here by the chat's step)."""
    message = update.effective_message
    assert message is not None and message.text is not None
    await _add_details(update, context, turn, details=message.text, version=None)


@needs_consent(continues_step=True)
async def skip_details(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """prob:skip:<version>: no details; ask to confirm."""
    await _add_details(update, context, turn, details=None, version=int(matched(context)))


async def _add_details(update: Update, context: CarerlineContext, turn: Turn, *, details: str | None, version: int | None) -> None:
    try:
        async with context.services.database.transaction() as session:
            draft = await add_problem_details(session, chat_id=turn.chat_id, details=details, version=version, now=utc_now())
    except StaleStepError:
        await old_button(update, context)
        return
    await _ask_to_confirm(context, turn, draft)


async def _ask_to_confirm(context: CarerlineContext, turn: Turn, draft: ProblemDraft) -> None:
    language = turn.language
    async with context.services.database.transaction() as session:
        children = await list_linked_children(session, carer_id=turn.carer_id)
    name = next((child.name for child in children if child.child_id == draft.child_id), "")
    parts = []
    if draft.was_truncated:
        parts.append(text("casework_bot.problem.truncated", language=language, limit=f"{MAX_DETAILS_LENGTH:,}"))
    parts.append(
        text(
            "casework_bot.problem.confirm",
            language=language,
            child=name,
            category=plain_text(f"casework.problem.category.{draft.category.value}", language=language),
            details=draft.details or plain_text("casework_bot.problem.no_details_given", language=language),
        )
    )
    buttons = keyboard([button("casework_bot.problem.button.send", f"prob:send:{draft.version}", language=language)], [menu_button(language)])
    await say(context, turn, "\n\n".join(parts), keyboard=buttons, kind="problem")


@needs_consent(continues_step=True)
async def send_report(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """prob:send:<version>: record the report and alert the duty officers; the reference comes via the outbox."""
    services = context.services
    now = utc_now()
    try:
        async with services.database.transaction() as session:
            draft = await take_confirmed_problem(session, chat_id=turn.chat_id, version=int(matched(context)), now=now)
    except StaleStepError:
        await old_button(update, context)
        return
    language = turn.language
    try:
        receipt = await report_problem(
            services.database,
            notifier=_duty_notifier(context),
            carer_id=turn.carer_id,
            child_id=draft.child_id,
            category=draft.category,
            details=draft.details,
            now=now,
            staff_base_url=services.settings.staff_base_url,
            council=CouncilContact.from_settings(services.settings),
        )
    except CaseworkError:
        body = text("casework_bot.problem.not_sent", language=language, **council_contact(context))
        await say(context, turn, body, keyboard=back_to_menu_keyboard(language), kind="problem")
        return
    if not receipt.is_alert_delivered:
        body = text("casework_bot.problem.alert_failed", language=language, **council_contact(context))
        await say(context, turn, body, keyboard=back_to_menu_keyboard(language), kind="problem")


def _duty_notifier(context: CarerlineContext) -> DutyNotifier:
    """The configured duty channels; none when they are not set up (the report is kept and the parent told to call)."""
    try:
        return build_duty_notifier(context.services.settings, bot=context.bot)
    except ConfigurationError:
        return DutyNotifier([])
