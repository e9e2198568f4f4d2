"""In-process Telegram Bot API emulator over real HTTP (see BotApiEmulator)."""

from sandbox.emulator.emulator import BotApiEmulator
from sandbox.emulator.errors import ApiError
from sandbox.emulator.faults import FaultConfig
from sandbox.emulator.bot_api.html_entities import HtmlParseError, ParsedText, parse_html, utf16_length
from sandbox.emulator.models import (
    CallbackAnswer,
    DocumentInfo,
    EmulatedGroup,
    EmulatedUser,
    EmulatorStats,
    MessageVersion,
    SendRecord,
    SentMessage,
)

__all__ = [
    "ApiError",
    "BotApiEmulator",
    "CallbackAnswer",
    "DocumentInfo",
    "EmulatedGroup",
    "EmulatedUser",
    "EmulatorStats",
    "FaultConfig",
    "HtmlParseError",
    "MessageVersion",
    "ParsedText",
    "SendRecord",
    "SentMessage",
    "parse_html",
    "utf16_length",
]
