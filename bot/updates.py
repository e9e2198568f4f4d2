"""Describe an incoming update in the plain terms the message log keeps."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Message, Update

from messaging.channels.telegram_updates import is_unreadable

# What we keep of each kind: the words a person typed, never the content of media, contacts or places.
_MEDIA_KINDS = ("sticker", "photo", "voice", "video", "video_note", "audio", "animation", "document",
                "contact", "location", "venue", "poll", "dice")


@dataclass(frozen=True)
class UpdateSummary:
    """The loggable facts of one update."""

    kind: str
    chat_id: int | None
    text: str | None
    telegram_message_id: int | None


def summarise_update(update: Update) -> UpdateSummary:
    """Classify an update and pick out the text a person wrote, if any."""
    if is_unreadable(update):
        return UpdateSummary("unreadable", None, None, None)
    chat_id = update.effective_chat.id if update.effective_chat else None
    if update.callback_query is not None:
        query = update.callback_query
        message_id = query.message.message_id if query.message else None
        return UpdateSummary("button", chat_id, query.data, message_id)
    if update.edited_message is not None:
        edited = update.edited_message
        return UpdateSummary("edited", chat_id, edited.text or edited.caption, edited.message_id)
    message = update.effective_message
    if message is None:
        return UpdateSummary("other", chat_id, None, None)
    return UpdateSummary(_message_kind(message), chat_id, message.text or message.caption, message.message_id)


def _message_kind(message: Message) -> str:
    if message.text is not None:
        return "command" if message.text.startswith("/") else "text"
    for kind in _MEDIA_KINDS:
        if getattr(message, kind, None):
            return kind
    return "other"
