"""Bot API methods that change or remove a message the bot sent: edits of text, caption and buttons, deletion."""

from __future__ import annotations

import time
from typing import Any

from sandbox.emulator import errors
from sandbox.emulator.errors import ApiError
from sandbox.emulator.bot_api.messages import parse_mode_of, render_text, reply_markup_of
from sandbox.emulator.models import MessageVersion, SentMessage
from sandbox.emulator.bot_api.registry import MethodContext, MethodSpec, method_table


def _editable_bot_message(ctx: MethodContext) -> SentMessage:
    if ctx.params.has("inline_message_id") and not ctx.params.has("chat_id"):
        raise errors.bad_request("inline messages are not supported by the emulator")
    chat_id = ctx.state.resolve_chat_id(ctx.params.raw("chat_id"))
    message = ctx.state.find_message(chat_id, ctx.params.int_value("message_id") or 0)
    if message is None:
        raise ApiError(400, errors.MESSAGE_TO_EDIT_NOT_FOUND)
    if not message.from_bot:
        raise ApiError(400, errors.MESSAGE_CANT_BE_EDITED)
    ctx.state.ensure_bot_can_write(chat_id)
    return message


def _new_inline_markup(ctx: MethodContext) -> dict[str, Any] | None:
    markup = reply_markup_of(ctx)
    if markup is not None and "inline_keyboard" not in markup:
        raise errors.bad_request("inline keyboard expected")
    return markup


def _inline_part(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    return markup if markup and "inline_keyboard" in markup else None


def _apply_edit(
    ctx: MethodContext,
    message: SentMessage,
    *,
    new_text: str | None,
    new_entities: list[dict[str, Any]],
    raw_text: str | None,
    parse_mode: str | None,
    new_markup: dict[str, Any] | None,
) -> dict[str, Any]:
    current_text = message.text if message.text is not None else message.caption
    if (
        new_text == current_text
        and new_entities == message.entities
        and new_markup == _inline_part(message.reply_markup)
    ):
        raise ApiError(400, errors.NOT_MODIFIED)
    message.edits.append(
        MessageVersion(
            text=current_text,
            raw_text=message.raw_text,
            parse_mode=message.parse_mode,
            entities=message.entities,
            reply_markup=message.reply_markup,
            edited_at=message.edit_date or message.date,
        )
    )
    if message.text is not None:
        message.text = new_text
    else:
        message.caption = new_text or None
    message.raw_text, message.parse_mode = raw_text, parse_mode
    message.entities = new_entities
    # Telegram drops the inline keyboard when an edit does not repeat it; a reply keyboard
    # belongs to the chat, not the message, so it stays.
    message.reply_markup = new_markup or (
        None if _inline_part(message.reply_markup) else message.reply_markup
    )
    message.edit_date = int(time.time())
    ctx.state.touch_chat(message.chat_id)
    ctx.state.reply_clock.bot_edited(chat_id=message.chat_id, message_id=message.message_id)
    return ctx.state.message_to_api(message)


async def edit_message_text(ctx: MethodContext) -> dict[str, Any]:
    """editMessageText."""
    message = _editable_bot_message(ctx)
    if message.text is None:
        raise ApiError(400, errors.NO_TEXT_TO_EDIT)
    raw_text = ctx.params.str_value("text") or ""
    if not raw_text.strip():
        raise ApiError(400, errors.TEXT_EMPTY)
    parse_mode = parse_mode_of(ctx)
    parsed = render_text(
        ctx,
        raw_text=raw_text,
        parse_mode=parse_mode,
        entities_param="entities",
        max_length=ctx.settings.max_text_length,
        too_long_description=errors.TEXT_TOO_LONG,
    )
    return _apply_edit(
        ctx,
        message,
        new_text=parsed.text,
        new_entities=parsed.entities,
        raw_text=raw_text,
        parse_mode=parse_mode,
        new_markup=_new_inline_markup(ctx),
    )


async def edit_message_caption(ctx: MethodContext) -> dict[str, Any]:
    """editMessageCaption."""
    message = _editable_bot_message(ctx)
    if message.text is not None:
        raise errors.bad_request("there is no caption in the message to edit")
    raw_caption = ctx.params.str_value("caption") or ""
    parse_mode = parse_mode_of(ctx)
    parsed = render_text(
        ctx,
        raw_text=raw_caption,
        parse_mode=parse_mode,
        entities_param="caption_entities",
        max_length=ctx.settings.max_caption_length,
        too_long_description=errors.CAPTION_TOO_LONG,
        allow_empty=True,
    )
    return _apply_edit(
        ctx,
        message,
        new_text=parsed.text or None,
        new_entities=parsed.entities,
        raw_text=raw_caption or None,
        parse_mode=parse_mode,
        new_markup=_new_inline_markup(ctx),
    )


async def edit_message_reply_markup(ctx: MethodContext) -> dict[str, Any]:
    """editMessageReplyMarkup."""
    message = _editable_bot_message(ctx)
    return _apply_edit(
        ctx,
        message,
        new_text=message.text if message.text is not None else message.caption,
        new_entities=message.entities,
        raw_text=message.raw_text,
        parse_mode=message.parse_mode,
        new_markup=_new_inline_markup(ctx),
    )


async def delete_message(ctx: MethodContext) -> bool:
    """deleteMessage (the bot may delete both sides' messages in a private chat)."""
    chat_id = ctx.state.resolve_chat_id(ctx.params.raw("chat_id"))
    message = ctx.state.find_message(chat_id, ctx.params.int_value("message_id") or 0)
    if message is None:
        raise ApiError(400, errors.MESSAGE_TO_DELETE_NOT_FOUND)
    message.deleted = True
    ctx.state.touch_chat(chat_id)
    return True


EDIT_METHODS = method_table(
    MethodSpec("editMessageText", edit_message_text),
    MethodSpec("editMessageCaption", edit_message_caption),
    MethodSpec("editMessageReplyMarkup", edit_message_reply_markup),
    MethodSpec("deleteMessage", delete_message),
)
