"""Demo data for the sandbox and for trying things out: schools, routes, children, contacts and fresh linking codes.

Children whose row names no carer are the Telegram families: each gets a linking code. The rest come with the
carers' contact details the council holds (carer1_mobile, carer1_email...), as a route-planning export gives
them: families with a mobile only, an email only, both, or neither (those are the call list's).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sandbox
from db.dao.transport.data import fetch_children_by_ids
from db.engine import Database
from db.migrate import upgrade_database_async
from db.types import utc_now
from services.carers.codes import IssuedCode, deep_link, format_code, issue_linking_codes
from services.transport.imports import import_transport_data, parse_transport_csv

DEMO_TRANSPORT_CSV = Path(sandbox.__file__).parent / "demo_transport.csv"
DEMO_CODE_TTL_DAYS = 7


@dataclass(frozen=True)
class DemoFamily:
    """A demo family with no Telegram: the child and the carer's details as the import holds them."""

    child_name: str
    council_reference: str
    carer_name: str
    mobile: str | None
    email: str | None
    preferred_channel: str | None

    @property
    def reach(self) -> str:
        """How Carerline can reach them, in a few words."""
        held = [label for label, value in (("text", self.mobile), ("email", self.email)) if value]
        return " and ".join(held) if held else "no mobile or email: the call list"


@dataclass(frozen=True)
class DemoSummary:
    """What was seeded, the codes a person can type into the bot, and the families with no Telegram."""

    children: int
    codes: list[IssuedCode]
    families: tuple[DemoFamily, ...] = ()

    def describe(self, *, bot_username: str | None) -> str:
        """A few lines for the terminal: one code per Telegram family, then how the others are reached."""
        lines = [f"  Demo data: {self.children} children on 4 routes at 3 schools. Linking codes (valid 7 days):"]
        for issued in self.codes:
            link = f"  {deep_link(code=issued.code, bot_username=bot_username)}" if bot_username else ""
            lines.append(f"    {issued.child_name:<8} {issued.council_reference}  {format_code(issued.code)}{link}")
        if self.families:
            lines.append("  Families with no Telegram (texts and emails through the GOV.UK Notify emulator):")
            for family in self.families:
                details = ", ".join(value for value in (family.mobile, family.email) if value)
                lines.append(f"    {family.child_name:<8} {family.council_reference}  {family.carer_name}: "
                             f"{family.reach}{f' ({details})' if details else ''}")
        return "\n".join(lines)


def demo_families() -> tuple[DemoFamily, ...]:
    """The demo file's families that come with contact details (carer 1 of each child)."""
    rows, errors = parse_transport_csv(DEMO_TRANSPORT_CSV.read_bytes())
    if errors:
        raise RuntimeError(f"the demo transport file is invalid: {errors[0]}")
    return tuple(
        DemoFamily(child_name=row.child_name, council_reference=row.council_reference, carer_name=contact.name or "",
                   mobile=contact.mobile_e164, email=contact.email,
                   preferred_channel=contact.preferred_channel.value if contact.preferred_channel else None)
        for _, row in rows
        for contact in row.contacts[:1]
    )


async def seed_demo_data(*, database_url: str) -> DemoSummary:
    """Import the demo transport file (idempotent) and issue a fresh code for each Telegram family's child."""
    await upgrade_database_async(database_url=database_url)
    families = demo_families()
    with_contacts = {family.council_reference for family in families}
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            now = utc_now()
            report = await import_transport_data(session, data=DEMO_TRANSPORT_CSV.read_bytes(), now=now)
            if not report.is_ok:
                raise RuntimeError(f"the demo transport file is invalid: {report.errors[0]}")
            children = await fetch_children_by_ids(session, child_ids=report.child_ids)
            telegram = [child for child in children if child.council_reference not in with_contacts]
            codes = await issue_linking_codes(session, children=telegram, ttl_days=DEMO_CODE_TTL_DAYS, now=now)
    finally:
        await database.dispose()
    return DemoSummary(children=len(children), codes=codes, families=families)
