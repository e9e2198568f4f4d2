"""Reply times as Telegram's servers see them: from a person's action to the bot's first answer to it.

A turn opens when a person's message or button press is queued as an Update. It is answered at the first bot
request that answers it: for a typed message, any new bot message or edit in that chat; for a press, the
answer to that callback query (the button's spinner stops), an edit of the pressed message, or a new bot
message in that chat. It closes when the person is shown something (a new bot message in the chat or an edit
that answers it): for a typed message that is its answer; for a press it can come after the answer. Only the
emulator's own clock is used, so a load generator's own delays never count as the bot's.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MAX_KEPT_TURNS = 200_000


@dataclass
class Turn:
    """One person action waiting for (or given) the bot's answer."""

    turn_id: int
    chat_id: int
    kind: str
    started: float
    update_id: int = 0
    query_id: str | None = None
    message_id: int | None = None
    fetched: float | None = None
    answered: float | None = None
    answered_by: str | None = None
    shown: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form: reply_s (None while unanswered), of it fetch_s waiting for the bot to fetch the Update, and
        shown_s (None until the person is shown a message or an edit; for a typed message, reply_s)."""
        reply_s = None if self.answered is None else self.answered - self.started
        fetch_s = None if self.fetched is None else self.fetched - self.started
        shown_s = None if self.shown is None else self.shown - self.started
        return {
            "turn_id": self.turn_id, "chat_id": self.chat_id, "kind": self.kind,
            "reply_s": reply_s, "fetch_s": fetch_s, "answered_by": self.answered_by, "shown_s": shown_s,
        }


class ReplyClock:
    """Open turns per chat and every recent turn by id."""

    def __init__(self, *, on_answer: Callable[[], object]) -> None:
        self._on_answer = on_answer
        self._next_id = 1
        self._turns: OrderedDict[int, Turn] = OrderedDict()
        self._open: dict[int, list[Turn]] = {}
        self._unfetched: dict[int, Turn] = {}

    def person_wrote(self, *, chat_id: int, update_id: int) -> int:
        """A typed message (or other message) was queued as `update_id`; returns its turn id."""
        turn = Turn(turn_id=0, chat_id=chat_id, kind="message", started=time.monotonic(), update_id=update_id)
        return self._open_turn(turn)

    def person_pressed(self, *, chat_id: int, update_id: int, query_id: str, message_id: int) -> int:
        """A button press was queued as `update_id`; returns its turn id."""
        turn = Turn(
            turn_id=0, chat_id=chat_id, kind="press", started=time.monotonic(), update_id=update_id,
            query_id=query_id, message_id=message_id,
        )
        return self._open_turn(turn)

    def updates_fetched(self, update_ids: list[int]) -> None:
        """The bot received these updates (getUpdates answered or a webhook POST accepted)."""
        now = time.monotonic()
        for update_id in update_ids:
            turn = self._unfetched.pop(update_id, None)
            if turn is not None:
                turn.fetched = now

    def bot_sent(self, *, chat_id: int) -> None:
        """A new bot message in the chat answers and closes every open turn there."""
        self._close(chat_id, "message", lambda turn: True, shows=True)

    def bot_edited(self, *, chat_id: int, message_id: int) -> None:
        """An edit answers and closes typed messages and presses on that message."""
        self._close(chat_id, "edit", lambda turn: turn.kind == "message" or turn.message_id == message_id, shows=True)

    def bot_answered_press(self, *, chat_id: int, query_id: str) -> None:
        """answerCallbackQuery answers its own press only; the press stays open until something is shown."""
        self._close(chat_id, "answer", lambda turn: turn.query_id == query_id, shows=False)

    def latest_turn_id(self, *, chat_id: int) -> int | None:
        """The id of the newest turn still open in a chat."""
        waiting = self._open.get(chat_id)
        return waiting[-1].turn_id if waiting else None

    def turns(self, turn_ids: list[int]) -> list[Turn]:
        """The turns asked for (KeyError for one no longer kept)."""
        return [self._turns[turn_id] for turn_id in turn_ids]

    def _open_turn(self, turn: Turn) -> int:
        turn.turn_id = self._next_id
        self._next_id += 1
        self._turns[turn.turn_id] = turn
        self._open.setdefault(turn.chat_id, []).append(turn)
        self._unfetched[turn.update_id] = turn
        while len(self._turns) > MAX_KEPT_TURNS:
            _, oldest = self._turns.popitem(last=False)
            self._unfetched.pop(oldest.update_id, None)
        return turn.turn_id

    def _close(self, chat_id: int, how: str, answers: Callable[[Turn], bool], *, shows: bool) -> None:
        waiting = self._open.get(chat_id)
        if not waiting:
            return
        now = time.monotonic()
        still_open = []
        changed = False
        for turn in waiting:
            if answers(turn):
                if turn.answered is None:
                    turn.answered, turn.answered_by = now, how
                    changed = True
                if shows:
                    turn.shown = now
                    changed = True
                    continue
            still_open.append(turn)
        if still_open:
            self._open[chat_id] = still_open
        else:
            del self._open[chat_id]
        if changed:
            self._on_answer()
