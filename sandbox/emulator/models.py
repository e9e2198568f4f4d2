"""Plain data records the emulator keeps: people, chats, messages, files and counters."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class EmulatedUser:
    """A Telegram user who can talk to the bot."""

    user_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str = "en"
    # Telegram only lets a bot write to people who opened the chat (pressed Start) first.
    has_started: bool = False
    blocked_bot: bool = False

    def to_api(self) -> dict[str, Any]:
        """Return the Bot API User object."""
        user: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def private_chat_api(self) -> dict[str, Any]:
        """Return the Bot API Chat object of the private chat with this user."""
        chat: dict[str, Any] = {
            "id": self.user_id,
            "type": "private",
            "first_name": self.first_name,
        }
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly description for the control API."""
        return {
            "user_id": self.user_id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "username": self.username,
            "language_code": self.language_code,
            "has_started": self.has_started,
            "blocked_bot": self.blocked_bot,
        }


@dataclass
class EmulatedGroup:
    """A group or supergroup the bot is a member of."""

    chat_id: int
    title: str

    def to_api(self) -> dict[str, Any]:
        """Return the Bot API Chat object."""
        chat_type = "supergroup" if str(self.chat_id).startswith("-100") else "group"
        return {"id": self.chat_id, "type": chat_type, "title": self.title}


@dataclass(frozen=True)
class DocumentInfo:
    """A file attached to a message."""

    filename: str
    content: bytes
    mime_type: str
    file_id: str


@dataclass(frozen=True)
class MessageVersion:
    """An earlier state of an edited message."""

    text: str | None
    raw_text: str | None
    parse_mode: str | None
    entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None
    edited_at: int


@dataclass
class SentMessage:
    """One message in a chat, written by the bot (from_bot=True) or by a person."""

    chat_id: int
    message_id: int
    from_bot: bool
    sender_id: int
    kind: str
    date: int
    text: str | None = None
    caption: str | None = None
    parse_mode: str | None = None
    raw_text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    document: DocumentInfo | None = None
    edits: list[MessageVersion] = field(default_factory=list)
    edit_date: int | None = None
    deleted: bool = False
    # Kind-specific Bot API fields (sticker, photo, contact, ...) merged into the Message.
    extra: dict[str, Any] = field(default_factory=dict)
    monotonic_time: float = field(default_factory=time.monotonic)

    @property
    def inline_keyboard(self) -> list[list[dict[str, Any]]]:
        """Return the inline keyboard rows, or [] when there is none."""
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            rows: list[list[dict[str, Any]]] = self.reply_markup["inline_keyboard"]
            return rows
        return []

    def callback_data_values(self) -> list[str]:
        """Return the callback_data of every inline button."""
        return [
            button["callback_data"]
            for row in self.inline_keyboard
            for button in row
            if "callback_data" in button
        ]

    def to_dict(self, *, document_url: str | None = None) -> dict[str, Any]:
        """Return a JSON-friendly description (document bytes replaced by size and url)."""
        document = None
        if self.document is not None:
            document = {
                "filename": self.document.filename,
                "mime_type": self.document.mime_type,
                "size": len(self.document.content),
                "url": document_url,
            }
        return {
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "from_bot": self.from_bot,
            "sender_id": self.sender_id,
            "kind": self.kind,
            "date": self.date,
            "text": self.text,
            "caption": self.caption,
            "parse_mode": self.parse_mode,
            "raw_text": self.raw_text,
            "entities": self.entities,
            "reply_markup": self.reply_markup,
            "document": document,
            "edit_count": len(self.edits),
            "edit_date": self.edit_date,
            "deleted": self.deleted,
            "extra": self.extra,
        }


@dataclass
class CallbackAnswer:
    """What the bot answered to one button press."""

    query_id: str
    user_id: int
    message_id: int
    callback_data: str
    text: str | None
    show_alert: bool
    url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly description."""
        return {
            "query_id": self.query_id,
            "user_id": self.user_id,
            "message_id": self.message_id,
            "callback_data": self.callback_data,
            "text": self.text,
            "show_alert": self.show_alert,
            "url": self.url,
        }


@dataclass
class PendingCallbackQuery:
    """A button press waiting for answerCallbackQuery."""

    query_id: str
    user_id: int
    chat_id: int
    message_id: int
    callback_data: str
    created_at: float
    answered: bool = False


@dataclass(frozen=True)
class StoredFile:
    """A file the Bot API can hand out through getFile and the download route."""

    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    mime_type: str
    filename: str | None


@dataclass(frozen=True)
class SendRecord:
    """One accepted send, for rate measurements."""

    monotonic_time: float
    chat_id: int
    message_id: int


@dataclass
class EmulatorStats:
    """Counters for tests and benchmarks (exactly-once checks, rate checks, fault counts)."""

    requests_by_method: Counter[str] = field(default_factory=Counter)
    sent_by_chat: Counter[int] = field(default_factory=Counter)
    rejected_by_code: Counter[int] = field(default_factory=Counter)
    faults_injected: Counter[str] = field(default_factory=Counter)
    send_log: list[SendRecord] = field(default_factory=list)
    sent_texts: list[tuple[int, str]] = field(default_factory=list)

    @property
    def total_sent(self) -> int:
        """Return how many sends were accepted in total."""
        return sum(self.sent_by_chat.values())

    def sent_count(self, chat_id: int) -> int:
        """Return how many sends to `chat_id` were accepted."""
        return self.sent_by_chat[chat_id]

    def record_send(self, *, chat_id: int, message_id: int, text: str | None) -> None:
        """Count one accepted send."""
        self.sent_by_chat[chat_id] += 1
        self.send_log.append(SendRecord(time.monotonic(), chat_id, message_id))
        if text is not None:
            self.sent_texts.append((chat_id, text))

    def duplicate_texts(self) -> list[tuple[int, str]]:
        """Return (chat_id, text) pairs that were sent more than once."""
        counts = Counter(self.sent_texts)
        return [pair for pair, count in counts.items() if count > 1]

    def reset(self) -> None:
        """Zero every counter."""
        self.requests_by_method.clear()
        self.sent_by_chat.clear()
        self.rejected_by_code.clear()
        self.faults_injected.clear()
        self.send_log.clear()
        self.sent_texts.clear()

    def to_dict(self) -> dict[str, Any]:
        """Return the counters as JSON-friendly dict (chat ids and codes as strings)."""
        return {
            "requests_by_method": dict(self.requests_by_method),
            "sent_by_chat": {str(chat): count for chat, count in self.sent_by_chat.items()},
            "total_sent": self.total_sent,
            "rejected_by_code": {str(code): n for code, n in self.rejected_by_code.items()},
            "faults_injected": dict(self.faults_injected),
            "send_log": [
                [record.monotonic_time, record.chat_id, record.message_id]
                for record in self.send_log
            ],
            "duplicate_texts": [list(pair) for pair in self.duplicate_texts()],
        }
