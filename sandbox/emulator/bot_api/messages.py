"""Bot API methods that send messages (text, documents, copies, forwards), and answerCallbackQuery."""

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
from sandbox.emulator.models import CallbackAnswer, DocumentInfo, SentMessage
from sandbox.emulator.bot_api.registry import MethodContext, MethodSpec, method_table


def parse_mode_of(ctx: MethodContext, name: str = "parse_mode") -> str | None:
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


def reply_markup_of(ctx: MethodContext) -> dict[str, Any] | None:
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
    parse_mode = parse_mode_of(ctx)
    parsed = render_text(
        ctx,
        raw_text=raw_text,
        parse_mode=parse_mode,
        entities_param="entities",
        max_length=ctx.settings.max_text_length,
        too_long_description=errors.TEXT_TOO_LONG,
    )
    reply_markup = reply_markup_of(ctx)
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
    parse_mode = parse_mode_of(ctx)
    caption = render_text(
        ctx,
        raw_text=raw_caption,
        parse_mode=parse_mode,
        entities_param="caption_entities",
        max_length=ctx.settings.max_caption_length,
        too_long_description=errors.CAPTION_TOO_LONG,
        allow_empty=True,
    )
    reply_markup = reply_markup_of(ctx)
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
        reply_markup=reply_markup_of(ctx),
        document=source.document,
        extra=dict(source.extra),
    )


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
    state.reply_clock.bot_answered_press(chat_id=query.chat_id, query_id=query.query_id)
    return True


MESSAGE_METHODS = method_table(
    MethodSpec("sendMessage", send_message, is_send=True),
    MethodSpec("sendDocument", send_document, is_send=True),
    MethodSpec("copyMessage", copy_message, is_send=True),
    MethodSpec("forwardMessage", forward_message, is_send=True),
    MethodSpec("answerCallbackQuery", answer_callback_query),
)
