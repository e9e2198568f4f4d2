"""Wiring only: build the python-telegram-bot Application with our handlers."""

from __future__ import annotations

from functools import partial

from telegram import Update
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import kind_answers
from bot.button_handler import ButtonHandler
from bot.context import SERVICES_KEY, CarerlineApplication, CarerlineContext
from messaging.dependencies import Dependencies
from bot.handlers import consent, contact_settings, linking, menu, my_data, settings
from bot.routing import bad_input
from bot.handlers import acknowledgements, application_status
from bot.handlers import feedback, problems
from bot.routing import typed_text
from bot.handlers import surveys
from bot.handlers import complaints
from bot.routing.errors import handle_error
from bot.routing.recording import record_incoming_update
from bot.routing.turn_start import begin_turn, prepare_turn
from bot.menu import register_commands
from bot.operator_flow.gate import operator_gate
from messaging.channels.telegram import AiohttpRequest, ReplyBot
from bot.intake.processing import PerChatUpdateProcessor, concurrent_updates_for

REPLY_CONNECTIONS = 64  # room for every processing slot's request with some over; see bot/intake/processing.py
RECORDING_GROUP = -3  # runs before every other group
TURN_GROUP = -2  # then the flood throttle and the chat's state, read once for the handlers in group 0
OPERATOR_GROUP = -1  # then operator chats (bot/operator_flow), which never reach the family handlers in group 0


def build_bot_application(*, services: Dependencies, webhook_mode: bool) -> CarerlineApplication:
    """The bot, talking to CARERLINE_BOT_API_URL; no Updater in webhook mode."""
    settings = services.settings
    root = settings.api_root
    builder = (
        ApplicationBuilder()
        .bot(
            ReplyBot(
                settings.require_bot_token(),
                base_url=f"{root}/bot",
                base_file_url=f"{root}/file/bot",
                request=AiohttpRequest(connection_pool_size=REPLY_CONNECTIONS, timeout_s=15.0),
                get_updates_request=AiohttpRequest(connection_pool_size=1, timeout_s=40.0),
            )
        )
        .context_types(ContextTypes(context=CarerlineContext))
        .concurrent_updates(PerChatUpdateProcessor(max_concurrent_updates=concurrent_updates_for(services.database)))
        .post_init(register_commands)
    )
    if webhook_mode:
        builder = builder.updater(None)
    application: CarerlineApplication = builder.build()  # type: ignore[assignment]
    application.bot_data[SERVICES_KEY] = services
    if not webhook_mode:
        # Polled updates are recorded (and presses answered) while they wait for a slot. A webhook update is recorded only once it is
        # handled: on PostgreSQL one left unhandled at shutdown is handled by another replica, whose record
        # must be the first (bot/intake/ordered.py).
        processor = application.update_processor
        assert isinstance(processor, PerChatUpdateProcessor)
        processor.prepare = partial(prepare_turn, bot_data=application.bot_data)
    _add_handlers(application)
    return application


def _add_handlers(application: CarerlineApplication) -> None:
    # Order matters: the recording handler sees every update first, in its own group.
    application.add_handler(TypeHandler(Update, record_incoming_update), group=RECORDING_GROUP)
    # Then one handler reads the chat's carer and conversation state (and stops floods).
    application.add_handler(TypeHandler(Update, begin_turn), group=TURN_GROUP)
    # Operator codes and linked operator chats are answered here and stop; family chats pass straight on.
    application.add_handler(TypeHandler(Update, operator_gate), group=OPERATOR_GROUP)
    # Edits first: otherwise an edited "/start" or text would run as if it were new.
    application.add_handler(MessageHandler(filters.UpdateType.EDITED, bad_input.edited))
    application.add_handler(CommandHandler("start", linking.start))
    application.add_handler(CommandHandler("menu", menu.show_menu))
    application.add_handler(CommandHandler("transport", menu.show_transport))
    application.add_handler(CommandHandler("application", application_status.show_my_application))
    application.add_handler(CommandHandler("problem", problems.start_problem))
    application.add_handler(CommandHandler("feedback", feedback.start_feedback))
    application.add_handler(CommandHandler("complaint", complaints.start_complaint))
    application.add_handler(CommandHandler("complaints", complaints.my_complaints))
    application.add_handler(CommandHandler("reports", complaints.my_reports))
    application.add_handler(CommandHandler("settings", settings.show_settings))
    application.add_handler(CommandHandler("mydata", my_data.show_my_data))
    application.add_handler(CommandHandler("help", menu.show_help))
    for pattern, callback in _button_handlers():
        application.add_handler(ButtonHandler(callback, pattern=pattern))
    # After every known button: presses on buttons we no longer have, from older messages, or with data we cannot use.
    application.add_handler(CallbackQueryHandler(kind_answers.old_button))
    application.add_handler(MessageHandler(filters.COMMAND, bad_input.unknown_command))
    application.add_handler(MessageHandler(filters.TEXT, typed_text.receive_text))
    # Last: everything nobody else took (stickers, photos, voice, places...) gets a kind answer.
    application.add_handler(MessageHandler(_MEDIA, bad_input.media))  # files for a complaint, or a kind answer
    application.add_handler(MessageHandler(filters.ALL, bad_input.anything_else))
    application.add_error_handler(handle_error)


_MEDIA = (
    filters.Sticker.ALL | filters.PHOTO | filters.VOICE | filters.VIDEO | filters.VIDEO_NOTE | filters.AUDIO
    | filters.ANIMATION | filters.Document.ALL | filters.CONTACT | filters.LOCATION | filters.VENUE
    | filters.POLL | filters.Dice.ALL
)


def _button_handlers() -> list[tuple[str, object]]:
    """Each inline button's callback_data pattern and its handler (patterns are anchored)."""
    return [
        (acknowledgements.ACK_PATTERN, acknowledgements.acknowledge),
        (f"^{menu.LINK_ANOTHER}$", linking.link_another),
        (consent.AGREE_PATTERN, consent.agree),
        (consent.DECLINE_PATTERN, consent.decline),
        (f"^{consent.AGAIN}$", consent.read_again),
        ("^menu:main$", menu.show_menu),
        ("^menu:transport$", menu.show_transport),
        ("^menu:application$", application_status.show_my_application),
        ("^menu:complaint$", complaints.start_complaint),
        (f"^{complaints.MY_COMPLAINTS}$", complaints.my_complaints),
        (f"^{complaints.MY_REPORTS}$", complaints.my_reports),
        (complaints.CHILD_PATTERN, complaints.choose_child),
        (complaints.CATEGORY_PATTERN, complaints.choose_category),
        (complaints.NEXT_PATTERN, complaints.finish_words),
        (complaints.SEND_PATTERN, complaints.send),
        (complaints.ESCALATE_PATTERN, complaints.ask_escalation),
        ("^menu:feedback$", feedback.start_feedback),
        (feedback.TOPIC_PATTERN, feedback.choose_topic),
        (feedback.RATING_PATTERN, feedback.choose_rating),
        (feedback.SKIP_PATTERN, feedback.skip_text),
        (feedback.QUOTE_PATTERN, feedback.answer_quote),
        (surveys.START_PATTERN, surveys.start_survey),
        (surveys.RATING_PATTERN, surveys.rate),
        (surveys.PICK_PATTERN, surveys.pick),
        (surveys.SKIP_PATTERN, surveys.skip),
        (surveys.QUOTE_PATTERN, surveys.quote),
        ("^menu:problem$", problems.start_problem),
        (problems.CHILD_PATTERN, problems.choose_child),
        (problems.CATEGORY_PATTERN, problems.choose_category),
        (problems.NO_DETAILS_PATTERN, problems.skip_details),
        (problems.SEND_PATTERN, problems.send_report),
        ("^menu:settings$", settings.show_settings),
        ("^menu:mydata$", my_data.show_my_data),
        ("^menu:help$", menu.show_help),
        ("^set:language$", settings.choose_language),
        (settings.LANGUAGE_PATTERN, settings.change_language),
        ("^set:quiet$", settings.choose_quiet_hours),
        (settings.QUIET_PATTERN, settings.change_quiet_hours),
        ("^set:kinds$", settings.choose_kinds),
        (settings.KIND_PATTERN, settings.change_kind),
        ("^set:unlink$", settings.choose_child_to_unlink),
        (settings.UNLINK_CHILD_PATTERN, settings.confirm_unlink),
        (settings.UNLINK_YES_PATTERN, settings.unlink),
        (f"^{contact_settings.CONTACT}$", contact_settings.show_contact),
        (f"^{contact_settings.CHOOSE_CHANNEL}$", contact_settings.choose_channel_menu),
        (contact_settings.CHANNEL_PATTERN, contact_settings.change_channel),
        (contact_settings.ASK_PATTERN, contact_settings.ask_detail),
        (contact_settings.REMOVE_PATTERN, contact_settings.remove_detail),
        (contact_settings.WHO_PATTERN, contact_settings.answer_who),
        ("^set:withdraw$", settings.confirm_withdraw),
        (settings.WITHDRAW_YES_PATTERN, settings.withdraw),
        ("^data:export$", my_data.send_copy),
        ("^data:erase$", my_data.confirm_erase),
        (my_data.ERASE_YES_PATTERN, my_data.erase),
    ]
