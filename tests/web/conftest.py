"""Fixtures for the web side: the staff pages and API served for real on a test database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.staff import SettableClock, StaffWeb, start_staff_web


@pytest.fixture
def clock() -> SettableClock:
    """The app's clock; tests move it instead of sleeping."""
    return SettableClock()


@pytest.fixture
async def staff_web(database_url: str, clock: SettableClock) -> AsyncIterator[StaffWeb]:
    """The staff pages and API on a free port, over this test's database."""
    running, runner = await start_staff_web(database_url=database_url, clock=clock)
    try:
        yield running
    finally:
        for client in running.clients:
            await client.close()
        await runner.cleanup()
        await running.database.dispose()
