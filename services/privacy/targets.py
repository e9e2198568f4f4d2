"""Whom an erasure is for, and the shape of each data area's eraser (shared by every area that erases)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession


@dataclass(frozen=True)
class ErasureTarget:
    """Whom to erase: row id, chat id (None if gone), and the carer's and children's names for redaction."""

    carer_id: int
    chat_id: int | None
    known_names: tuple[str, ...] = ()


Eraser = Callable[[AsyncSession, ErasureTarget], Awaitable[None]]
