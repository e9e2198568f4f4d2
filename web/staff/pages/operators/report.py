"""The operator's pages, made for a phone: their routes, a report in under a minute, and correcting or closing it."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from multidict import MultiDictProxy

from db.models.transport import DisruptionKind, Run, StaffChanged
from services.casework.errors import council_day
from services.operators.drafts import page_duty_officer
from services.operators.followups import (
    Correction,
    Resolution,
    correct_disruption,
    list_own_disruptions,
    may_still_change,
    resolve_disruption,
    withdraw_disruption,
)
from services.operators.reports import (
    DisruptionError,
    DisruptionNotFound,
    DisruptionRequest,
    NotYourRoute,
    TooLate,
    default_run,
    report_disruption,
)
from services.operators.routes import operator_routes
from services.staff.permissions import Permission
from web.auth.access import require
from web.auth.keys import CLOCK
from web.auth.principal import origin_of, require_principal
from web.keys import DATABASE, SETTINGS
from web.staff.rendering import render_page

KIND_CHOICES = [
    (DisruptionKind.RUNNING_LATE.value, "Running late", "Give the minutes below"),
    (DisruptionKind.VEHICLE_BREAKDOWN.value, "Vehicle broken down", None),
    (DisruptionKind.STAFF_CHANGED.value, "Driver or PA changed", "Give the new person's first name below"),
    (DisruptionKind.RUN_CANCELLED.value, "Run cancelled", "The council decides what families are told"),
    (DisruptionKind.CANNOT_RUN_FROM.value, "We cannot run this route from a date", "Give the first day below"),
]
RUN_CHOICES = [(Run.MORNING.value, "Morning", None), (Run.AFTERNOON.value, "Afternoon", None)]
STAFF_CHOICES = [(StaffChanged.DRIVER.value, "Driver", None), (StaffChanged.PASSENGER_ASSISTANT.value, "Passenger assistant (PA)", None)]


class FormProblem(Exception):
    """A form value that is not even the right shape."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _operator_id(request: web.Request) -> int:
    operator_id = require_principal(request).operator_id
    if operator_id is None:
        raise web.HTTPForbidden(reason="This account does not belong to an operator")
    return operator_id


def _disruption_id(request: web.Request) -> int:
    raw = request.match_info["disruption_id"]
    if not raw.isdigit() or not 0 < int(raw) < 2**31:
        raise web.HTTPNotFound()
    return int(raw)


def _number(form: MultiDictProxy[Any], name: str, message: str) -> int | None:
    raw = str(form.get(name, "")).strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 6:
        raise FormProblem(name, message)
    return int(raw)


def _choice(form: MultiDictProxy[Any], name: str, kind: type[Any], message: str) -> Any:
    raw = str(form.get(name, "")).strip()
    if not raw:
        return None
    try:
        return kind(raw)
    except ValueError:
        raise FormProblem(name, message) from None


def _date(form: MultiDictProxy[Any], name: str) -> date | None:
    parts = [str(form.get(f"{name}-{part}", "")).strip() for part in ("day", "month", "year")]
    if not any(parts):
        return None
    try:
        return date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        raise FormProblem(name, "Enter a real date, like 27 3 2027") from None


def request_from_form(form: MultiDictProxy[Any]) -> DisruptionRequest:
    """The report as typed, or FormProblem naming the first field that is not the right shape."""
    route_id = _number(form, "route_id", "Choose one of your routes")
    kind = _choice(form, "kind", DisruptionKind, "Choose what has happened")
    if route_id is None:
        raise FormProblem("route_id", "Choose one of your routes")
    if kind is None:
        raise FormProblem("kind", "Choose what has happened")
    return DisruptionRequest(
        route_id=route_id,
        kind=kind,
        run=_choice(form, "run", Run, "Choose the morning or the afternoon run"),
        minutes_late=_number(form, "minutes_late", "Enter the minutes as a number, like 20") if kind == DisruptionKind.RUNNING_LATE else None,
        staff_changed=_choice(form, "staff_changed", StaffChanged, "Choose driver or PA") if kind == DisruptionKind.STAFF_CHANGED else None,
        new_staff_first_name=str(form.get("new_staff_first_name", "")) if kind == DisruptionKind.STAFF_CHANGED else None,
        from_date=_date(form, "from_date") if kind == DisruptionKind.CANNOT_RUN_FROM else None,
        note=str(form.get("note", "")),
    )


async def _render_home(request: web.Request, *, errors: list[tuple[str, str]], values: dict[str, Any], status: int = 200) -> web.Response:
    now = request.app[CLOCK]()
    operator_id = _operator_id(request)
    async with request.app[DATABASE].transaction() as session:
        view = await operator_routes(session, operator_id=operator_id)
        reports = await list_own_disruptions(session, operator_id=operator_id, now=now)
    routes = {route.id: route.code for route in view.routes}
    defaults = {"run": default_run(now).value, "route_id": str(view.routes[0].id) if len(view.routes) == 1 else ""}
    context = {
        "operator": view,
        "reports": [(report, routes.get(report.route_id, "-"), may_still_change(report, now=now)) for report in reports],
        "kind_choices": KIND_CHOICES,
        "run_choices": RUN_CHOICES,
        "staff_choices": STAFF_CHOICES,
        "route_choices": [(str(route.id), route.code, route.vehicle_type) for route in view.routes],
        "values": {**defaults, **values},
        "errors": errors,
        "notice": request.query.get("notice"),
        "today": council_day(now),
    }
    return render_page(request, "staff/operator.html", context, status=status)


@require(Permission.REPORT_DISRUPTIONS)
async def operator_page(request: web.Request) -> web.StreamResponse:
    """The report form first, then today's reports, then the operator's routes and pick-up windows."""
    return await _render_home(request, errors=[], values={})


@require(Permission.REPORT_DISRUPTIONS)
async def report_submit(request: web.Request) -> web.StreamResponse:
    """Record the report and say who hears of it, or show exactly what to fix (422)."""
    form = await request.post()
    values = {key: str(value) for key, value in form.items() if key != "csrf_token"}
    settings = request.app[SETTINGS]
    principal = require_principal(request)
    try:
        disruption_request = request_from_form(form)
        async with request.app[DATABASE].transaction() as session:
            outcome = await report_disruption(
                session, operator_id=_operator_id(request), request=disruption_request, actor=principal.actor,
                now=request.app[CLOCK](), council_phone=settings.council_transport_phone,
                staff_base_url=settings.staff_base_url, origin=origin_of(request),
            )
    except (FormProblem, DisruptionError) as problem:
        return await _render_home(request, errors=[(problem.field, problem.message)], values=values, status=422)
    except NotYourRoute:
        raise web.HTTPForbidden(reason="This route is run by another operator") from None
    except DisruptionNotFound:
        return await _render_home(request, errors=[("route_id", "Choose one of your routes")], values=values, status=422)
    if outcome.paging is not None:
        await page_duty_officer(request.app[DATABASE], settings=settings, paging=outcome.paging, now=request.app[CLOCK]())
    disruption = outcome.disruption
    if outcome.collapsed_into is not None:
        notice = f"{disruption.reference}: already reported as {outcome.collapsed_into.reference}, so families were not told twice"
    elif disruption.carers_told or disruption.families_told_at:
        notice = f"{disruption.reference}: {disruption.carers_told} families on {outcome.route.code} are being told now"
    else:
        notice = f"{disruption.reference}: the council's transport team has it and will decide what families are told"
    raise web.HTTPSeeOther(location="/operator?" + urlencode({"notice": notice}))


@require(Permission.REPORT_DISRUPTIONS)
async def correct_submit(request: web.Request) -> web.StreamResponse:
    """Correct a report within 10 minutes (once): families told get one correction."""
    return await _step(request, "correct")


@require(Permission.REPORT_DISRUPTIONS)
async def withdraw_submit(request: web.Request) -> web.StreamResponse:
    """Withdraw a report within 10 minutes: families told get one "please ignore"."""
    return await _step(request, "withdraw")


@require(Permission.REPORT_DISRUPTIONS)
async def resolve_submit(request: web.Request) -> web.StreamResponse:
    """Back on time, or arrived: families told get one follow-up."""
    return await _step(request, "resolve")


async def _step(request: web.Request, step: str) -> web.StreamResponse:
    form = await request.post()
    settings = request.app[SETTINGS]
    common: dict[str, Any] = {
        "operator_id": _operator_id(request), "disruption_id": _disruption_id(request),
        "actor": require_principal(request).actor, "now": request.app[CLOCK](),
        "council_phone": settings.council_transport_phone, "origin": origin_of(request),
    }
    try:
        async with request.app[DATABASE].transaction() as session:
            if step == "withdraw":
                item = await withdraw_disruption(session, **common)
            elif step == "resolve":
                resolution = _choice(form, "resolution", Resolution, "Choose back on time or arrived") or Resolution.ARRIVED
                item = await resolve_disruption(session, resolution=resolution, **common)
            elif step == "correct":
                correction = Correction(
                    minutes_late=_number(form, "minutes_late", "Enter the minutes as a number, like 20"),
                    new_staff_first_name=str(form.get("new_staff_first_name", "")).strip() or None,
                    note=str(form.get("note", "")).strip() or None,
                )
                item = await correct_disruption(session, correction=correction, **common)
            else:
                raise web.HTTPNotFound()
    except (FormProblem, DisruptionError, TooLate) as problem:
        field = getattr(problem, "field", "")
        return await _render_home(request, errors=[(field, getattr(problem, "message", str(problem)))], values={}, status=422 if field else 409)
    except NotYourRoute:
        raise web.HTTPForbidden(reason="This report is another operator's") from None
    except DisruptionNotFound:
        raise web.HTTPNotFound() from None
    done = {"correct": "corrected; families told get one correction", "withdraw": "withdrawn",
            "resolve": "resolved; families told are being told"}[step]
    raise web.HTTPSeeOther(location="/operator?" + urlencode({"notice": f"{item.reference} {done}"}))
