"""The staff side's transport work: overviews, file imports, changes and their figures, the call list; audited."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.transport_staff import (
    NoticeFigures,
    RouteRow,
    SchoolRow,
    count_notice_figures,
    fetch_change_with_codes,
    fetch_children_on_route,
    fetch_recent_changes,
    fetch_route_rows,
    fetch_school_rows,
)
from db.models import Child, TransportChange
from services.audit import Actor, RequestOrigin, record_audit
from services.change_followups import CallListRow, build_call_list
from services.change_import import ChangeImportError, import_changes, parse_changes_csv
from services.linking_codes import IssuedCode
from services.transport_changes import ChangeRequest, RecordedChange, record_change
from services.transport_import import (
    ImportReport,
    RowError,
    import_transport_data,
    issue_codes_for_children_without_one,
    parse_transport_csv,
)

RECENT_CHANGES = 200
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
CHANGE_TEXT_LIMITS = {
    "reference": 64,
    "old_value": 300,
    "new_value": 300,
    "contact_phone": 32,
    "reason": 2000,
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


def _csv_errors(
    parse: Callable[..., Parsed], *args: object, **kwargs: object
) -> tuple[Parsed | None, list[RowError]]:
    # The csv module gives up on some files (a field over its size limit); that is the file's fault, not ours.
    try:
        return parse(*args, **kwargs), []
    except csv.Error as error:
        return None, [RowError(1, f"the file cannot be read as CSV ({error})")]


def check_transport_file(text_data: str) -> list[RowError]:
    """Every bad row: the import's own checks, plus the lengths the database can hold."""
    parsed, errors = _csv_errors(parse_transport_csv, text_data)
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


async def record_change_as(
    session: AsyncSession,
    *,
    request: ChangeRequest,
    actor: Actor,
    origin: RequestOrigin | None,
    now: datetime,
    council_phone: str,
) -> RecordedChange:
    """Record one change and queue its notices (ChangeError names the field at fault); audited."""
    recorded = await record_change(session, request=request, now=now, council_phone=council_phone)
    await _audit_change(session, recorded=recorded, actor=actor, origin=origin, now=now)
    return recorded


async def _audit_change(
    session: AsyncSession,
    *,
    recorded: RecordedChange,
    actor: Actor,
    origin: RequestOrigin | None,
    now: datetime,
) -> None:
    change = recorded.change
    await record_audit(
        session,
        actor=actor,
        action="transport_change.recorded" if recorded.is_new else "transport_change.repeated",
        object_type="transport_change",
        object_ids=[change.id or 0],
        detail={
            "reference": change.reference,
            "kind": change.kind,
            "children": recorded.affected_children,
            "carers": recorded.carers,
            "queued": recorded.notices.queued,
        },
        origin=origin,
        now=now,
    )


def _change_limits(text_data: str, *, recorded_by: str) -> list[RowError]:
    parsed, errors = _csv_errors(parse_changes_csv, text_data, recorded_by=recorded_by)
    if errors or parsed is None:
        return errors
    requests, _ = parsed
    for line, request in requests:
        for name, limit in CHANGE_TEXT_LIMITS.items():
            value = getattr(request, name)
            if value is not None and len(value) > limit:
                errors.append(RowError(line, f"{name}: must be {limit} characters or fewer"))
        if request.stop_sequence is not None and not 0 < request.stop_sequence <= MAX_STOP_SEQUENCE:
            errors.append(RowError(line, f"stop_sequence: must be from 1 to {MAX_STOP_SEQUENCE}"))
    return errors


async def import_changes_file(
    session: AsyncSession,
    *,
    data: bytes,
    actor: Actor,
    origin: RequestOrigin | None,
    now: datetime,
    council_phone: str,
) -> list[RecordedChange]:
    """Record every change in the file, or none (FileRejected lists every bad row); audited."""
    text_data = decode_csv(data)
    errors = _change_limits(text_data, recorded_by=actor.label)
    if errors:
        raise FileRejected(errors)
    try:
        recorded = await import_changes(
            session,
            data=text_data,
            recorded_by=actor.label[:128],
            now=now,
            council_phone=council_phone,
        )
    except ChangeImportError as error:
        raise FileRejected(sorted(error.errors, key=lambda problem: problem.line)) from None
    for item in recorded:
        await _audit_change(session, recorded=item, actor=actor, origin=origin, now=now)
    return recorded


@dataclass(frozen=True)
class ChangeSummary:
    """A change with its route or operator code and its notices' figures."""

    change: TransportChange
    route_code: str | None
    operator_code: str | None
    figures: NoticeFigures

    @property
    def applies_to(self) -> str:
        """Route MA-101, or every route of operator OP-GC."""
        return (
            f"Route {self.route_code}"
            if self.route_code
            else f"Every route of operator {self.operator_code}"
        )

    def percent(self, figure: str) -> int:
        """A figure as a whole percentage of the families told."""
        families = self.figures.families
        return round(100 * getattr(self.figures, figure) / families) if families else 0

    @property
    def finished(self) -> int:
        """Notices no longer waiting to be sent."""
        figures = self.figures
        return figures.sent + figures.failed + figures.unreachable + figures.not_sent


async def list_changes(
    session: AsyncSession, *, limit: int = RECENT_CHANGES
) -> list[ChangeSummary]:
    """The most recent changes, latest to take effect first, with their figures."""
    rows = await fetch_recent_changes(session, limit=limit)
    figures = await count_notice_figures(
        session, change_ids=[change.id for change, _, _ in rows if change.id]
    )
    return [
        ChangeSummary(change, route, operator, figures.get(change.id or 0, NoticeFigures()))
        for change, route, operator in rows
    ]


async def change_summary(session: AsyncSession, *, change_id: int) -> ChangeSummary:
    """One change with its delivery and acknowledgement figures (TransportNotFound if none)."""
    row = await fetch_change_with_codes(session, change_id=change_id)
    if row is None:
        raise TransportNotFound(f"no change {change_id}")
    change, route, operator = row
    figures = await count_notice_figures(session, change_ids=[change_id])
    return ChangeSummary(change, route, operator, figures.get(change_id, NoticeFigures()))


async def call_list_as(
    session: AsyncSession,
    *,
    actor: Actor,
    origin: RequestOrigin | None,
    now: datetime,
    as_file: bool = False,
) -> list[CallListRow]:
    """Families to telephone now; audited, because it names children and carers."""
    rows = await build_call_list(session, now=now)
    await record_audit(
        session,
        actor=actor,
        action="call_list.downloaded" if as_file else "call_list.viewed",
        object_type="transport_change",
        object_ids=sorted({row.change_reference for row in rows})[:500],
        detail={"families": len(rows)},
        origin=origin,
        now=now,
    )
    return rows
