"""The staff side's transport data: overviews, the children on a route, file imports and codes; audited.

Changes, their figures and the call list are in services/changes/staff.py."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.transport.staff import (
    RouteRow,
    SchoolRow,
    fetch_children_on_route,
    fetch_route_rows,
    fetch_school_rows,
)
from db.models import Child
from services.staff.audit import Actor, RequestOrigin, record_audit
from services.carers.codes import IssuedCode
from services.transport.rows import RowError
from services.transport.imports import (
    ImportReport,
    import_transport_data,
    issue_codes_for_children_without_one,
    parse_transport_csv,
)

# Column widths the database holds; the import's own checks leave text lengths open.
TRANSPORT_TEXT_LIMITS = {
    "school_name": 200,
    "district": 64,
    "school_district": 64,
    "operator_name": 200,
    "operator_phone": 32,
    "vehicle_type": 64,
    "stop_name": 200,
}
MAX_STOP_SEQUENCE = 10_000
Parsed = TypeVar("Parsed")


class TransportNotFound(LookupError):
    """No route, change or child with that id or code."""


class FileRejected(Exception):
    """A file with bad rows; raised inside the transaction so nothing from it is kept."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} bad row(s)")
        self.errors = errors


@dataclass(frozen=True)
class TransportOverview:
    """Schools and routes with their counts."""

    schools: list[SchoolRow]
    routes: list[RouteRow]

    @property
    def children(self) -> int:
        """Active children across every school."""
        return sum(row.children for row in self.schools)


async def read_transport_overview(session: AsyncSession) -> TransportOverview:
    """Every school and route, with counts (no children's identities)."""
    return TransportOverview(
        schools=await fetch_school_rows(session), routes=await fetch_route_rows(session)
    )


@dataclass(frozen=True)
class ChildOnRoute:
    """A child as officers see them on a route."""

    child: Child
    stop_sequence: int | None
    linked_carers: int


async def read_route_children(
    session: AsyncSession,
    *,
    route_id: int,
    actor: Actor,
    origin: RequestOrigin | None,
    now: datetime,
) -> tuple[RouteRow, list[ChildOnRoute]]:
    """One route and its children's references and names; audited, because they identify children."""
    rows = await fetch_route_rows(session, route_id=route_id)
    if not rows:
        raise TransportNotFound(f"no route {route_id}")
    route = rows[0].route
    assert route.id is not None
    children = [
        ChildOnRoute(*row) for row in await fetch_children_on_route(session, route_id=route.id)
    ]
    await record_audit(
        session,
        actor=actor,
        action="transport.route_children_viewed",
        object_type="route",
        object_ids=[route.id],
        detail={"route_code": route.code, "children": len(children)},
        origin=origin,
        now=now,
    )
    return rows[0], children


def decode_csv(data: bytes) -> str:
    """The file as text, or FileRejected naming what is wrong with it as a whole."""
    try:
        text_data = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRejected(
            [RowError(1, 'the file is not UTF-8 text: save it from Excel as "CSV UTF-8"')]
        ) from None
    if "\x00" in text_data:
        line = text_data[: text_data.index("\x00")].count("\n") + 1
        raise FileRejected(
            [RowError(line, "the file contains a NUL character: is it really a CSV file?")]
        )
    return text_data


def csv_errors(
    parse: Callable[..., Parsed], *args: object, **kwargs: object
) -> tuple[Parsed | None, list[RowError]]:
    # The csv module gives up on some files (a field over its size limit); that is the file's fault, not ours.
    try:
        return parse(*args, **kwargs), []
    except csv.Error as error:
        return None, [RowError(1, f"the file cannot be read as CSV ({error})")]


def check_transport_file(text_data: str) -> list[RowError]:
    """Every bad row: the import's own checks, plus the lengths the database can hold."""
    parsed, errors = csv_errors(parse_transport_csv, text_data)
    if errors or parsed is None:
        return errors
    rows, errors = parsed
    for line, row in rows:
        for name, limit in TRANSPORT_TEXT_LIMITS.items():
            value = getattr(row, name)
            if value is not None and len(value) > limit:
                errors.append(RowError(line, f"{name}: must be {limit} characters or fewer"))
        if row.stop_sequence is not None and row.stop_sequence > MAX_STOP_SEQUENCE:
            errors.append(RowError(line, f"stop_sequence: must be {MAX_STOP_SEQUENCE} or less"))
    return sorted(errors, key=lambda error: error.line)


@dataclass
class TransportImportOutcome:
    """A saved import, and the codes issued with it (shown once)."""

    report: ImportReport
    issued: list[IssuedCode] = field(default_factory=list)


async def import_transport_file(
    session: AsyncSession,
    *,
    data: bytes,
    issue_codes: bool,
    ttl_days: int,
    actor: Actor,
    origin: RequestOrigin | None,
    now: datetime,
) -> TransportImportOutcome:
    """Import the route-planning export, all rows or none (FileRejected lists every bad row); audited."""
    text_data = decode_csv(data)
    errors = check_transport_file(text_data)
    if errors:
        raise FileRejected(errors)
    report = await import_transport_data(session, data=text_data, now=now)
    if report.errors:
        raise FileRejected(report.errors)
    issued = (
        await issue_codes_for_children_without_one(
            session, child_ids=report.child_ids, ttl_days=ttl_days, now=now
        )
        if issue_codes
        else []
    )
    created, updated = report.counts.created, report.counts.updated
    await record_audit(
        session,
        actor=actor,
        action="transport.imported",
        object_type="child",
        object_ids=report.child_ids[:500],
        detail={
            "rows": report.rows,
            "created": dict(created),
            "updated": dict(updated),
            "codes_issued": len(issued),
        },
        origin=origin,
        now=now,
    )
    if issued:
        await _audit_codes(session, issued=issued, actor=actor, origin=origin, now=now)
    return TransportImportOutcome(report=report, issued=issued)


async def _audit_codes(
    session: AsyncSession,
    *,
    issued: list[IssuedCode],
    actor: Actor,
    origin: RequestOrigin | None,
    now: datetime,
) -> None:
    await record_audit(
        session,
        actor=actor,
        action="linking_code.issued",
        object_type="child",
        object_ids=[item.child_id for item in issued][:500],
        detail={"codes": len(issued)},
        origin=origin,
        now=now,
    )
