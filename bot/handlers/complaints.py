"""Make a complaint, My complaints (with "Ask for stage 2") and My reports.

The reference, the acknowledgement and every later step reach the parent through the outbox
(services/complaints/workflow.py); these handlers only ask, check and confirm.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError

from bot.context import CarerlineContext
from bot.guards import needs_consent, with_turn
from bot.kind_answers import explain_unusable_media, old_button
from bot.menu import button, keyboard, menu_button
from bot.turns import Turn, council_contact, matched, say
from core.i18n import plain_text, text
from db.types import utc_now
from services.casework.attachments import MAX_ATTACHMENTS_PER_COMPLAINT, AttachmentRejected
from services.carers.channel_plans import CouncilContact
from services.carers.settings import list_linked_children
from services.casework.errors import CaseworkError, council_day
from services.complaints.steps import (
    ComplaintDraft,
    DescriptionTooLong,
    PendingFile,
    add_complaint_file,
    add_complaint_words,
    advise_statutory_route,
    check_complaint_file,
    current_complaint_draft,
    finish_complaint_words,
    give_escalation_reason,
    pending_files,
    send_complaint,
    start_complaint_draft,
    start_escalation,
)
from services.complaints.timetable import ComplaintSubject, ReviewRoute, review_route_for
from services.complaints.workflow import MAX_DESCRIPTION_LENGTH
from services.carers.conversations import StaleStepError, Step
from services.casework.family_view import show_my_complaints, show_my_reports

CHILD_PATTERN = r"^cmp:child:(\d+)$"
CATEGORY_PATTERN = r"^cmp:cat:(\d+):([a-z_]+)$"  # child id, or 0 when no child is linked
NEXT_PATTERN = r"^cmp:next:(\d+)$"
SEND_PATTERN = r"^cmp:send:(\d+)$"
ESCALATE_PATTERN = r"^cmp:esc:(\d+)$"
MY_REPORTS = "menu:reports"
MY_COMPLAINTS = "menu:complaints"
# Tests hold time still by putting a clock here; everyone else gets the real time.
BOT_CLOCK = "carerline.clock"
COMPLAINT_STEPS = (Step.COMPLAINT_DESCRIPTION, Step.COMPLAINT_CONFIRM, Step.COMPLAINT_ESCALATION)


def _now(context: CarerlineContext) -> datetime:
    clock: Callable[[], datetime] | None = context.bot_data.get(BOT_CLOCK)
    return clock() if clock is not None else utc_now()


@needs_consent
async def start_complaint(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """menu:complaint and /complaint: choose the child (if several), then the category."""
    async with context.services.database.transaction() as session:
        children = await list_linked_children(session, carer_id=turn.carer_id)
    language = turn.language
    if len(children) <= 1:
        await _ask_category(context, turn, children[0].child_id if children else None)
        return
    rows = [
        [button("complaints_bot.child_choice", f"cmp:child:{child.child_id}", language=language, child=child.name, school=child.school)]
        for child in children
    ]
    body = text("complaints_bot.choose_child", language=language)
    await say(context, turn, body, keyboard=keyboard(*rows, [menu_button(language)]), kind="complaint")


@needs_consent
async def choose_child(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """cmp:child:<id>: the category buttons."""
    await _ask_category(context, turn, int(matched(context)))


async def _ask_category(context: CarerlineContext, turn: Turn, child_id: int | None) -> None:
    language = turn.language
    rows = [
        [button(f"casework.complaint.category.{subject.value}", f"cmp:cat:{child_id or 0}:{subject.value}", language=language)]
        for subject in ComplaintSubject
    ]
    body = text("complaints_bot.choose_category", language=language)
    await say(context, turn, body, keyboard=keyboard(*rows, [menu_button(language)]), kind="complaint")


@needs_consent
async def choose_category(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """cmp:cat:<child>:<category>: the statutory route for eligibility or suitability, else ask for the words."""
    services, now = context.services, _now(context)
    child_id = int(matched(context, 1)) or None
    try:
        subject = ComplaintSubject(matched(context, 2))
        async with services.database.transaction() as session:
            if review_route_for(subject) is ReviewRoute.STATUTORY_REVIEW_AND_APPEAL:
                await advise_statutory_route(
                    session, chat_id=turn.chat_id, carer_id=turn.carer_id, subject=subject,
                    council=CouncilContact.from_settings(services.settings), now=now,
                )
                return  # the route and its timescales come through the outbox
            draft = await start_complaint_draft(
                session, chat_id=turn.chat_id, carer_id=turn.carer_id, child_id=child_id, subject=subject, now=now
            )
    except (ValueError, CaseworkError):
        await old_button(update, context)
        return
    language = turn.language
    body = text(
        "complaints_bot.ask_words",
        language=language,
        category=plain_text(f"casework.complaint.category.{subject.value}", language=language),
        limit=f"{MAX_DESCRIPTION_LENGTH:,}",
    )
    await say(context, turn, body, keyboard=_words_keyboard(draft, language), kind="complaint")


async def receive_words(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """Text typed while we wait for the complaint's words (routed here by the chat's step)."""
    message = update.effective_message
    assert message is not None and message.text is not None
    language = turn.language
    try:
        async with context.services.database.transaction() as session:
            draft = await add_complaint_words(session, chat_id=turn.chat_id, words=message.text, now=_now(context))
    except DescriptionTooLong as refusal:
        async with context.services.database.transaction() as session:
            draft = await current_complaint_draft(session, chat_id=turn.chat_id, step=Step.COMPLAINT_DESCRIPTION)
        body = text("complaints_bot.too_long", language=language, room=f"{refusal.room:,}")
        await say(context, turn, body, keyboard=_words_keyboard(draft, language), kind="complaint")
        return
    body = text(
        "complaints_bot.words_added", language=language, used=f"{len(draft.description):,}", limit=f"{MAX_DESCRIPTION_LENGTH:,}"
    )
    await say(context, turn, body, keyboard=_words_keyboard(draft, language), kind="complaint")


@needs_consent(continues_step=True)
async def finish_words(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """cmp:next:<version>: show the complaint back and offer photos or a PDF, then Send."""
    try:
        async with context.services.database.transaction() as session:
            draft = await finish_complaint_words(session, chat_id=turn.chat_id, version=int(matched(context)), now=_now(context))
    except StaleStepError:
        await old_button(update, context)
        return
    except CaseworkError:
        async with context.services.database.transaction() as session:
            draft = await current_complaint_draft(session, chat_id=turn.chat_id, step=Step.COMPLAINT_DESCRIPTION)
        body = text("complaints_bot.need_words", language=turn.language)
        await say(context, turn, body, keyboard=_words_keyboard(draft, turn.language), kind="complaint")
        return
    await _show_draft(context, turn, draft)


async def _show_draft(context: CarerlineContext, turn: Turn, draft: ComplaintDraft, *, lead: str | None = None) -> None:
    language = turn.language
    child = ""
    if draft.child_id is not None:
        async with context.services.database.transaction() as session:
            children = await list_linked_children(session, carer_id=turn.carer_id)
        child = next((item.name for item in children if item.child_id == draft.child_id), "")
    summary = text(
        "complaints_bot.summary",
        language=language,
        child=child or plain_text("complaints_bot.no_child", language=language),
        category=plain_text(f"casework.complaint.category.{draft.subject.value}", language=language),
        description=draft.description,
        files=str(draft.file_count),
    )
    max_mb = max(1, context.services.settings.attachment_max_bytes // (1024 * 1024))
    parts = [lead] if lead else []
    parts += [summary, text("complaints_bot.ask_files", language=language, max_mb=str(max_mb))]
    await say(context, turn, "\n\n".join(parts), keyboard=_send_keyboard(draft, language), kind="complaint")


@with_turn
async def receive_media(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """Photos and PDFs for a complaint (bad_input.media routes here mid-complaint); anything else gets a kind answer."""
    if not (turn.has_consent and turn.chat.step in COMPLAINT_STEPS):
        await explain_unusable_media(update, context, turn)
        return
    message = update.effective_message
    assert message is not None
    language = turn.language
    pending = _pending_file(message)
    if turn.chat.step == Step.COMPLAINT_ESCALATION:
        await say(context, turn, text("complaints_bot.reason_in_words", language=language), keyboard=keyboard([menu_button(language)]), kind="complaint")
        return
    async with context.services.database.transaction() as session:
        draft = await current_complaint_draft(session, chat_id=turn.chat_id, step=Step(turn.chat.step))
    buttons = _words_keyboard(draft, language) if turn.chat.step == Step.COMPLAINT_DESCRIPTION else _send_keyboard(draft, language)
    if pending is None:
        await say(context, turn, text("complaints_bot.words_only", language=language), keyboard=buttons, kind="complaint")
        return
    await _take_file(context, turn, message, pending, buttons)


async def _take_file(
    context: CarerlineContext, turn: Turn, message: Message, pending: PendingFile, buttons: InlineKeyboardMarkup
) -> None:
    language, settings = turn.language, context.services.settings
    max_mb = str(max(1, settings.attachment_max_bytes // (1024 * 1024)))
    size = message.document.file_size if message.document else message.photo[-1].file_size
    try:
        if size is not None and size > settings.attachment_max_bytes:
            raise AttachmentRejected("too_large", "too large")
        check_complaint_file(await _download(context, pending.file_id), max_bytes=settings.attachment_max_bytes)
        async with context.services.database.transaction() as session:
            draft = await add_complaint_file(session, chat_id=turn.chat_id, file=pending, caption=message.caption, now=_now(context))
    except DescriptionTooLong as refusal:  # nothing was added: the file and its words are sent again, shorter
        body = text("complaints_bot.too_long", language=language, room=f"{refusal.room:,}")
        await say(context, turn, body, keyboard=buttons, kind="complaint")
        return
    except AttachmentRejected as refusal:
        body = text(f"complaints_bot.file_rejected.{refusal.reason}", language=language, max_mb=max_mb, count=str(MAX_ATTACHMENTS_PER_COMPLAINT))
        await say(context, turn, body, keyboard=buttons, kind="complaint")
        return
    except TelegramError:
        await say(context, turn, text("complaints_bot.file_failed", language=language), keyboard=buttons, kind="complaint")
        return
    if turn.chat.step == Step.COMPLAINT_DESCRIPTION:
        body = text("complaints_bot.file_added_type_words", language=language, count=str(draft.file_count))
        await say(context, turn, body, keyboard=_words_keyboard(draft, language), kind="complaint")
        return
    body = text("complaints_bot.file_added", language=language, count=str(draft.file_count))
    await say(context, turn, body, keyboard=_send_keyboard(draft, language), kind="complaint")


@needs_consent(continues_step=True)
async def send(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """cmp:send:<version>: fetch the files, open the complaint; the reference and acknowledgement come via the outbox."""
    services, version, language = context.services, int(matched(context)), turn.language
    try:
        async with services.database.transaction() as session:
            files = await pending_files(session, chat_id=turn.chat_id, version=version)
        contents = [(await _download(context, item.file_id), item.name) for item in files]
        async with services.database.transaction() as session:
            await send_complaint(
                session, chat_id=turn.chat_id, carer_id=turn.carer_id, version=version, files=contents,
                council=CouncilContact.from_settings(services.settings),
                attachments_dir=services.settings.attachments_dir, max_bytes=services.settings.attachment_max_bytes, now=_now(context),
            )
    except StaleStepError:
        await old_button(update, context)
    except (CaseworkError, TelegramError, OSError):
        body = text("complaints_bot.not_sent", language=language, **council_contact(context))
        await say(context, turn, body, keyboard=keyboard([menu_button(language)]), kind="complaint")


@needs_consent
async def my_complaints(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """menu:complaints and /complaints: each complaint's stage, dates and answers; stage 2 buttons where allowed."""
    language = turn.language
    async with context.services.database.transaction() as session:
        shown = await show_my_complaints(session, carer_id=turn.carer_id, language=language, today=council_day(_now(context)))
    rows = [[button("casework.button.escalate", f"cmp:esc:{complaint_id}", language=language, reference=reference)] for complaint_id, reference in shown.can_escalate]
    rows += [[button("complaints_bot.button.my_reports", MY_REPORTS, language=language)], [menu_button(language)]]
    await say(context, turn, shown.text, keyboard=keyboard(*rows), kind="my_complaints")


@needs_consent
async def my_reports(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """menu:reports and /reports: the problems reported and whether each was dealt with."""
    language = turn.language
    async with context.services.database.transaction() as session:
        body = await show_my_reports(session, carer_id=turn.carer_id, language=language)
    buttons = keyboard([button("complaints_bot.button.my_complaints", MY_COMPLAINTS, language=language)], [menu_button(language)])
    await say(context, turn, body, keyboard=buttons, kind="my_reports")


@needs_consent
async def ask_escalation(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """cmp:esc:<complaint>: ask why the parent is not happy, then stage 2 starts."""
    language, now = turn.language, _now(context)
    try:
        async with context.services.database.transaction() as session:
            reference = await start_escalation(
                session, chat_id=turn.chat_id, carer_id=turn.carer_id, complaint_id=int(matched(context)), today=council_day(now), now=now
            )
    except CaseworkError:
        body = text("complaints_bot.cannot_escalate", language=language)
        await say(context, turn, body, keyboard=keyboard([menu_button(language)]), kind="complaint")
        return
    body = text("complaints_bot.ask_reason", language=language, reference=reference, limit=f"{MAX_DESCRIPTION_LENGTH:,}")
    await say(context, turn, body, keyboard=keyboard([menu_button(language)]), kind="complaint")


async def receive_reason(update: Update, context: CarerlineContext, turn: Turn) -> None:
    """Text typed while we wait for the stage 2 reason: stage 2 starts; the confirmation comes via the outbox."""
    message = update.effective_message
    assert message is not None and message.text is not None
    language = turn.language
    try:
        async with context.services.database.transaction() as session:
            await give_escalation_reason(
                session, chat_id=turn.chat_id, carer_id=turn.carer_id, reason=message.text, now=_now(context),
                council=CouncilContact.from_settings(context.services.settings),
            )
    except CaseworkError:
        body = text("complaints_bot.reason_too_long", language=language, limit=f"{MAX_DESCRIPTION_LENGTH:,}")
        await say(context, turn, body, keyboard=keyboard([menu_button(language)]), kind="complaint")


def _pending_file(message: Message) -> PendingFile | None:
    if message.photo:
        return PendingFile(file_id=message.photo[-1].file_id, name=None)
    if message.document is not None:
        return PendingFile(file_id=message.document.file_id, name=message.document.file_name)
    return None


async def _download(context: CarerlineContext, file_id: str) -> bytes:
    telegram_file = await context.bot.get_file(file_id)
    return bytes(await telegram_file.download_as_bytearray())


def _words_keyboard(draft: ComplaintDraft, language: str) -> InlineKeyboardMarkup:
    rows = [[button("complaints_bot.button.next", f"cmp:next:{draft.version}", language=language)]] if draft.description else []
    return keyboard(*rows, [menu_button(language)])


def _send_keyboard(draft: ComplaintDraft, language: str) -> InlineKeyboardMarkup:
    return keyboard([button("complaints_bot.button.send", f"cmp:send:{draft.version}", language=language)], [menu_button(language)])
