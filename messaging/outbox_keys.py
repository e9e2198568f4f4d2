"""The outbox's keys and keyboards, shared by the outbox and by fallback (which queues rows like it).

Import them from messaging.outbox as before; they live here so that fallback can build rows without a circle.
"""

from __future__ import annotations

from typing import Any

from db.models import OutboxChannel

OUTBOX_ID_PLACEHOLDER = "{outbox_id}"
ACK_CALLBACK_PREFIX = "ack:"


def seen_button_markup(label: str, *, menu_label: str | None = None) -> dict[str, Any]:
    """The "I've seen this" button (callback data ack:<outbox id>), and a way to the menu when labelled."""
    rows = [[{"text": label, "callback_data": ACK_CALLBACK_PREFIX + OUTBOX_ID_PLACEHOLDER}]]
    if menu_label is not None:
        rows.append([{"text": menu_label, "callback_data": "menu:main"}])
    return {"inline_keyboard": rows}


def notify_idempotency_key(notice_key: str, *, channel: OutboxChannel) -> str:
    """A Notify row's key (and Notify `reference`): the notice's key and the channel."""
    return f"{notice_key}#{channel.value}"
