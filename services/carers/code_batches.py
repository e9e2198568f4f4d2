"""Issuing codes in bulk for letters: by council reference, or for every child without a usable code."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from db.dao.carers.linking import fetch_children_by_reference, fetch_children_without_active_code
from db.engine import Database
from db.models import Child
from services.carers.codes import IssuedCode, issue_linking_codes

BATCH_SIZE = 200


@dataclass
class IssueReport:
    """What was issued, and which references were not found."""

    issued: list[IssuedCode] = field(default_factory=list)
    unknown_references: list[str] = field(default_factory=list)


async def issue_codes_for_references(
    database: Database, *, council_references: Sequence[str], ttl_days: int, now: datetime,
    on_progress: Callable[[int], None] | None = None,
) -> IssueReport:
    """One new code for each child named, in batches of one transaction each."""
    wanted = list(dict.fromkeys(reference.strip() for reference in council_references if reference.strip()))
    report = IssueReport()
    for start in range(0, len(wanted), BATCH_SIZE):
        batch = wanted[start : start + BATCH_SIZE]
        async with database.transaction() as session:
            children = await fetch_children_by_reference(session, council_references=batch)
            by_reference = {child.council_reference: child for child in children}
            found = [by_reference[reference] for reference in batch if reference in by_reference]
            report.unknown_references += [reference for reference in batch if reference not in by_reference]
            report.issued += await issue_linking_codes(session, children=found, ttl_days=ttl_days, now=now)
        if on_progress is not None:
            on_progress(len(batch))
    return report


async def issue_codes_for_children_without_one(
    database: Database, *, ttl_days: int, now: datetime, on_progress: Callable[[int], None] | None = None
) -> IssueReport:
    """One new code for every active child with no code that can still be used."""
    async with database.transaction() as session:
        children: list[Child] = await fetch_children_without_active_code(session, now=now)
    return await issue_codes_for_references(
        database, council_references=[child.council_reference for child in children], ttl_days=ttl_days, now=now,
        on_progress=on_progress,
    )


async def count_children_without_code(database: Database, *, now: datetime) -> int:
    """How many active children have no usable code (for a progress bar)."""
    async with database.transaction() as session:
        return len(await fetch_children_without_active_code(session, now=now))
