"""Whether the service is taking work, shared by the web side and the bot."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from telegram import Update


@dataclass
class Lifecycle:
    """Draining flag and the queue that webhook updates go onto."""

    update_queue: asyncio.Queue[object] | None = None
    is_draining: bool = False
    stopped: asyncio.Event = field(default_factory=asyncio.Event)
    # Replicas on PostgreSQL: records a chat's update for in-order handling across replicas; False = not taken.
    ordered_intake: Callable[[Update], Awaitable[bool]] | None = None

    async def accept_update(self, update: Update) -> bool:
        """Queue an update for the bot; False while draining or without a bot."""
        if self.is_draining or self.update_queue is None:
            return False
        if self.ordered_intake is not None and await self.ordered_intake(update):
            return True
        await self.update_queue.put(update)
        return True
