"""Wait for a condition with a deadline, never for a fixed time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


async def wait_for_condition(
    check: Callable[[], Awaitable[bool]] | Callable[[], bool],
    *,
    timeout_s: float = 10.0,
    interval_s: float = 0.02,
    description: str = "condition",
) -> None:
    """Poll `check` until it is true; fail with `description` at the deadline."""
    deadline = time.monotonic() + timeout_s
    while True:
        outcome = check()
        if asyncio.iscoroutine(outcome) or isinstance(outcome, Awaitable):
            outcome = await outcome  # type: ignore[misc]
        if outcome:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {description}")
        await asyncio.sleep(interval_s)
