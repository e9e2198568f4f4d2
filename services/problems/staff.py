"""Officers' use of problem reports from the staff side: list, read (audited) and resolve (audited)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.casework.problem_reports import fetch_problem_report
from db.models.casework import ProblemReport
from db.models.staff import ActorKind
from services.carers.channel_plans import CouncilContact
from services.staff.audit import Actor, RequestOrigin, record_audit
from services.casework.errors import CaseNotFound
from services.problems.reports import OpenProblemReport, list_open_problem_reports, resolve_problem_report

OBJECT_TYPE = "problem_report"


async def list_problem_reports(
    session: AsyncSession, *, actor: Actor, origin: RequestOrigin, staff_base_url: str, now: datetime
) -> list[OpenProblemReport]:
    """Open reports, urgent first then oldest; the listing names children, so it is audited."""
    reports = await list_open_problem_reports(session, staff_base_url=staff_base_url)
    await record_audit(
        session,
        actor=actor,
        action="problem_report.list",
        object_type=OBJECT_TYPE,
        object_ids=[report.report_id for report in reports],
        origin=origin,
        now=now,
    )
    return reports


async def view_problem_report(
    session: AsyncSession, *, report_id: int, actor: Actor, origin: RequestOrigin, now: datetime
) -> ProblemReport:
    """One report with the parent's words; CaseNotFound for an unknown id; audited."""
    report = await fetch_problem_report(session, report_id=report_id)
    if report is None:
        raise CaseNotFound(f"no problem report {report_id}")
    await record_audit(
        session, actor=actor, action="problem_report.view", object_type=OBJECT_TYPE, object_ids=[report_id], origin=origin, now=now
    )
    return report


async def resolve_as_officer(
    session: AsyncSession, *, report_id: int, note: str | None, actor: Actor, origin: RequestOrigin, now: datetime,
    council: CouncilContact,
) -> ProblemReport:
    """Mark resolved and tell the family (StepNotAllowed if already resolved); the audit row names who did it."""
    officer_id = actor.id if actor.kind is ActorKind.USER else None
    report = await resolve_problem_report(session, report_id=report_id, officer_id=officer_id, note=note, now=now,
                                          council=council)
    await record_audit(
        session, actor=actor, action="problem_report.resolve", object_type=OBJECT_TYPE, object_ids=[report_id], origin=origin, now=now
    )
    return report
