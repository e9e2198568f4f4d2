"""Demo data for the sandbox and for trying things out: schools, routes, children and fresh linking codes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sandbox
from db.dao.transport.data import fetch_children_by_ids
from db.engine import Database
from db.migrate import upgrade_database_async
from db.types import utc_now
from services.carers.codes import IssuedCode, deep_link, format_code, issue_linking_codes
from services.transport.imports import import_transport_data

DEMO_TRANSPORT_CSV = Path(sandbox.__file__).parent / "demo_transport.csv"
DEMO_CODE_TTL_DAYS = 7


@dataclass(frozen=True)
class DemoSummary:
    """What was seeded, and the codes a person can type into the bot."""

    children: int
    codes: list[IssuedCode]

    def describe(self, *, bot_username: str | None) -> str:
        """A few lines for the terminal: one code per demo child."""
        lines = [f"  Demo data: {self.children} children on 4 routes at 3 schools. Linking codes (valid 7 days):"]
        for issued in self.codes:
            link = f"  {deep_link(code=issued.code, bot_username=bot_username)}" if bot_username else ""
            lines.append(f"    {issued.child_name:<8} {issued.council_reference}  {format_code(issued.code)}{link}")
        return "\n".join(lines)


async def seed_demo_data(*, database_url: str) -> DemoSummary:
    """Import the demo transport file (idempotent) and issue a fresh code for each demo child."""
    await upgrade_database_async(database_url=database_url)
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            now = utc_now()
            report = await import_transport_data(session, data=DEMO_TRANSPORT_CSV.read_bytes(), now=now)
            if not report.is_ok:
                raise RuntimeError(f"the demo transport file is invalid: {report.errors[0]}")
            children = await fetch_children_by_ids(session, child_ids=report.child_ids)
            codes = await issue_linking_codes(session, children=children, ttl_days=DEMO_CODE_TTL_DAYS, now=now)
    finally:
        await database.dispose()
    return DemoSummary(children=len(children), codes=codes)
