"""Screen a raw Telegram update before any handler sees it (the webhook and long polling both come here).

We check only the fields our handlers read, with the types the Bot API documents (ids fit in signed
64 bits, dates are Unix times a datetime can hold, texts are strings), then let python-telegram-bot
parse the whole update, once. An update that fails either is replaced by a stub that carries only its
update_id and the reason, so it is still recorded, acknowledged to Telegram and never retried, while
no handler meets it. Characters no database can hold (lone surrogates, NUL) are
replaced in every string, and the update is marked so the message log can say so.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from telegram import Bot, Update

from db.types import BIGINT_MAX, BIGINT_MIN, fits_bigint, storable_text

logger = logging.getLogger(__name__)

UNREADABLE_KEY = "carerline_unreadable"  # on a stub: why the update was not handed to the handlers
REPLACED_KEY = "carerline_replaced_characters"  # on a cleaned update: True
# 9999-12-31T23:59:59Z, the last second a Python datetime can hold.
LAST_UNIX_TIME = 253_402_300_799

Id64 = Annotated[int, Field(ge=BIGINT_MIN, le=BIGINT_MAX)]
UnixTime = Annotated[int, Field(ge=0, le=LAST_UNIX_TIME)]


class _Wire(BaseModel):
    """A Bot API object: strict types for what we read, anything else passes through."""

    model_config = ConfigDict(strict=True, extra="allow", populate_by_name=True)


class _User(_Wire):
    id: Id64
    is_bot: bool
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


class _Chat(_Wire):
    id: Id64
    type: str
    first_name: str | None = None
    title: str | None = None


class _Entity(_Wire):
    type: str
    offset: Annotated[int, Field(ge=0, le=BIGINT_MAX)]
    length: Annotated[int, Field(ge=0, le=BIGINT_MAX)]


class _File(_Wire):
    file_id: str
    file_unique_id: str
    file_size: Id64 | None = None
    file_name: str | None = None
    mime_type: str | None = None


class _Message(_Wire):
    message_id: Id64
    date: UnixTime
    chat: _Chat
    from_user: _User | None = Field(default=None, alias="from")
    edit_date: UnixTime | None = None
    text: str | None = None
    caption: str | None = None
    entities: list[_Entity] | None = None
    caption_entities: list[_Entity] | None = None
    photo: list[_File] | None = None
    document: _File | None = None
    voice: _File | None = None
    video: _File | None = None
    video_note: _File | None = None
    audio: _File | None = None
    animation: _File | None = None
    sticker: _File | None = None


class _CallbackQuery(_Wire):
    id: str
    from_user: _User = Field(alias="from")
    chat_instance: str
    message: _Message | None = None
    data: str | None = None
    game_short_name: str | None = None


class _ChatMemberUpdated(_Wire):
    chat: _Chat
    from_user: _User = Field(alias="from")
    date: UnixTime


class _Update(_Wire):
    update_id: Id64
    message: _Message | None = None
    edited_message: _Message | None = None
    channel_post: _Message | None = None
    edited_channel_post: _Message | None = None
    callback_query: _CallbackQuery | None = None
    my_chat_member: _ChatMemberUpdated | None = None
    chat_member: _ChatMemberUpdated | None = None


def read_update(raw: dict[str, Any], *, bot: Bot | None) -> Update:
    """Screen and parse an update with an integer update_id; an unreadable one becomes a stub (and a warning)."""
    update_id = raw["update_id"]
    payload, was_replaced = _cleaned(_without_pressed_keyboard(raw))
    problem = _problem_with(payload)
    if problem is None:
        if was_replaced:
            payload[REPLACED_KEY] = True
        try:
            return Update.de_json(payload, bot)
        except Exception as error:  # noqa: BLE001 - whatever python-telegram-bot raised, the update is the sender's mistake
            problem = f"python-telegram-bot could not parse it: {type(error).__name__}"
    logger.warning("update %s is not one we can read, so no handler sees it: %s", update_id, problem)
    return Update.de_json({"update_id": update_id, UNREADABLE_KEY: problem}, bot)


def read_updates(raw_updates: Any, *, bot: Bot | None) -> list[Update]:
    """A getUpdates batch, each update read on its own (one without an integer update_id cannot even be stubbed)."""
    updates = []
    for raw in raw_updates if isinstance(raw_updates, list) else []:
        if isinstance(raw, dict) and isinstance(raw.get("update_id"), int) and not isinstance(raw["update_id"], bool):
            updates.append(read_update(raw, bot=bot))
        else:
            logger.warning("getUpdates returned something that is not an update; skipped")
    return updates


def is_unreadable(update: Update) -> bool:
    """True for a stub that stands in for an update we could not read."""
    return UNREADABLE_KEY in update.api_kwargs


def has_replaced_characters(update: Update) -> bool:
    """True when characters no database can hold were replaced in the update's strings."""
    return bool(update.api_kwargs.get(REPLACED_KEY))


def _problem_with(payload: dict[str, Any]) -> str | None:
    if not fits_bigint(payload["update_id"]):
        return "update_id does not fit in 64 bits"
    try:
        _Update.model_validate(payload)
    except ValidationError as error:
        first = error.errors(include_url=False, include_input=False)[0]
        return f"{'.'.join(str(part) for part in first['loc'])}: {first['msg']}"
    return None


def _without_pressed_keyboard(raw: dict[str, Any]) -> dict[str, Any]:
    """The update without the keyboard a pressed button sat in (our own, sent back whole with every press).

    Only the pressed message's id is read, so the keyboard is neither screened nor parsed (parsing it was about
    1.5% of `serve`'s time in a crowd of presses, py-spy), and a malformed one cannot stop the press.
    """
    query = raw.get("callback_query")
    message = query.get("message") if isinstance(query, dict) else None
    if not isinstance(message, dict) or "reply_markup" not in message:
        return raw
    pressed_under = {key: value for key, value in message.items() if key != "reply_markup"}
    return {**raw, "callback_query": {**query, "message": pressed_under}}  # type: ignore[dict-item]


def _cleaned(raw: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """A copy with every string made storable, walked without recursion (the depth is the sender's choice)."""
    was_replaced = False
    root: dict[str, Any] = dict(raw)
    stack: list[dict[str, Any] | list[Any]] = [root]
    while stack:
        container = stack.pop()
        keys = list(container.keys()) if isinstance(container, dict) else range(len(container))
        for key in keys:
            value = container[key]  # type: ignore[index]
            if isinstance(value, str):
                cleaned, changed = storable_text(value)
                if changed:
                    container[key] = cleaned  # type: ignore[index]
                    was_replaced = True
            elif isinstance(value, dict):
                container[key] = copy = dict(value)  # type: ignore[index]
                stack.append(copy)
            elif isinstance(value, list):
                container[key] = copy_list = list(value)  # type: ignore[index]
                stack.append(copy_list)
    return root, was_replaced
