"""getMe, commands, menu button, chat actions, getChat, getFile and other small methods."""

from __future__ import annotations

from typing import Any

from sandbox.emulator import errors
from sandbox.emulator.bot_api.markup import command_scope_key, validate_commands
from sandbox.emulator.bot_api.registry import MethodContext, MethodSpec, method_table

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


async def get_me(ctx: MethodContext) -> dict[str, Any]:
    """getMe."""
    return {
        **ctx.state.bot_user_api(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def always_true(ctx: MethodContext) -> bool:
    """logOut / close and other calls that only need to succeed."""
    return True


def _commands_key(ctx: MethodContext) -> tuple[str, str]:
    scope = ctx.params.json_value("scope")
    language_code = ctx.params.str_value("language_code") or ""
    return command_scope_key(scope), language_code


async def set_my_commands(ctx: MethodContext) -> bool:
    """setMyCommands (stored per scope and language)."""
    commands = validate_commands(ctx.params.json_value("commands"))
    ctx.state.commands[_commands_key(ctx)] = commands
    ctx.state.feed.bump()
    return True


async def get_my_commands(ctx: MethodContext) -> list[dict[str, str]]:
    """getMyCommands."""
    return ctx.state.commands.get(_commands_key(ctx), [])


async def delete_my_commands(ctx: MethodContext) -> bool:
    """deleteMyCommands."""
    ctx.state.commands.pop(_commands_key(ctx), None)
    ctx.state.feed.bump()
    return True


async def set_chat_menu_button(ctx: MethodContext) -> bool:
    """setChatMenuButton (no chat_id = the default button)."""
    chat_id = None
    if ctx.params.has("chat_id"):
        chat_id = ctx.state.resolve_chat_id(ctx.params.raw("chat_id"))
    button = ctx.params.json_value("menu_button") or {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in ("commands", "web_app", "default"):
        raise errors.bad_request("can't parse menu button")
    ctx.state.menu_buttons[chat_id] = button
    ctx.state.feed.bump()
    return True


async def get_chat_menu_button(ctx: MethodContext) -> dict[str, Any]:
    """getChatMenuButton."""
    chat_id = None
    if ctx.params.has("chat_id"):
        chat_id = ctx.state.resolve_chat_id(ctx.params.raw("chat_id"))
    buttons = ctx.state.menu_buttons
    return buttons.get(chat_id) or buttons.get(None) or {"type": "commands"}


async def send_chat_action(ctx: MethodContext) -> bool:
    """sendChatAction (not rate capped, but still refused for blocked users)."""
    chat_id = ctx.state.resolve_chat_id(ctx.params.raw("chat_id"))
    if ctx.params.str_value("action") not in CHAT_ACTIONS:
        raise errors.bad_request("wrong parameter action in request")
    ctx.state.ensure_bot_can_write(chat_id)
    return True


async def get_chat(ctx: MethodContext) -> dict[str, Any]:
    """getChat (a ChatFullInfo with the fields python-telegram-bot requires)."""
    chat_id = ctx.state.resolve_chat_id(ctx.params.raw("chat_id"))
    return {
        **ctx.state.chat_api(chat_id),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }


async def get_file(ctx: MethodContext) -> dict[str, Any]:
    """getFile: file_path is relative; download from /file/bot<token>/<file_path>."""
    stored = ctx.state.files.get(ctx.params.str_value("file_id") or "")
    if stored is None:
        raise errors.bad_request("invalid file_id")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.content),
        "file_path": stored.file_path,
    }


MISC_METHODS = method_table(
    MethodSpec("getMe", get_me),
    MethodSpec("logOut", always_true),
    MethodSpec("close", always_true),
    MethodSpec("setMyCommands", set_my_commands),
    MethodSpec("getMyCommands", get_my_commands),
    MethodSpec("deleteMyCommands", delete_my_commands),
    MethodSpec("setMyDescription", always_true),
    MethodSpec("setMyShortDescription", always_true),
    MethodSpec("setMyName", always_true),
    MethodSpec("setChatMenuButton", set_chat_menu_button),
    MethodSpec("getChatMenuButton", get_chat_menu_button),
    MethodSpec("sendChatAction", send_chat_action),
    MethodSpec("getChat", get_chat),
    MethodSpec("getFile", get_file),
)
