"""/api/v1/transport: schools and routes, the route-planning CSV import, and linking codes."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from services.carers.codes import IssuedCode, deep_link
from services.staff.permissions import Permission
from services.transport.code_issuing import issue_code_for_child, issue_codes_for_children_without_one
from services.transport.rows import RowError
from services.transport.staff import (
    FileRejected,
    TransportNotFound,
    import_transport_file,
    read_route_children,
    read_transport_overview,
)
from web.api.registry import ApiCall, ApiNotFound, ApiProblem, api_operation
from web.api.schemas import RecordId
from web.keys import SETTINGS

TAG = "Transport"
CODE_PATTERN = r"^[A-Za-z0-9_/-]{1,32}$"
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
TRANSPORT_EXAMPLE = (
    "council_reference,child_name,school_code,school_name,district,phase,route_code,operator_code,operator_name,"
    "operator_phone,vehicle_type,stop_sequence,stop_name,pickup_from,pickup_to\n"
    "KCC-100001,Sam,SCH-OAK,Oakwood Park School,Maidstone,primary,MA-101,OP-GC,Garden Cars,01622 000 111,"
    'Wheelchair-accessible minibus,1,"Tonbridge Road, outside no. 14",07:35,07:45\n'
)


class StopPublic(BaseModel):
    """A pick-up point with its window."""

    sequence: int
    name: str
    pickup_from: str = Field(description="HH:MM, UK time")
    pickup_to: str = Field(description="HH:MM, UK time")


class RoutePublic(BaseModel):
    """A route with its operator, school, stops and how many children ride it."""

    id: int
    code: str
    operator_code: str
    operator_name: str
    school_id: int
    school_name: str
    vehicle_type: str
    district: str
    children: int
    stops: list[StopPublic]


class RouteList(BaseModel):
    """Every route by code."""

    items: list[RoutePublic]


class SchoolPublic(BaseModel):
    """A school with its counts."""

    id: int
    code: str
    name: str
    district: str
    routes: int
    children: int


class SchoolList(BaseModel):
    """Every school by name."""

    items: list[SchoolPublic]


class RoutePath(BaseModel):
    """A route's id in the path."""

    route_id: RecordId = Field(examples=[1])


class ChildOnRoutePublic(BaseModel):
    """A child as the council holds them: reference and first name or initials."""

    id: int
    council_reference: str
    name: str
    phase: str
    stop_sequence: int | None
    linked_carers: int


class RouteChildren(BaseModel):
    """The children on one route (officers only; each view is audited)."""

    route: RoutePublic
    children: list[ChildOnRoutePublic]


class ImportQuery(BaseModel):
    """Options for the transport import."""

    issue_codes: bool = Field(
        default=False, description="Also issue linking codes for the file's children without one"
    )


class IssuedCodePublic(BaseModel):
    """A linking code, shown this once: only its hash is kept."""

    child_id: int
    council_reference: str
    child_name: str
    code: str = Field(description="As printed in letters, e.g. K7QM-4TXD-P2")
    deep_link: str | None = Field(
        description="https://t.me/<bot>?start=<code>, when the bot's username is set"
    )
    expires_at: datetime


class ImportResult(BaseModel):
    """What the import saved, per kind of record."""

    rows: int
    created: dict[str, int]
    updated: dict[str, int]
    unchanged: dict[str, int]
    codes: list[IssuedCodePublic]


class ChildPath(BaseModel):
    """A child's id in the path."""

    child_id: RecordId = Field(examples=[1])


class IssuedCodes(BaseModel):
    """Codes just issued, shown this once."""

    items: list[IssuedCodePublic]


class FileProblem(ApiProblem):
    """A refused file: 422 with one field entry per bad row ("line N")."""

    status = 422

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"Nothing was saved: {len(errors)} bad row(s)")
        self.fields = [
            {"location": "body", "field": f"line {error.line}", "message": error.reason}
            for error in errors
        ]


def _route_public(row: object) -> RoutePublic:
    route, operator, school = row.route, row.operator, row.school  # type: ignore[attr-defined]
    return RoutePublic(
        id=route.id,
        code=route.code,
        operator_code=operator.code,
        operator_name=operator.name,
        school_id=school.id,
        school_name=school.name,
        vehicle_type=route.vehicle_type,
        district=route.district,
        children=row.children,  # type: ignore[attr-defined]
        stops=[
            StopPublic(
                sequence=stop.sequence,
                name=stop.name,
                pickup_from=f"{stop.pickup_from:%H:%M}",
                pickup_to=f"{stop.pickup_to:%H:%M}",
            )
            for stop in row.stops  # type: ignore[attr-defined]
        ],
    )


def _code_public(call: ApiCall, issued: IssuedCode) -> IssuedCodePublic:
    username = call.request.app[SETTINGS].bot_username
    return IssuedCodePublic(
        child_id=issued.child_id,
        council_reference=issued.council_reference,
        child_name=issued.child_name,
        code=issued.display,
        deep_link=deep_link(code=issued.payload, bot_username=username) if username else None,
        expires_at=issued.expires_at,
    )


@api_operation(
    "GET",
    "/transport/schools",
    summary="List schools",
    tag=TAG,
    permission=Permission.VIEW_TRANSPORT,
    response=SchoolList,
)
async def list_schools(call: ApiCall) -> SchoolList:
    """Every school with how many routes and children it has."""
    async with call.database.transaction() as session:
        overview = await read_transport_overview(session)
    return SchoolList(
        items=[
            SchoolPublic(
                id=row.school.id or 0,
                code=row.school.code,
                name=row.school.name,
                district=row.school.district,
                routes=row.routes,
                children=row.children,
            )
            for row in overview.schools
        ]
    )


@api_operation(
    "GET",
    "/transport/routes",
    summary="List routes with their stops",
    tag=TAG,
    permission=Permission.VIEW_TRANSPORT,
    response=RouteList,
)
async def list_routes(call: ApiCall) -> RouteList:
    """Every route: operator, school, vehicle, stops with pick-up windows, and how many children ride it."""
    async with call.database.transaction() as session:
        overview = await read_transport_overview(session)
    return RouteList(items=[_route_public(row) for row in overview.routes])


@api_operation(
    "GET",
    "/transport/routes/{route_id}/children",
    summary="Children on a route",
    tag=TAG,
    permission=Permission.RECORD_TRANSPORT_CHANGES,
    path_params=RoutePath,
    response=RouteChildren,
)
async def list_route_children(call: ApiCall) -> RouteChildren:
    """The children's references and names as held (officers only; every view is audited)."""
    try:
        async with call.database.transaction() as session:
            route, children = await read_route_children(
                session,
                route_id=call.params.route_id,
                actor=call.actor,
                origin=call.origin,
                now=call.now,
            )
    except TransportNotFound:
        raise ApiNotFound(f"No route {call.params.route_id}") from None
    return RouteChildren(
        route=_route_public(route),
        children=[
            ChildOnRoutePublic(
                id=item.child.id or 0,
                council_reference=item.child.council_reference,
                name=item.child.display_name,
                phase=str(item.child.phase),
                stop_sequence=item.stop_sequence,
                linked_carers=item.linked_carers,
            )
            for item in children
        ],
    )


@api_operation(
    "POST",
    "/transport/imports",
    summary="Import the route-planning export (CSV)",
    tag=TAG,
    permission=Permission.RECORD_TRANSPORT_CHANGES,
    query=ImportQuery,
    response=ImportResult,
    accepts_csv_file=True,
    csv_example=TRANSPORT_EXAMPLE,
)
async def import_transport(call: ApiCall) -> ImportResult:
    """Schools, operators, routes, stops and children from one CSV row per child (columns in README).

    All rows are checked first: any bad row gives 422 with one `fields` entry per bad row ("line N")
    and nothing is saved. Importing the same file again changes nothing.
    """
    if call.query.issue_codes and not call.principal.may(Permission.ISSUE_LINKING_CODES):
        raise _Forbidden()
    try:
        async with call.database.transaction() as session:
            outcome = await import_transport_file(
                session,
                data=call.body,
                issue_codes=call.query.issue_codes,
                ttl_days=call.request.app[SETTINGS].link_code_ttl_days,
                actor=call.actor,
                origin=call.origin,
                now=call.now,
            )
    except FileRejected as rejected:
        raise FileProblem(rejected.errors) from None
    counts = outcome.report.counts
    return ImportResult(
        rows=outcome.report.rows,
        created=dict(counts.created),
        updated=dict(counts.updated),
        unchanged=dict(counts.unchanged),
        codes=[_code_public(call, item) for item in outcome.issued],
    )


class _Forbidden(ApiProblem):
    status = 403

    def __init__(self) -> None:
        super().__init__("Your role may not issue linking codes")


@api_operation(
    "POST",
    "/transport/children/{child_id}/linking-code",
    summary="Issue a linking code for a child",
    tag=TAG,
    permission=Permission.ISSUE_LINKING_CODES,
    path_params=ChildPath,
    response=IssuedCodePublic,
    status=201,
)
async def issue_child_linking_code(call: ApiCall) -> IssuedCodePublic:
    """A new code for the child's letter, returned this once (only its hash is kept); audited."""
    try:
        async with call.database.transaction() as session:
            issued = await issue_code_for_child(
                session,
                child_id=call.params.child_id,
                ttl_days=call.request.app[SETTINGS].link_code_ttl_days,
                actor=call.actor,
                origin=call.origin,
                now=call.now,
            )
    except TransportNotFound:
        raise ApiNotFound(f"No child {call.params.child_id}") from None
    return _code_public(call, issued)


@api_operation(
    "POST",
    "/transport/linking-codes/batch",
    summary="Issue codes for every child without one",
    tag=TAG,
    permission=Permission.ISSUE_LINKING_CODES,
    response=IssuedCodes,
    status=201,
)
async def issue_linking_code_batch(call: ApiCall) -> IssuedCodes:
    """A code for every active child with no usable code, returned this once (for mail-merge letters); audited."""
    async with call.database.transaction() as session:
        issued = await issue_codes_for_children_without_one(
            session,
            ttl_days=call.request.app[SETTINGS].link_code_ttl_days,
            actor=call.actor,
            origin=call.origin,
            now=call.now,
        )
    return IssuedCodes(items=[_code_public(call, item) for item in issued])
