"""Inline buttons: a handler takes only callback_data it can use, so anything else meets the old-button answer."""

from __future__ import annotations

import re
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler

from db.types import fits_bigint

# Telegram's callback_data is at most 64 bytes; 19 digits is the longest a signed 64-bit id can be.
MAX_ID_DIGITS = 19


class ButtonHandler(CallbackQueryHandler):
    """CallbackQueryHandler for one anchored pattern: empty, non-string or out-of-range data never matches."""

    def __init__(self, callback: Any, *, pattern: str) -> None:
        super().__init__(callback, pattern=pattern)
        self._compiled = re.compile(pattern)

    def check_update(self, update: object) -> re.Match[str] | None:
        """The pattern's match when the data is usable (PTB would pass empty data to every button handler)."""
        if not isinstance(update, Update) or update.callback_query is None:
            return None
        data = update.callback_query.data
        if not isinstance(data, str) or not data:
            return None
        match = self._compiled.match(data)
        if match is None or not all(_is_usable(group) for group in match.groups()):
            return None
        return match


def _is_usable(group: str | None) -> bool:
    if group is None or not group.isdecimal():
        return True
    return len(group) <= MAX_ID_DIGITS and fits_bigint(int(group))
