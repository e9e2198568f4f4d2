"""In-memory Telegram world: people, chats, messages, files, the update queue and change feed."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import secrets
import time
from dataclasses import dataclass
from typing import Any

from sandbox.emulator import errors
from sandbox.emulator.errors import ApiError
from sandbox.emulator.reply_clock import ReplyClock
from sandbox.emulator.models import (
    CallbackAnswer,
    EmulatedGroup,
    EmulatedUser,
    EmulatorStats,
    PendingCallbackQuery,
    SentMessage,
    StoredFile,
)

# Telegram leaves these out unless a bot lists them in allowed_updates explicitly.
OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class ChangeFeed:
    """A version counter plus wake-ups, so waiters react to changes instead of sleeping."""

    def __init__(self) -> None:
        self.version = 0
        self._waiters: list[asyncio.Future[None]] = []

    def bump(self) -> int:
        """Record a change and wake every waiter; return the new version."""
        self.version += 1
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)
        return self.version

    async def wait_for_change(self, *, after_version: int, timeout_s: float) -> bool:
        """Wait until version > after_version or the timeout; return whether it changed."""
        if self.version > after_version:
            return True
        if timeout_s <= 0:
            return False
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter, timeout_s)
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
        return self.version > after_version


@dataclass
class WebhookSettings:
    """What setWebhook configured and how delivery is going."""

    url: str = ""
    secret_token: str | None = None
    allowed_updates: list[str] | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


class EmulatorState:
    """All mutable emulator data; every mutation bumps the change feed."""

    def __init__(self, *, bot_id: int, bot_username: str, bot_first_name: str) -> None:
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.users: dict[int, EmulatedUser] = {}
        self.groups: dict[int, EmulatedGroup] = {}
        self.chat_messages: dict[int, list[SentMessage]] = {}
        self._last_message_id: dict[int, int] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self._file_counter = itertools.count(1)
        self.pending_updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(10_000)
        self.allowed_updates: list[str] | None = None
        self.callback_queries: dict[str, PendingCallbackQuery] = {}
        self.callback_answers: list[CallbackAnswer] = []
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.webhook = WebhookSettings()
        self.feed = ChangeFeed()
        self.chat_versions: dict[int, int] = {}
        # One feed per chat too, so that a long poll on one chat wakes only for that chat's changes
        # (with hundreds of chats polled at once, waking every poller on every change costs O(chats^2)).
        self.chat_feeds: dict[int, ChangeFeed] = {}
        self.stats = EmulatorStats()
        self.turn_feed = ChangeFeed()
        self.reply_clock = ReplyClock(on_answer=self.turn_feed.bump)

    # --- people and chats -------------------------------------------------------------

    def bot_user_api(self) -> dict[str, Any]:
        """Return the bot's own User object."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def add_user(self, *, user: EmulatedUser) -> EmulatedUser:
        """Register (or replace) a person."""
        self.users[user.user_id] = user
        self.feed.bump()
        return user

    def add_group(self, *, group: EmulatedGroup) -> EmulatedGroup:
        """Register a group the bot belongs to."""
        self.groups[group.chat_id] = group
        self.feed.bump()
        return group

    def require_user(self, user_id: int) -> EmulatedUser:
        """Return the user or raise KeyError with a helpful message."""
        try:
            return self.users[user_id]
        except KeyError:
            raise KeyError(f"no emulated user with id {user_id}; call add_user first") from None

    def chat_api(self, chat_id: int) -> dict[str, Any]:
        """Return the Chat object for a known chat id."""
        if chat_id in self.users:
            return self.users[chat_id].private_chat_api()
        if chat_id in self.groups:
            return self.groups[chat_id].to_api()
        raise ApiError(400, errors.CHAT_NOT_FOUND)

    def resolve_chat_id(self, raw: Any) -> int:
        """Turn a chat_id parameter (int, numeric string or @username) into a known chat id."""
        if raw is None or raw == "":
            raise errors.bad_request("chat_id is empty")
        if isinstance(raw, str) and raw.startswith("@"):
            for user in self.users.values():
                if user.username and user.username.lower() == raw[1:].lower():
                    return user.user_id
            raise ApiError(400, errors.CHAT_NOT_FOUND)
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise ApiError(400, errors.CHAT_NOT_FOUND) from None
        if chat_id not in self.users and chat_id not in self.groups:
            raise ApiError(400, errors.CHAT_NOT_FOUND)
        return chat_id

    def ensure_bot_can_write(self, chat_id: int) -> None:
        """Raise the 403 Telegram returns when the person never started or blocked the bot."""
        user = self.users.get(chat_id)
        if user is None:
            return
        if user.blocked_bot:
            raise ApiError(403, errors.BLOCKED_BY_USER)
        if not user.has_started:
            raise ApiError(403, errors.CANT_INITIATE)

    # --- messages ---------------------------------------------------------------------

    def allocate_message_id(self, chat_id: int) -> int:
        """Return the next message id of a chat (shared by both sides, starting at 1)."""
        next_id = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = next_id
        return next_id

    def add_message(self, message: SentMessage) -> SentMessage:
        """Store a message and announce the change."""
        self.chat_messages.setdefault(message.chat_id, []).append(message)
        self.touch_chat(message.chat_id)
        if message.from_bot:
            self.reply_clock.bot_sent(chat_id=message.chat_id)
        return message

    def find_message(self, chat_id: int, message_id: int) -> SentMessage | None:
        """Return a message that has not been deleted, or None."""
        for message in self.chat_messages.get(chat_id, []):
            if message.message_id == message_id and not message.deleted:
                return message
        return None

    def last_message_id(self, chat_id: int) -> int:
        """Return the id of the newest message in a chat (0 when empty)."""
        return self._last_message_id.get(chat_id, 0)

    def touch_chat(self, chat_id: int) -> None:
        """Bump the change feed and remember which version last touched this chat."""
        self.chat_versions[chat_id] = self.feed.bump()
        self.chat_feed(chat_id).bump()

    def chat_feed(self, chat_id: int) -> ChangeFeed:
        """The change feed of one chat (created on first use)."""
        feed = self.chat_feeds.get(chat_id)
        if feed is None:
            feed = self.chat_feeds[chat_id] = ChangeFeed()
        return feed

    def message_to_api(self, message: SentMessage) -> dict[str, Any]:
        """Return the Bot API Message object for a stored message."""
        if message.from_bot:
            sender = self.bot_user_api()
        else:
            sender = self.require_user(message.sender_id).to_api()
        payload: dict[str, Any] = {
            "message_id": message.message_id,
            "from": sender,
            "chat": self.chat_api(message.chat_id),
            "date": message.date,
        }
        if message.edit_date is not None:
            payload["edit_date"] = message.edit_date
        if message.text is not None:
            payload["text"] = message.text
            if message.entities:
                payload["entities"] = message.entities
        if message.caption is not None:
            payload["caption"] = message.caption
            if message.entities:
                payload["caption_entities"] = message.entities
        if message.document is not None:
            stored = self.files.get(message.document.file_id)
            payload["document"] = {
                "file_id": message.document.file_id,
                "file_unique_id": stored.file_unique_id if stored else message.document.file_id,
                "file_name": message.document.filename,
                "mime_type": message.document.mime_type,
                "file_size": len(message.document.content),
            }
        payload.update(message.extra)
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            payload["reply_markup"] = message.reply_markup
        return payload

    # --- files ------------------------------------------------------------------------

    def register_file(
        self, *, content: bytes, mime_type: str, filename: str | None, folder: str
    ) -> StoredFile:
        """Store bytes under a fresh file_id and file_path."""
        number = next(self._file_counter)
        extension = ""
        if filename and "." in filename:
            extension = "." + filename.rsplit(".", 1)[1]
        stored = StoredFile(
            file_id=f"EMU{folder[:3].upper()}{number:06d}{secrets.token_hex(8)}",
            file_unique_id=f"U{number:08d}",
            file_path=f"{folder}/file_{number}{extension}",
            content=content,
            mime_type=mime_type,
            filename=filename,
        )
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    # --- updates ----------------------------------------------------------------------

    def enqueue_update(self, *, update_type: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Append an Update to the queue (delivered by getUpdates or the webhook)."""
        update = {"update_id": next(self._update_ids), update_type: payload}
        self.pending_updates.append(update)
        self.feed.bump()
        return update

    @staticmethod
    def update_type_of(update: dict[str, Any]) -> str:
        """Return the update's kind (message, callback_query, ...)."""
        return next(key for key in update if key != "update_id")

    def is_update_allowed(self, update: dict[str, Any], allowed: list[str] | None) -> bool:
        """Apply allowed_updates semantics (empty/None = all except opt-in types)."""
        update_type = self.update_type_of(update)
        if not allowed:
            return update_type not in OPT_IN_UPDATE_TYPES
        return update_type in allowed

    def drop_disallowed_updates(self, allowed: list[str] | None) -> None:
        """Forget queued updates the bot did not subscribe to, like Telegram does."""
        self.pending_updates = [
            update for update in self.pending_updates if self.is_update_allowed(update, allowed)
        ]

    def confirm_updates_below(self, offset: int) -> None:
        """Drop updates with update_id < offset (a negative offset keeps only the last -N)."""
        if offset < 0:
            self.pending_updates = self.pending_updates[offset:]
        else:
            self.pending_updates = [u for u in self.pending_updates if u["update_id"] >= offset]

    # --- callback queries -------------------------------------------------------------

    def new_callback_query(
        self, *, user_id: int, chat_id: int, message_id: int, callback_data: str
    ) -> PendingCallbackQuery:
        """Create a pending button press with a fresh query id."""
        query = PendingCallbackQuery(
            query_id=str(secrets.randbits(62)),
            user_id=user_id,
            chat_id=chat_id,
            message_id=message_id,
            callback_data=callback_data,
            created_at=time.monotonic(),
        )
        self.callback_queries[query.query_id] = query
        return query
