"""What officers see of operators' reports: every report with its route, operator, timings and change draft."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.operators import (
    fetch_disruption,
    fetch_disruption_notices,
    fetch_disruptions,
    fetch_draft_of_disruption,
    fetch_operator,
    fetch_route,
)
from db.models.transport import OperatorDisruption, TransportChangeDraft


@dataclass(frozen=True)
class ReviewedDisruption:
    """One report as an officer reads it, with the draft to decide on (if any) and how many carers had each step."""

    disruption: OperatorDisruption
    route_code: str
    operator_name: str
    draft: TransportChangeDraft | None
    told_by_step: dict[str, int]


async def review_disruption(session: AsyncSession, *, disruption_id: int) -> ReviewedDisruption:
    """One report for an officer; LookupError when there is none."""
    disruption = await fetch_disruption(session, disruption_id=disruption_id)
    if disruption is None:
        raise LookupError("There is no report with that id")
    return await _reviewed(session, disruption)


async def review_recent_disruptions(session: AsyncSession, *, now: datetime, days: int = 14) -> list[ReviewedDisruption]:
    """Every report of the last fortnight, newest first."""
    return [await _reviewed(session, item) for item in await fetch_disruptions(session, since=now - timedelta(days=days))]


async def _reviewed(session: AsyncSession, disruption: OperatorDisruption) -> ReviewedDisruption:
    assert disruption.id is not None
    route = await fetch_route(session, route_id=disruption.route_id)
    operator = await fetch_operator(session, operator_id=disruption.operator_id)
    counts: dict[str, int] = {}
    for notice in await fetch_disruption_notices(session, disruption_id=disruption.id):
        counts[notice.step] = counts.get(notice.step, 0) + 1
    return ReviewedDisruption(
        disruption=disruption,
        route_code=route.code if route else "-",
        operator_name=operator.name if operator else "-",
        draft=await fetch_draft_of_disruption(session, disruption_id=disruption.id),
        told_by_step=counts,
    )
