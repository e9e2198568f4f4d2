"""Screening a raw update: a pressed button is read without the keyboard it sat in."""

from __future__ import annotations

from typing import Any

from messaging.channels.telegram_updates import is_unreadable, read_update

PARENT = {"id": 7001, "is_bot": False, "first_name": "Sam"}
CHAT = {"id": 7001, "type": "private", "first_name": "Sam"}


def _press(*, keyboard: Any) -> dict[str, Any]:
    message = {"message_id": 42, "date": 1_796_600_000, "chat": CHAT, "text": "Main menu", "reply_markup": keyboard}
    return {
        "update_id": 900,
        "callback_query": {"id": "q1", "from": PARENT, "chat_instance": "c1", "data": "menu:main", "message": message},
    }


def test_a_press_is_read_without_the_keyboard_it_sat_in() -> None:
    keyboard = {"inline_keyboard": [[{"text": f"Button {n}", "callback_data": f"menu:{n}"}] for n in range(8)]}
    raw = _press(keyboard=keyboard)

    update = read_update(raw, bot=None)

    query = update.callback_query
    assert query is not None and query.message is not None
    assert (query.data, query.message.message_id, query.message.chat.id) == ("menu:main", 42, 7001)
    assert query.message.reply_markup is None
    assert raw["callback_query"]["message"]["reply_markup"] == keyboard  # the caller's payload is left as it was


def test_a_malformed_keyboard_does_not_stop_the_press() -> None:
    update = read_update(_press(keyboard={"inline_keyboard": "not a list of rows"}), bot=None)

    assert not is_unreadable(update)
    assert update.callback_query is not None and update.callback_query.data == "menu:main"
