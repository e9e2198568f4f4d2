"""Whether the service is taking work, shared by the web side and the bot."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from telegram import Update


@dataclass
class Lifecycle:
    """Draining flag and the queue that webhook updates go onto."""

    update_queue: asyncio.Queue[object] | None = None
    is_draining: bool = False
    stopped: asyncio.Event = field(default_factory=asyncio.Event)

    async def accept_update(self, update: Update) -> bool:
        """Queue an update for the bot; False while draining or without a bot."""
        if self.is_draining or self.update_queue is None:
            return False
        await self.update_queue.put(update)
        return True
