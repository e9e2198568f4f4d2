"""Validation of reply_markup objects and bot command lists, with Telegram's error texts."""

from __future__ import annotations

import re
from typing import Any

from sandbox.emulator import errors
from sandbox.emulator.errors import ApiError

INLINE_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "login_url",
    "web_app",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
MAX_BUTTONS = 100
_COMMAND_PATTERN = re.compile(r"^[a-z0-9_]{1,32}$")
SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)


def _button_error(reason: str) -> ApiError:
    return errors.bad_request(f"can't parse inline keyboard button: {reason}")


def _validate_inline_button(button: Any) -> dict[str, Any]:
    if not isinstance(button, dict):
        raise _button_error("InlineKeyboardButton must be an Object")
    if not isinstance(button.get("text"), str):
        raise _button_error('Can\'t find field "text"')
    actions = [name for name in INLINE_BUTTON_ACTIONS if button.get(name) is not None]
    if not actions:
        raise _button_error("Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise _button_error(
            f"exactly one of the optional fields must be used, got {', '.join(actions)}"
        )
    if "callback_data" in actions:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
            raise ApiError(400, errors.BUTTON_DATA_INVALID)
    if "url" in actions:
        url = button["url"]
        if not isinstance(url, str) or not re.match(r"^(https?|tg)://\S+$", url):
            raise errors.bad_request(
                f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL"
            )
    return button


def _validate_rows(rows: Any, *, field: str) -> list[list[Any]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise errors.bad_request(f'field "{field}" must be an Array of Arrays')
    if sum(len(row) for row in rows) > MAX_BUTTONS:
        raise errors.bad_request("reply markup is too long")
    return rows


def validate_reply_markup(markup: Any) -> dict[str, Any] | None:
    """Check an InlineKeyboardMarkup/ReplyKeyboardMarkup/ReplyKeyboardRemove/ForceReply."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise errors.bad_request("object expected as reply markup")
    if "inline_keyboard" in markup:
        rows = _validate_rows(markup["inline_keyboard"], field="inline_keyboard")
        return {
            **markup,
            "inline_keyboard": [[_validate_inline_button(b) for b in row] for row in rows],
        }
    if "keyboard" in markup:
        for row in _validate_rows(markup["keyboard"], field="keyboard"):
            for button in row:
                text = button if isinstance(button, str) else (button or {}).get("text")
                if not isinstance(text, str) or not text:
                    raise errors.bad_request(
                        'can\'t parse keyboard button: Field "text" must be of type String'
                    )
        return markup
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return markup
    raise errors.bad_request(
        "can't find reply markup type (inline_keyboard, keyboard, remove_keyboard or force_reply)"
    )


def validate_commands(commands: Any) -> list[dict[str, str]]:
    """Check a setMyCommands list (command: 1-32 of a-z0-9_, description: 1-256 chars)."""
    if not isinstance(commands, list):
        raise errors.bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise errors.bad_request("too many commands specified")
    checked: list[dict[str, str]] = []
    for item in commands:
        if not isinstance(item, dict):
            raise errors.bad_request("BotCommand must be an Object")
        command = item.get("command")
        description = item.get("description")
        if not isinstance(command, str) or not _COMMAND_PATTERN.match(command):
            raise errors.bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise errors.bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        checked.append({"command": command, "description": description})
    return checked


def command_scope_key(scope: Any) -> str:
    """Return a stable key for a BotCommandScope: "default", "chat:<id>", ..."""
    if scope is None:
        return "default"
    if not isinstance(scope, dict) or scope.get("type") not in SCOPE_TYPES:
        raise errors.bad_request("unsupported bot command scope type")
    scope_type = str(scope["type"])
    if scope_type in ("chat", "chat_administrators"):
        return f"{scope_type}:{scope.get('chat_id')}"
    if scope_type == "chat_member":
        return f"chat_member:{scope.get('chat_id')}:{scope.get('user_id')}"
    return scope_type
