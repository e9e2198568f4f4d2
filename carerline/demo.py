"""Demo data for the sandbox and for trying things out."""

from __future__ import annotations

from db.migrate import upgrade_database_async


async def seed_demo_data(*, database_url: str) -> str:
    """Create the demo records (idempotent) and describe them in a few lines."""
    await upgrade_database_async(database_url=database_url)
    return "  Demo data: none yet beyond the demo parents in the phone page."
