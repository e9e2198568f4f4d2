"""Settling a send whose outcome is unknown, without ever sending it twice.

The Bot API has no idempotency key. But in a private chat message ids are sequential (both sides
share one counter), and every outbox message carries a keyboard unique to its row. So for a row
in doubt we ask Telegram to set that exact keyboard on each message id we do not know, from the
chat's newest known id at the time of the send upwards:

- "message is not modified": that message already carries this row's keyboard: it was delivered.
- "message can't be edited": a message the carer wrote; look further.
- "message to edit not found": no such message. Past the newest id we know, two of these in a row
  mean the chat ends there: it was not delivered, and the row may be sent again.

Ids we already know (the message log both ways, other outbox rows) are never probed, so the probe
only ever touches messages we cannot account for. A reply recorded late could in principle be
probed and given our keyboard; the settle delay before probing (in_doubt_settle_s) makes that
window practically closed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, TelegramError

logger = logging.getLogger(__name__)

NOT_MODIFIED = "message is not modified"
NOT_FOUND = "message to edit not found"
CANT_BE_EDITED = "message can't be edited"
_NOT_FOUND_STREAK_TO_STOP = 2


@dataclass(frozen=True)
class ProbeResult:
    """delivered_message_id when found; is_settled False when Telegram could not answer (try later)."""

    is_settled: bool
    delivered_message_id: int | None = None
    error: str | None = None


def candidate_ids(*, probe_from: int, known: set[int], limit: int) -> Iterator[tuple[int, bool]]:
    """(message id, is past every id we know) in the order to probe."""
    frontier = max([probe_from, *known]) if known else probe_from
    produced = 0
    message_id = probe_from
    while produced < limit:
        message_id += 1
        if message_id in known:
            continue
        produced += 1
        yield message_id, message_id > frontier


async def probe_delivery(
    bot: Bot, *, chat_id: int, reply_markup: str, probe_from: int, known: set[int], max_probes: int
) -> ProbeResult:
    """Find out whether a message with this row's keyboard (JSON text, as sent) is in the chat."""
    markup = InlineKeyboardMarkup.de_json(json.loads(reply_markup), bot)
    not_found_streak = 0
    for message_id, is_past_known in candidate_ids(probe_from=probe_from, known=known, limit=max_probes):
        try:
            await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id, reply_markup=markup)
        except BadRequest as error:
            description = error.message.lower()
            if NOT_MODIFIED in description:
                return ProbeResult(is_settled=True, delivered_message_id=message_id)
            if NOT_FOUND in description:
                if is_past_known:
                    not_found_streak += 1
                    if not_found_streak >= _NOT_FOUND_STREAK_TO_STOP:
                        return ProbeResult(is_settled=True)
                continue
            if CANT_BE_EDITED in description:
                not_found_streak = 0
                continue
            return ProbeResult(is_settled=False, error=f"probe: {error.message}"[:300])
        except TelegramError as error:
            return ProbeResult(is_settled=False, error=f"probe: {error.__class__.__name__}: {error}"[:300])
        else:
            # A bot message we had no record of took this keyboard: not ours, so keep looking.
            logger.warning("probe changed the keyboard of unrecorded message %s in a chat", message_id)
            not_found_streak = 0
    return ProbeResult(is_settled=True)
