"""The crowd: N parents acting at once through the emulator's control API, each turn timed to the bot's answer.

Every parent does the same turns in phases. In each phase every parent's action is queued in one instant
(POST /_emulator/crowd), and the emulator's reply clock times each turn as Telegram's servers would see it:
from the Update being queued to the bot's first request answering it (a new message in that chat, an edit,
or for a button press the press answered), and to the first thing the parent is shown (a new message or an
edit; for a press this can come after its answer). The load generator's own delays never count as the bot's,
and it sits idle while the bot answers, so the bot and the emulator have the machine to themselves.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

TURN_TIMEOUT_S = 120.0
FEEDBACK_SENTENCE = "The driver was lovely today but the bus came twenty minutes late and Sam was upset."
MEASURED_TURNS = ("start", "consent", "menu", "feedback", "seen")


@dataclass
class TurnFigures:
    """Reply times of one kind of turn across the crowd."""

    kind: str
    seconds: list[float] = field(default_factory=list)
    fetch_seconds: list[float] = field(default_factory=list)
    shown_seconds: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    failures: int = 0

    def percentile(self, share: float, *, of: list[float] | None = None) -> float:
        """The share-th reply time (0.5 = median), nearest rank (or of another list of seconds)."""
        ordered = sorted(self.seconds if of is None else of)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]

    def line(self) -> str:
        """One printed row: p50, p95, p99, max in ms, and updates per second over the phase."""
        if not self.seconds:
            return f"  {self.kind:<9} no answers ({self.failures} failed)"
        rate = len(self.seconds) / self.wall_s if self.wall_s > 0 else float("nan")
        failed = f"  {self.failures} unanswered" if self.failures else ""
        return (
            f"  {self.kind:<9} p50 {1000 * self.percentile(0.5):7.0f} ms  p95 {1000 * self.percentile(0.95):7.0f} ms  "
            f"p99 {1000 * self.percentile(0.99):7.0f} ms  max {1000 * max(self.seconds):7.0f} ms  "
            f"{rate:6.1f} updates/s  (mean {1000 * statistics.fmean(self.seconds):.0f} ms, n={len(self.seconds)}; "
            f"waiting to be fetched p50 {1000 * self.percentile(0.5, of=self.fetch_seconds):.0f} ms "
            f"p95 {1000 * self.percentile(0.95, of=self.fetch_seconds):.0f} ms; "
            f"shown a message p50 {1000 * self.percentile(0.5, of=self.shown_seconds):.0f} ms "
            f"p95 {1000 * self.percentile(0.95, of=self.shown_seconds):.0f} ms){failed}"
        )


class Parent:
    """One simulated parent on the emulator's control API."""

    def __init__(self, *, http: aiohttp.ClientSession, chat_id: int) -> None:
        self.http = http
        self.chat_id = chat_id
        self.snapshot: dict[str, Any] = {"version": 0, "messages": [], "callback_answers": []}
        self.is_stuck = False
        self.pressed: tuple[int, str] | None = None

    async def refresh(self, *, after_version: int = -1, timeout_s: float = 0) -> dict[str, Any]:
        """The chat now, or when it next changes after `after_version` (long poll)."""
        params = {"after_version": str(after_version), "timeout": str(timeout_s)}
        async with self.http.get(f"/_emulator/chats/{self.chat_id}/messages", params=params) as response:
            response.raise_for_status()
            self.snapshot = await response.json()
        return self.snapshot

    async def _post(self, path: str, body: dict[str, Any]) -> None:
        async with self.http.post(f"/_emulator/chats/{self.chat_id}{path}", json=body) as response:
            response.raise_for_status()
            await response.read()

    def button(self, prefix: str) -> tuple[int, str] | None:
        """(message id, callback data) of the newest bot button starting with prefix."""
        for message in reversed(self.snapshot["messages"]):
            if not message["from_bot"]:
                continue
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for key in row:
                    if str(key.get("callback_data", "")).startswith(prefix):
                        return message["message_id"], key["callback_data"]
        return None

    async def wait_for_button(self, prefix: str, *, timeout_s: float = TURN_TIMEOUT_S) -> tuple[int, str]:
        """Long-poll until the bot shows a button starting with prefix."""
        deadline = time.monotonic() + timeout_s
        await self.refresh()
        while (found := self.button(prefix)) is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"chat {self.chat_id}: no button {prefix!r}")
            await self.refresh(after_version=self.snapshot["version"], timeout_s=min(remaining, 20))
        return found

    async def send(self, text: str) -> None:
        """Type and send a message."""
        await self._post("/send", {"text": text})

    async def press(self, message_id: int, callback_data: str) -> None:
        """Press an inline button."""
        await self._post("/press", {"message_id": message_id, "callback_data": callback_data})

    async def press_first(self, prefix: str) -> None:
        """Wait for a button starting with prefix and press it (an untimed step between turns)."""
        message_id, data = await self.wait_for_button(prefix)
        await self.press(message_id, data)


async def _fire(http: aiohttp.ClientSession, actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every action queued in one instant; each turn as the emulator timed it, once each was shown a message or an
    edit (reply_s None if unanswered, shown_s None if nothing was shown within the time allowed)."""
    async with http.post("/_emulator/crowd", json={"actions": actions}) as response:
        response.raise_for_status()
        turn_ids = (await response.json())["turn_ids"]
    deadline = time.monotonic() + TURN_TIMEOUT_S
    while True:
        remaining = deadline - time.monotonic()
        body = {"turn_ids": turn_ids, "timeout": max(0.0, min(remaining, 50)), "until": "shown"}
        async with http.post("/_emulator/turns", json=body) as response:
            response.raise_for_status()
            turns: list[dict[str, Any]] = (await response.json())["turns"]
        if remaining <= 0 or all(turn["shown_s"] is not None for turn in turns):
            return turns


async def _phase(
    kind: str, http: aiohttp.ClientSession, parents: list[Parent], action: Callable[[Parent], dict[str, Any]],
    prepare: Callable[[Parent], Awaitable[None]] | None = None,
) -> TurnFigures:
    """Prepare every parent (untimed), then all act in the same instant.

    Reply times are the emulator's: from the action queued as an Update to the bot's first answer to it.
    The phase's wall time runs to the last answer. A parent whose preparation failed, or whose turn had
    no answer within TURN_TIMEOUT_S, counts as unanswered and sits out the later phases.
    """
    figures = TurnFigures(kind=kind)
    if prepare is not None:
        ready = [parent for parent in parents if not parent.is_stuck]
        prepared = await asyncio.gather(*(prepare(parent) for parent in ready), return_exceptions=True)
        for parent, outcome in zip(ready, prepared, strict=True):
            parent.is_stuck = isinstance(outcome, BaseException)
    acting = [parent for parent in parents if not parent.is_stuck]
    figures.failures = len(parents) - len(acting)
    turns = await _fire(http, [{"user_id": parent.chat_id, **action(parent)} for parent in acting])
    for parent, turn in zip(acting, turns, strict=True):
        if turn["reply_s"] is None:
            parent.is_stuck = True
            figures.failures += 1
        else:
            figures.seconds.append(turn["reply_s"])
            figures.fetch_seconds.append(turn["fetch_s"])
            if turn["shown_s"] is not None:
                figures.shown_seconds.append(turn["shown_s"])
    figures.wall_s = max(figures.seconds, default=0.0)
    return figures


def _waits_for(prefix: str) -> Callable[[Parent], Awaitable[None]]:
    async def prepare(parent: Parent) -> None:
        parent.pressed = await parent.wait_for_button(prefix)

    return prepare


def _press_prepared(parent: Parent) -> dict[str, Any]:
    assert parent.pressed is not None
    message_id, data = parent.pressed
    return {"message_id": message_id, "callback_data": data}


async def _reach_feedback_words(parent: Parent) -> None:
    if parent.button("menu:feedback") is None:
        await parent.send("/menu")
    await parent.press_first("menu:feedback")
    await parent.press_first("fb:topic:")
    await parent.press_first("fb:rate:")
    await parent.wait_for_button("fb:skip:")


async def run_crowd(
    *, emulator_url: str, chat_ids: list[int], deliver_notices: Callable[[list[int]], Awaitable[None]]
) -> dict[str, TurnFigures]:
    """Every parent: /start, agree, a menu button, a typed feedback sentence, "I've seen this" on a notice."""
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=None)
    async with aiohttp.ClientSession(base_url=emulator_url, connector=connector, timeout=timeout) as http:
        parents = [Parent(http=http, chat_id=chat_id) for chat_id in chat_ids]
        figures: dict[str, TurnFigures] = {}
        figures["start"] = await _phase("start", http, parents, lambda parent: {"text": "/start"})
        figures["consent"] = await _phase("consent", http, parents, _press_prepared, _waits_for("consent:agree"))
        figures["menu"] = await _phase("menu", http, parents, _press_prepared, _waits_for("menu:"))
        figures["feedback"] = await _phase(
            "feedback", http, parents, lambda parent: {"text": FEEDBACK_SENTENCE}, _reach_feedback_words
        )
        await deliver_notices(chat_ids)
        figures["seen"] = await _phase("seen", http, parents, _press_prepared, _waits_for("ack:"))
        return figures


async def add_new_people(*, emulator_url: str, chat_ids: list[int]) -> None:
    """People who have never opened the bot (their first /start is part of the crowd)."""
    semaphore = asyncio.Semaphore(32)
    async with aiohttp.ClientSession(base_url=emulator_url) as http:

        async def add(chat_id: int) -> None:
            async with semaphore, http.post(
                "/_emulator/users", json={"user_id": chat_id, "first_name": "Parent", "language_code": "en"}
            ) as response:
                response.raise_for_status()

        await asyncio.gather(*(add(chat_id) for chat_id in chat_ids))
