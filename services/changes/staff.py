"""The staff side's transport changes: record one or a file of them, their figures, the call list; audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.changes import ChannelFigure, count_channel_figures
from db.dao.transport.staff import (
    NoticeFigures,
    count_notice_figures,
    fetch_change_with_codes,
    fetch_recent_changes,
)
from db.models import TransportChange
from services.staff.audit import Actor, RequestOrigin, record_audit
from services.changes.call_list import CallListRow, build_call_list
from services.changes.csv_intake import ChangeImportError, import_changes, parse_changes_csv
from services.changes.notices import FAMILY_TEXT_FIELDS, ChangeRequest, RecordedChange, record_change
from services.transport.rows import RowError
from services.transport.staff import (
    MAX_STOP_SEQUENCE,
    FileRejected,
    TransportNotFound,
    csv_errors,
    decode_csv,
)

RECENT_CHANGES = 200
# Column widths the database holds; the import's own checks leave text lengths open.
CHANGE_TEXT_LIMITS = {
    "reference": 64,
    "contact_phone": 32,
    **FAMILY_TEXT_FIELDS,
}


async def record_change_as(
    session: AsyncSession,
    *,
    request: ChangeRequest,
    actor: Actor,
    origin: RequestOrigin | None,
    now: datetime,
    council_phone: str,
    council_hours: str = "",
) -> RecordedChange:
    """Record one change and queue its notices (ChangeError names the field at fault); audited."""
    recorded = await record_change(session, request=request, now=now, council_phone=council_phone, council_hours=council_hours)
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
    parsed, errors = csv_errors(parse_changes_csv, text_data, recorded_by=recorded_by)
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
    council_hours: str = "",
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
            council_hours=council_hours,
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
    # Per channel (telegram, sms, email, letter): sent, delivered, failed, acknowledged (one change's page only).
    channels: tuple[ChannelFigure, ...] = ()
    # Families no channel reached who are on the call list now (one change's page only).
    to_call: int = 0

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


async def change_summary(session: AsyncSession, *, change_id: int, now: datetime | None = None) -> ChangeSummary:
    """One change with its figures, per channel too, and (given `now`) how many families are to call."""
    row = await fetch_change_with_codes(session, change_id=change_id)
    if row is None:
        raise TransportNotFound(f"no change {change_id}")
    change, route, operator = row
    figures = await count_notice_figures(session, change_ids=[change_id])
    channels = tuple(await count_channel_figures(session, change_id=change_id))
    to_call = len(await build_call_list(session, now=now, change_id=change_id)) if now is not None else 0
    return ChangeSummary(change, route, operator, figures.get(change_id, NoticeFigures()), channels, to_call)


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
