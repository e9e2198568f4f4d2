"""A family reports a problem on a route whose operator has already reported today: link the two, tell the family.

The family hears what the operator said in their own words, so they know the council knew and what
it means; officers see the link on the problem report. The duty officer's alert says what the operator
reported today, or, when families report and the operator has not, says so plainly.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.casework.problem_reports import save_problem_report
from db.dao.operators import fetch_latest_disruption_on_route_today, fetch_operator, fetch_route
from db.models.casework import ProblemReport
from db.models.transport import OperatorDisruption
from services.carers.channel_plans import CouncilContact
from services.casework.duty_alerts import local_time
from services.casework.errors import council_day
from services.casework.notifications import CarerNotice, notify_carer

STEP = "operator-said"


async def link_operator_report(
    session: AsyncSession, *, report: ProblemReport, now: datetime, council: CouncilContact
) -> OperatorDisruption | None:
    """Link the family's report to the operator's report of the same route today, and tell the family what it said."""
    if report.route_id is None or report.id is None:
        return None
    disruption = await fetch_latest_disruption_on_route_today(session, route_id=report.route_id, run_date=council_day(now))
    if disruption is None:
        return None
    report.operator_disruption_id = disruption.id
    await save_problem_report(session, report=report)
    values: dict[str, object] = {"route": report.route_code or "-"}
    if disruption.minutes_late is not None:
        values["minutes"] = disruption.minutes_late
    if disruption.new_staff_first_name:
        values["name"] = disruption.new_staff_first_name
    if disruption.from_date is not None:
        values["date"] = disruption.from_date
    notice = CarerNotice(
        key=f"operators.cross_check.{disruption.kind}",
        source_type="problem_report",
        source_id=report.id,
        step=STEP,
        values=values,
        is_urgent=True,
    )
    await notify_carer(session, carer_id=report.carer_id, notice=notice, now=now, council=council)
    return disruption


async def operator_word_for_duty(
    session: AsyncSession, *, report: ProblemReport, disruption: OperatorDisruption | None
) -> str | None:
    """The line of the duty officer's alert about the route's operator: what it reported today, or that it has not."""
    if report.route_id is None:
        return None
    route = await fetch_route(session, route_id=report.route_id)
    if route is None:
        return None
    operator = await fetch_operator(session, operator_id=route.operator_id)
    name = operator.name if operator is not None else "The operator"
    if disruption is None:
        return f"{name} has NOT reported anything on route {route.code} today: ask them what is happening."
    what = _WHAT.get(disruption.kind, disruption.kind.replace("_", " "))
    if disruption.minutes_late is not None:
        what = f"{what}, about {disruption.minutes_late} minutes"
    return f"{name} reported {what} ({disruption.run} run) at {local_time(disruption.reported_at)}, {disruption.reference}."


_WHAT = {
    "running_late": "running late",
    "vehicle_breakdown": "a vehicle breakdown",
    "staff_changed": "a new driver or passenger assistant",
    "run_cancelled": "the run cancelled",
    "cannot_run_from": "that it cannot run the route",
}
