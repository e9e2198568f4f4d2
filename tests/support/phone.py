"""Acting as one parent on the emulator: send, press, and get the bot's reply back."""

from __future__ import annotations

from typing import Any

from core.i18n import plain_text, text
from sandbox.emulator import BotApiEmulator, SentMessage, parse_html

REPLY_TIMEOUT_S = 10.0


class Phone:
    """One person's Telegram: every action waits for the bot's next message in the chat."""

    def __init__(self, emulator: BotApiEmulator, *, user_id: int, first_name: str = "Amira", language_code: str = "en") -> None:
        self.emulator = emulator
        self.user_id = user_id
        emulator.add_user(user_id=user_id, first_name=first_name, language_code=language_code)

    @property
    def last_message_id(self) -> int:
        """The newest message id in the chat, either side."""
        return self.emulator.state.last_message_id(self.user_id)

    async def send(self, text: str) -> SentMessage:
        """Type a message; the bot's reply."""
        sent = await self.emulator.send_text(user_id=self.user_id, text=text)
        return await self.reply_after(sent["message_id"])

    async def press(self, message: SentMessage, label_or_data: str) -> SentMessage:
        """Press a button of a bot message, by its callback_data or (a part of) its label; the bot's reply."""
        before = self.last_message_id
        await self.emulator.press_button(
            user_id=self.user_id, message_id=message.message_id, callback_data=self.callback_data(message, label_or_data)
        )
        return await self.reply_after(before)

    async def reply_after(self, message_id: int) -> SentMessage:
        """The bot's first message after `message_id`."""
        return await self.emulator.wait_for_bot_message(chat_id=self.user_id, after_message_id=message_id, timeout_s=REPLY_TIMEOUT_S)

    async def act(self, action: Any) -> SentMessage:
        """Do something through the emulator (a coroutine returning the person's message); the bot's reply."""
        sent = await action
        return await self.reply_after(sent["message_id"])

    @staticmethod
    def callback_data(message: SentMessage, label_or_data: str) -> str:
        """The callback_data of the button with this data, or whose label contains this text."""
        buttons = [button for row in message.inline_keyboard for button in row if "callback_data" in button]
        for button in buttons:
            if button["callback_data"] == label_or_data:
                return label_or_data
        matches = [button["callback_data"] for button in buttons if label_or_data in button["text"]]
        if len(matches) != 1:
            labels = [button["text"] for button in buttons]
            raise AssertionError(f"no single button {label_or_data!r} in message #{message.message_id}; buttons: {labels}")
        return matches[0]

    @staticmethod
    def labels(message: SentMessage) -> list[str]:
        """The labels of every button under a message."""
        return [button["text"] for row in message.inline_keyboard for button in row]


def visible(key: str, *, language: str, **values: object) -> str:
    """What a person sees of a catalog text: HTML parsed away exactly as Telegram does."""
    return parse_html(text(key, language=language, **values)).text


def label(key: str, *, language: str, **values: object) -> str:
    """A button label from the catalog."""
    return plain_text(key, language=language, **values)
