"""An operator's disruption report: checked, recorded, and either told to families at once or drafted for an officer.

Running late, a breakdown and a driver or PA change go straight to every linked carer on the route
(a breakdown also pages the duty officer, who may need to find another vehicle);
a cancelled run or a route the operator cannot run pages the duty officer and opens a change draft
(services/operators/drafts.py), because families must hear a cancellation only once the council
has decided what happens instead. A report of the same kind on the same route and run while an
earlier one is open joins it ("collapsed"): families hear once, however many times it is sent.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.operators import fetch_open_disruption, fetch_route, save_disruption
from db.models import Route
from db.models.transport import DisruptionKind, DisruptionStatus, OperatorDisruption, Run, StaffChanged
from services.casework.errors import COUNCIL_TIME_ZONE, council_day
from services.operators.drafts import DutyPaging, duty_paging, open_change_draft
from services.operators.family_notices import NoticeContext, tell_families_on_route
from services.staff.audit import Actor, RequestOrigin, record_audit

FAMILY_KINDS = frozenset({DisruptionKind.RUNNING_LATE, DisruptionKind.VEHICLE_BREAKDOWN, DisruptionKind.STAFF_CHANGED})
OFFICER_KINDS = frozenset({DisruptionKind.RUN_CANCELLED, DisruptionKind.CANNOT_RUN_FROM})
TODAY_ONLY_KINDS = frozenset({DisruptionKind.RUNNING_LATE, DisruptionKind.VEHICLE_BREAKDOWN})
MAX_MINUTES_LATE = 240
MAX_DAYS_AHEAD = 14
MAX_FROM_DAYS_AHEAD = 365
MAX_NOTE_LENGTH = 300
MAX_NAME_LENGTH = 40
# A first name as people write them: letters (any alphabet), spaces, hyphens, apostrophes, full stops.
FIRST_NAME = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ '’.-])*$")
AFTERNOON_FROM = time(12, 0)


class DisruptionError(ValueError):
    """A report that cannot be accepted; `field` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class NotYourRoute(PermissionError):
    """The route or report belongs to another operator."""


class DisruptionNotFound(LookupError):
    """No route or report with that id."""


class TooLate(RuntimeError):
    """The step is no longer allowed (the 10 minutes to correct have passed, or it is already resolved)."""


@dataclass(frozen=True)
class DisruptionRequest:
    """What an operator reports, from the phone page or a dispatch system."""

    route_id: int
    kind: DisruptionKind
    run: Run | None = None
    run_date: date | None = None
    minutes_late: int | None = None
    staff_changed: StaffChanged | None = None
    new_staff_first_name: str | None = None
    from_date: date | None = None
    note: str | None = None


@dataclass
class ReportOutcome:
    """The report as recorded, whom it reached, and the duty alert to send once the transaction commits."""

    disruption: OperatorDisruption
    route: Route
    collapsed_into: OperatorDisruption | None = None
    paging: DutyPaging | None = None


def default_run(now: datetime) -> Run:
    """The run still to come today: the morning run before midday, the afternoon run after."""
    return Run.MORNING if now.astimezone(COUNCIL_TIME_ZONE).time() < AFTERNOON_FROM else Run.AFTERNOON


def check_details(kind: DisruptionKind, *, minutes_late: int | None, staff_changed: StaffChanged | None,
                  new_staff_first_name: str | None, from_date: date | None, today: date) -> str | None:
    """Check the kind's own details (the same rules for a report and a correction); the cleaned first name."""
    name = (new_staff_first_name or "").strip() or None
    if kind == DisruptionKind.RUNNING_LATE:
        if minutes_late is None:
            raise DisruptionError("minutes_late", "Enter how many minutes late the transport is running")
        if not 1 <= minutes_late <= MAX_MINUTES_LATE:
            raise DisruptionError("minutes_late", f"Minutes late must be between 1 and {MAX_MINUTES_LATE}")
    elif minutes_late is not None:
        raise DisruptionError("minutes_late", "Give minutes only for a running-late report")
    if kind == DisruptionKind.STAFF_CHANGED:
        if staff_changed is None:
            raise DisruptionError("staff_changed", "Say whether the driver or the passenger assistant changed")
        if name is None:
            raise DisruptionError("new_staff_first_name", "Enter the first name of the new driver or passenger assistant")
        if len(name) > MAX_NAME_LENGTH or not FIRST_NAME.match(name):
            raise DisruptionError(
                "new_staff_first_name", f"Enter a first name only, {MAX_NAME_LENGTH} letters or fewer, like Sam"
            )
    elif staff_changed is not None or name is not None:
        field = "staff_changed" if staff_changed is not None else "new_staff_first_name"
        raise DisruptionError(field, "Give the new person only for a driver or passenger assistant change")
    if kind == DisruptionKind.CANNOT_RUN_FROM:
        if from_date is None:
            raise DisruptionError("from_date", "Enter the first day you cannot run the route")
        if not today <= from_date <= today + timedelta(days=MAX_FROM_DAYS_AHEAD):
            raise DisruptionError("from_date", "The first day must be today or within the next year")
    elif from_date is not None:
        raise DisruptionError("from_date", "Give a date only when you cannot run the route from that day")
    return name


def clean_note(note: str | None) -> str | None:
    """The operator's optional note, stripped; refused when too long."""
    cleaned = (note or "").strip() or None
    if cleaned is not None and len(cleaned) > MAX_NOTE_LENGTH:
        raise DisruptionError("note", f"The note must be {MAX_NOTE_LENGTH} characters or fewer")
    return cleaned


async def route_of_operator(session: AsyncSession, *, operator_id: int, route_id: int) -> Route:
    """The route, if this operator runs it; NotYourRoute otherwise (another operator's route is refused, not hidden)."""
    route = await fetch_route(session, route_id=route_id)
    if route is None:
        raise DisruptionNotFound("There is no route with that id")
    if route.operator_id != operator_id:
        raise NotYourRoute("This route is run by another operator")
    return route


async def report_disruption(
    session: AsyncSession,
    *,
    operator_id: int,
    request: DisruptionRequest,
    actor: Actor,
    now: datetime,
    council_phone: str,
    staff_base_url: str,
    origin: RequestOrigin | None = None,
) -> ReportOutcome:
    """Record a report; tell the route's families or open a draft for an officer; audit it."""
    kind = DisruptionKind(request.kind)
    today = council_day(now)
    run_date = request.run_date or today
    if kind in TODAY_ONLY_KINDS and run_date != today:
        raise DisruptionError("run_date", "Report running late or a breakdown on the day it happens")
    if not today <= run_date <= today + timedelta(days=MAX_DAYS_AHEAD):
        raise DisruptionError("run_date", f"The run must be today or within the next {MAX_DAYS_AHEAD} days")
    name = check_details(
        kind, minutes_late=request.minutes_late, staff_changed=request.staff_changed,
        new_staff_first_name=request.new_staff_first_name, from_date=request.from_date, today=today,
    )
    note = clean_note(request.note)
    route = await route_of_operator(session, operator_id=operator_id, route_id=request.route_id)
    assert route.id is not None
    run = Run(request.run) if request.run else default_run(now)
    disruption = OperatorDisruption(
        reference=f"OD-{now:%Y%m%d}-{secrets.token_hex(3).upper()}",
        operator_id=operator_id,
        route_id=route.id,
        run=run,
        run_date=run_date,
        kind=kind,
        minutes_late=request.minutes_late,
        staff_changed=StaffChanged(request.staff_changed) if request.staff_changed else None,
        new_staff_first_name=name,
        from_date=request.from_date,
        note=note,
        status=DisruptionStatus.FAMILIES_TOLD if kind in FAMILY_KINDS else DisruptionStatus.AWAITING_OFFICER,
        reported_by=actor.label[:254],
        reported_at=now,
    )
    outcome = ReportOutcome(disruption=disruption, route=route)
    earlier = await fetch_open_disruption(session, route_id=route.id, run_date=run_date, run=run, kind=kind)
    if earlier is not None:
        disruption.status = DisruptionStatus.COLLAPSED
        disruption.collapsed_into_id = earlier.id
        outcome.collapsed_into = earlier
        await save_disruption(session, disruption=disruption)
    elif kind in FAMILY_KINDS:
        await save_disruption(session, disruption=disruption)
        context = NoticeContext(route_code=route.code, council_phone=council_phone)
        disruption.carers_told = await tell_families_on_route(session, disruption=disruption, context=context, now=now)
        disruption.families_told_at = now
        await save_disruption(session, disruption=disruption)
        if kind == DisruptionKind.VEHICLE_BREAKDOWN:
            # Families hear at once, but someone at the council may need to find another vehicle.
            outcome.paging = duty_paging(disruption, route=route, now=now, staff_base_url=staff_base_url)
    else:
        await save_disruption(session, disruption=disruption)
        outcome.paging = await open_change_draft(
            session, disruption=disruption, route=route, now=now, staff_base_url=staff_base_url
        )
    await record_audit(
        session,
        actor=actor,
        action="disruption.reported",
        object_type="operator_disruption",
        object_ids=[disruption.id or 0],
        detail={
            "reference": disruption.reference,
            "kind": kind.value,
            "route": route.code,
            "run": run.value,
            "run_date": run_date.isoformat(),
            "carers_told": disruption.carers_told,
            **({"collapsed_into": earlier.reference} if earlier is not None else {}),
        },
        origin=origin,
        now=now,
    )
    return outcome
