"""Whom an erasure is for, and the shape of each data area's eraser (shared by every area that erases)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession


@dataclass(frozen=True)
class ErasureTarget:
    """Whom to erase: the carer's row id and the chat id they used (None if already gone)."""

    carer_id: int
    chat_id: int | None


Eraser = Callable[[AsyncSession, ErasureTarget], Awaitable[None]]
