"""Bot API methods that create, change or remove messages, and answerCallbackQuery."""

from __future__ import annotations

import mimetypes
import time
from typing import Any

from sandbox.emulator import errors
from sandbox.emulator.errors import ApiError
from sandbox.emulator.bot_api.html_entities import (
    HtmlParseError,
    ParsedText,
    parse_html,
    strip_visible_text,
    utf16_length,
)
from sandbox.emulator.bot_api.markup import validate_reply_markup
from sandbox.emulator.models import CallbackAnswer, DocumentInfo, MessageVersion, SentMessage
from sandbox.emulator.bot_api.registry import MethodContext, MethodSpec, method_table


def _parse_mode(ctx: MethodContext, name: str = "parse_mode") -> str | None:
    raw = ctx.params.str_value(name)
    if not raw:
        return None
    normalized = {"html": "HTML", "markdown": "Markdown", "markdownv2": "MarkdownV2"}.get(
        raw.lower()
    )
    if normalized is None:
        raise errors.bad_request(f"unsupported parse_mode {raw!r}")
    return normalized


def render_text(
    ctx: MethodContext,
    *,
    raw_text: str,
    parse_mode: str | None,
    entities_param: str,
    max_length: int,
    too_long_description: str,
    allow_empty: bool = False,
) -> ParsedText:
    """Turn text + parse_mode into visible text and entities, enforcing Telegram's limits.

    Only HTML is validated; Markdown and MarkdownV2 are accepted as-is (visible text = raw).
    """
    if parse_mode == "HTML":
        try:
            parsed = parse_html(raw_text, strict_ampersands=ctx.settings.strict_html_ampersands)
        except HtmlParseError as exc:
            raise ApiError(400, errors.PARSE_ENTITIES_PREFIX + str(exc)) from None
    else:
        entities = ctx.params.json_value(entities_param) or []
        if not isinstance(entities, list):
            raise errors.bad_request(f"can't parse {entities_param} JSON object")
        parsed = ParsedText(text=raw_text, entities=entities)
    parsed = strip_visible_text(parsed)
    if not parsed.text and not allow_empty:
        raise ApiError(400, errors.TEXT_EMPTY)
    if utf16_length(parsed.text) > max_length:
        raise ApiError(400, too_long_description)
    return parsed


def _reply_markup(ctx: MethodContext) -> dict[str, Any] | None:
    return validate_reply_markup(
        ctx.params.json_value("reply_markup", what="reply keyboard markup")
    )


def _accept_bot_message(ctx: MethodContext, message: SentMessage) -> dict[str, Any]:
    ctx.state.add_message(message)
    ctx.state.stats.record_send(
        chat_id=message.chat_id,
        message_id=message.message_id,
        text=message.text if message.text is not None else message.caption,
    )
    return ctx.state.message_to_api(message)


async def send_message(ctx: MethodContext) -> dict[str, Any]:
    """sendMessage."""
    state = ctx.state
    chat_id = state.resolve_chat_id(ctx.params.raw("chat_id"))
    raw_text = ctx.params.str_value("text") or ""
    if not raw_text.strip():
        raise ApiError(400, errors.TEXT_EMPTY)
    parse_mode = _parse_mode(ctx)
    parsed = render_text(
        ctx,
        raw_text=raw_text,
        parse_mode=parse_mode,
        entities_param="entities",
        max_length=ctx.settings.max_text_length,
        too_long_description=errors.TEXT_TOO_LONG,
    )
    reply_markup = _reply_markup(ctx)
    state.ensure_bot_can_write(chat_id)
    ctx.admit_send(chat_id=chat_id)
    message = SentMessage(
        chat_id=chat_id,
        message_id=state.allocate_message_id(chat_id),
        from_bot=True,
        sender_id=state.bot_id,
        kind="text",
        date=int(time.time()),
        text=parsed.text,
        parse_mode=parse_mode,
        raw_text=raw_text,
        entities=parsed.entities,
        reply_markup=reply_markup,
    )
    return _accept_bot_message(ctx, message)


async def send_document(ctx: MethodContext) -> dict[str, Any]:
    """sendDocument (multipart upload or an existing file_id)."""
    state = ctx.state
    chat_id = state.resolve_chat_id(ctx.params.raw("chat_id"))
    upload = ctx.params.file("document")
    existing = state.files.get(ctx.params.str_value("document") or "")
    if upload is None and existing is None:
        if ctx.params.has("document"):
            raise errors.bad_request("wrong file identifier/HTTP URL specified")
        raise errors.bad_request("there is no document in the request")
    raw_caption = ctx.params.str_value("caption") or ""
    parse_mode = _parse_mode(ctx)
    caption = render_text(
        ctx,
        raw_text=raw_caption,
        parse_mode=parse_mode,
        entities_param="caption_entities",
        max_length=ctx.settings.max_caption_length,
        too_long_description=errors.CAPTION_TOO_LONG,
        allow_empty=True,
    )
    reply_markup = _reply_markup(ctx)
    state.ensure_bot_can_write(chat_id)
    ctx.admit_send(chat_id=chat_id)
    if upload is not None:
        mime_type = upload.content_type
        if mime_type in ("", "application/octet-stream"):
            mime_type = mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
        stored = state.register_file(
            content=upload.content,
            mime_type=mime_type,
            filename=upload.filename,
            folder="documents",
        )
    else:
        assert existing is not None
        stored = existing
    message = SentMessage(
        chat_id=chat_id,
        message_id=state.allocate_message_id(chat_id),
        from_bot=True,
        sender_id=state.bot_id,
        kind="document",
        date=int(time.time()),
        caption=caption.text or None,
        parse_mode=parse_mode,
        raw_text=raw_caption or None,
        entities=caption.entities,
        reply_markup=reply_markup,
        document=DocumentInfo(
            filename=stored.filename or stored.file_path.rsplit("/", 1)[-1],
            content=stored.content,
            mime_type=stored.mime_type,
            file_id=stored.file_id,
        ),
    )
    return _accept_bot_message(ctx, message)


async def copy_message(ctx: MethodContext) -> dict[str, Any]:
    """copyMessage: re-send an existing message's content without a link to the original."""
    state = ctx.state
    chat_id = state.resolve_chat_id(ctx.params.raw("chat_id"))
    from_chat_id = state.resolve_chat_id(ctx.params.raw("from_chat_id"))
    source = state.find_message(from_chat_id, ctx.params.int_value("message_id") or 0)
    if source is None:
        raise errors.bad_request("message to copy not found")
    state.ensure_bot_can_write(chat_id)
    ctx.admit_send(chat_id=chat_id)
    copy = _copy_of(ctx, source, chat_id=chat_id)
    _accept_bot_message(ctx, copy)
    return {"message_id": copy.message_id}


async def forward_message(ctx: MethodContext) -> dict[str, Any]:
    """forwardMessage: like copyMessage but the result names the original sender."""
    state = ctx.state
    chat_id = state.resolve_chat_id(ctx.params.raw("chat_id"))
    from_chat_id = state.resolve_chat_id(ctx.params.raw("from_chat_id"))
    source = state.find_message(from_chat_id, ctx.params.int_value("message_id") or 0)
    if source is None:
        raise errors.bad_request("message to forward not found")
    state.ensure_bot_can_write(chat_id)
    ctx.admit_send(chat_id=chat_id)
    copy = _copy_of(ctx, source, chat_id=chat_id)
    sender = state.bot_user_api() if source.from_bot else state.users[source.sender_id].to_api()
    copy.extra["forward_origin"] = {"type": "user", "date": source.date, "sender_user": sender}
    return _accept_bot_message(ctx, copy)


def _copy_of(ctx: MethodContext, source: SentMessage, *, chat_id: int) -> SentMessage:
    return SentMessage(
        chat_id=chat_id,
        message_id=ctx.state.allocate_message_id(chat_id),
        from_bot=True,
        sender_id=ctx.state.bot_id,
        kind=source.kind,
        date=int(time.time()),
        text=source.text,
        caption=source.caption,
        parse_mode=source.parse_mode,
        raw_text=source.raw_text,
        entities=list(source.entities),
        reply_markup=_reply_markup(ctx),
        document=source.document,
        extra=dict(source.extra),
    )


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
    markup = _reply_markup(ctx)
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
    return ctx.state.message_to_api(message)


async def edit_message_text(ctx: MethodContext) -> dict[str, Any]:
    """editMessageText."""
    message = _editable_bot_message(ctx)
    if message.text is None:
        raise ApiError(400, errors.NO_TEXT_TO_EDIT)
    raw_text = ctx.params.str_value("text") or ""
    if not raw_text.strip():
        raise ApiError(400, errors.TEXT_EMPTY)
    parse_mode = _parse_mode(ctx)
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
    parse_mode = _parse_mode(ctx)
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


async def answer_callback_query(ctx: MethodContext) -> bool:
    """answerCallbackQuery (each query can be answered once, within the TTL)."""
    state = ctx.state
    query = state.callback_queries.get(ctx.params.str_value("callback_query_id") or "")
    if (
        query is None
        or query.answered
        or time.monotonic() - query.created_at > ctx.settings.callback_query_ttl_s
    ):
        raise ApiError(400, errors.QUERY_TOO_OLD)
    text = ctx.params.str_value("text")
    if text is not None and len(text) > 200:
        raise errors.bad_request("MESSAGE_TOO_LONG")
    query.answered = True
    state.callback_answers.append(
        CallbackAnswer(
            query_id=query.query_id,
            user_id=query.user_id,
            message_id=query.message_id,
            callback_data=query.callback_data,
            text=text or None,
            show_alert=ctx.params.bool_value("show_alert"),
            url=ctx.params.str_value("url"),
        )
    )
    state.touch_chat(query.chat_id)
    return True


MESSAGE_METHODS = method_table(
    MethodSpec("sendMessage", send_message, is_send=True),
    MethodSpec("sendDocument", send_document, is_send=True),
    MethodSpec("copyMessage", copy_message, is_send=True),
    MethodSpec("forwardMessage", forward_message, is_send=True),
    MethodSpec("editMessageText", edit_message_text),
    MethodSpec("editMessageCaption", edit_message_caption),
    MethodSpec("editMessageReplyMarkup", edit_message_reply_markup),
    MethodSpec("deleteMessage", delete_message),
    MethodSpec("answerCallbackQuery", answer_callback_query),
)
