"""The emulated Telegram world behind the HTTP server: state, faults, people to act as, and waits."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sandbox.emulator.bot_api.dispatcher import UpdateDispatcher
from sandbox.emulator.faults import FaultConfig, FaultInjector, RateLimiter
from sandbox.emulator.bot_api.updates import webhook_info_dict
from sandbox.emulator.models import (
    CallbackAnswer,
    EmulatedGroup,
    EmulatedUser,
    EmulatorStats,
    SentMessage,
)
from sandbox.emulator.person import PersonSimulator
from sandbox.emulator.bot_api.registry import EmulatorSettings
from sandbox.emulator.state import EmulatorState

# Predicates may depend on things outside the emulator (a database, a scheduler), so waits
# also re-check at this interval instead of relying only on emulator change notifications.
_RECHECK_INTERVAL_S = 0.05


class EmulatedTelegram:
    """Everything the emulator is except its HTTP server: what the Bot API routes and the control API act on."""

    def __init__(
        self,
        *,
        token: str = "123456:TEST-token",
        bot_username: str = "CarerlineSandboxBot",
        bot_first_name: str = "Carerline",
        faults: FaultConfig | None = None,
        strict_html_ampersands: bool = True,
        callback_query_ttl_s: float = 15.0,
        webhook_retry_initial_s: float = 0.2,
        webhook_retry_max_s: float = 5.0,
        **fault_settings: Any,
    ) -> None:
        prefix = token.split(":", 1)[0]
        self.token = token
        self.state = EmulatorState(
            bot_id=int(prefix) if prefix.isdigit() else 1,
            bot_username=bot_username,
            bot_first_name=bot_first_name,
        )
        self.settings = EmulatorSettings(
            strict_html_ampersands=strict_html_ampersands,
            callback_query_ttl_s=callback_query_ttl_s,
        )
        config = (faults or FaultConfig()).updated(**fault_settings)
        self.fault_injector = FaultInjector(config)
        self.rate_limiter = RateLimiter()
        self.dispatcher = UpdateDispatcher(
            state=self.state,
            retry_initial_s=webhook_retry_initial_s,
            retry_max_s=webhook_retry_max_s,
        )
        self.people = PersonSimulator(state=self.state)
        # A Notify emulator's root URL: the phone page then shows families' texts and emails too (notify_link.py).
        self.notify_url: str | None = None

    # --- people -----------------------------------------------------------------------

    def add_user(
        self,
        *,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str = "en",
        has_started: bool = False,
    ) -> EmulatedUser:
        """Register a person (has_started=True as if they had already pressed Start)."""
        return self.state.add_user(
            user=EmulatedUser(
                user_id=user_id,
                first_name=first_name,
                last_name=last_name,
                username=username,
                language_code=language_code,
                has_started=has_started,
            )
        )

    def add_group(self, *, chat_id: int, title: str) -> EmulatedGroup:
        """Register a group chat the bot is a member of."""
        return self.state.add_group(group=EmulatedGroup(chat_id=chat_id, title=title))

    def user(self, *, user_id: int) -> EmulatedUser:
        """Return a registered person."""
        return self.state.require_user(user_id)

    def block_bot(self, *, user_id: int) -> None:
        """The person blocks the bot (sends to them now fail with 403)."""
        self.people.set_blocked(user_id=user_id, blocked=True)

    def unblock_bot(self, *, user_id: int) -> None:
        """The person unblocks the bot."""
        self.people.set_blocked(user_id=user_id, blocked=False)

    # --- acting as a person -----------------------------------------------------------

    async def send_text(self, *, user_id: int, text: str) -> dict[str, Any]:
        """The person sends text (a leading /command gets a bot_command entity)."""
        return self.people.write(user_id=user_id, kind="text", text=text)

    async def send_group_text(self, *, chat_id: int, user_id: int, text: str) -> dict[str, Any]:
        """The person writes in a group chat."""
        return self.people.write(user_id=user_id, chat_id=chat_id, kind="text", text=text)

    async def send_sticker(self, *, user_id: int, emoji: str = "👍") -> dict[str, Any]:
        """The person sends a sticker."""
        extra = self.people.sticker_extra(emoji=emoji)
        return self.people.write(user_id=user_id, kind="sticker", extra=extra)

    async def send_photo(self, *, user_id: int, caption: str | None = None) -> dict[str, Any]:
        """The person sends a photo."""
        extra = self.people.photo_extra()
        return self.people.write(user_id=user_id, kind="photo", caption=caption, extra=extra)

    async def send_voice(self, *, user_id: int, duration_s: int = 3) -> dict[str, Any]:
        """The person sends a voice note."""
        extra = self.people.voice_extra(duration_s=duration_s)
        return self.people.write(user_id=user_id, kind="voice", extra=extra)

    async def send_video(self, *, user_id: int, duration_s: int = 5) -> dict[str, Any]:
        """The person sends a video."""
        extra = self.people.video_extra(duration_s=duration_s)
        return self.people.write(user_id=user_id, kind="video", extra=extra)

    async def send_video_note(self, *, user_id: int, duration_s: int = 5) -> dict[str, Any]:
        """The person sends a round video note."""
        extra = self.people.video_note_extra(duration_s=duration_s)
        return self.people.write(user_id=user_id, kind="video_note", extra=extra)

    async def send_contact(
        self, *, user_id: int, phone_number: str, first_name: str | None = None
    ) -> dict[str, Any]:
        """The person shares a contact (their own unless first_name is given)."""
        user = self.state.require_user(user_id)
        contact: dict[str, Any] = {
            "phone_number": phone_number,
            "first_name": first_name or user.first_name,
        }
        if first_name is None:
            contact["user_id"] = user_id
        return self.people.write(user_id=user_id, kind="contact", extra={"contact": contact})

    async def send_location(
        self, *, user_id: int, latitude: float, longitude: float
    ) -> dict[str, Any]:
        """The person shares a location."""
        extra = {"location": {"latitude": latitude, "longitude": longitude}}
        return self.people.write(user_id=user_id, kind="location", extra=extra)

    async def send_document(
        self,
        *,
        user_id: int,
        filename: str,
        content: bytes,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
    ) -> dict[str, Any]:
        """The person sends a file (the bot can fetch it with getFile)."""
        document = self.people.document_info(
            filename=filename, content=content, mime_type=mime_type
        )
        return self.people.write(
            user_id=user_id, kind="document", caption=caption, document=document
        )

    async def edit_text(self, *, user_id: int, message_id: int, text: str) -> dict[str, Any]:
        """The person edits one of their text messages."""
        return self.people.edit(user_id=user_id, message_id=message_id, text=text)

    async def press_button(
        self, *, user_id: int, message_id: int, callback_data: str
    ) -> dict[str, Any]:
        """The person presses an inline button; raises LookupError if there is no such button."""
        return self.people.press(
            user_id=user_id, message_id=message_id, callback_data=callback_data
        )

    # --- observing the bot ------------------------------------------------------------

    def messages(self, *, chat_id: int) -> list[SentMessage]:
        """All messages of a chat, both sides, oldest first (deleted ones flagged)."""
        return list(self.state.chat_messages.get(chat_id, []))

    def bot_messages(self, *, chat_id: int) -> list[SentMessage]:
        """Messages the bot sent into a chat."""
        return [message for message in self.messages(chat_id=chat_id) if message.from_bot]

    def transcript(self, *, chat_id: int) -> str:
        """A readable chat log for assertion messages."""
        lines = []
        for message in self.messages(chat_id=chat_id):
            who = "bot" if message.from_bot else f"user {message.sender_id}"
            body = message.text if message.text is not None else f"<{message.kind}>"
            if message.caption:
                body += f" {message.caption!r}"
            flags = " [deleted]" if message.deleted else ""
            flags += f" [edited x{len(message.edits)}]" if message.edits else ""
            buttons = message.callback_data_values()
            flags += f" [buttons: {', '.join(buttons)}]" if buttons else ""
            lines.append(f"  #{message.message_id} {who}: {body!r}{flags}")
        return "\n".join(lines) or "  (no messages)"

    def callback_answers(self, *, user_id: int) -> list[CallbackAnswer]:
        """Answers the bot gave to this person's button presses."""
        return [a for a in self.state.callback_answers if a.user_id == user_id]

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        *,
        timeout_s: float = 5.0,
        description: str = "condition",
    ) -> None:
        """Wait until predicate() is true, waking on emulator changes; TimeoutError on deadline."""
        deadline = time.monotonic() + timeout_s
        while True:
            version = self.state.feed.version
            if predicate():
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout_s}s waiting for {description}")
            await self.state.feed.wait_for_change(
                after_version=version, timeout_s=min(remaining, _RECHECK_INTERVAL_S)
            )

    async def wait_for_bot_message(
        self, *, chat_id: int, after_message_id: int | None = None, timeout_s: float = 5.0
    ) -> SentMessage:
        """Return the bot's next message with id > after_message_id (default: newest now)."""
        after = (
            self.state.last_message_id(chat_id) if after_message_id is None else after_message_id
        )

        def find() -> SentMessage | None:
            return next(
                (m for m in self.bot_messages(chat_id=chat_id) if m.message_id > after), None
            )

        try:
            await self.wait_until(lambda: find() is not None, timeout_s=timeout_s)
        except TimeoutError:
            raise TimeoutError(
                f"no message from the bot in chat {chat_id} after message #{after} within "
                f"{timeout_s}s; transcript:\n{self.transcript(chat_id=chat_id)}"
            ) from None
        found = find()
        assert found is not None
        return found

    @property
    def commands(self) -> dict[tuple[str, str], list[dict[str, str]]]:
        """Last setMyCommands per (scope key, language_code); scope key e.g. "default"."""
        return self.state.commands

    @property
    def stats(self) -> EmulatorStats:
        """Request, send, rejection and fault counters."""
        return self.state.stats

    def reset_stats(self) -> None:
        """Zero all counters."""
        self.state.stats.reset()

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by getUpdates or delivered to the webhook."""
        return list(self.state.pending_updates)

    @property
    def webhook_info(self) -> dict[str, Any]:
        """What getWebhookInfo would return."""
        return webhook_info_dict(
            self.state.webhook, pending_update_count=len(self.state.pending_updates)
        )

    # --- faults -----------------------------------------------------------------------

    @property
    def faults(self) -> FaultConfig:
        """Current fault and rate-cap settings."""
        return self.fault_injector.config

    def set_faults(self, **changes: Any) -> FaultConfig:
        """Change fault/rate-cap settings by FaultConfig field name."""
        self.fault_injector.reconfigure(self.fault_injector.config.updated(**changes))
        return self.fault_injector.config

    def reset_faults(self) -> FaultConfig:
        """Switch every injected fault off (rate caps stay as configured) and refill buckets."""
        self.fault_injector.reconfigure(self.fault_injector.config.without_faults())
        self.rate_limiter.reset()
        return self.fault_injector.config
