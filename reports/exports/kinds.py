"""What each export holds: its query, its columns, and how a row is made safe to leave officer scope.

Pseudonymised (the default): the carer appears only as `carers.pseudonym`; no names, chat ids or
child references; every free-text column passes services.privacy.redaction.redact with the carer's and
child's names as held. Identifying (officers, audited): adds the names, chat id and child reference
and keeps free text as written.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.engine import RowMapping
from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.reports.exports import (
    ExportFilter,
    fetch_change_notices_export_page,
    fetch_complaints_export_page,
    fetch_deliveries_export_page,
    fetch_feedback_export_page,
    fetch_problems_export_page,
)
from reports.exports.enums import ExportKind
from services.privacy.redaction import redact

PageFetcher = Callable[..., Awaitable[list[RowMapping]]]


@dataclass(frozen=True)
class ExportSpec:
    """One kind's query and columns; `free_text` columns are redacted unless identifying."""

    fetch_page: PageFetcher
    columns: tuple[str, ...]
    free_text: tuple[str, ...] = ()
    identifying_columns: tuple[str, ...] = ("carer_name", "chat_id", "child_reference", "child_name")


SPECS: Mapping[ExportKind, ExportSpec] = {
    ExportKind.FEEDBACK: ExportSpec(
        fetch_page=fetch_feedback_export_page,
        columns=(
            "id", "created_at", "source", "survey_key", "topic", "rating", "themes", "sentiment",
            "consent_to_quote", "quote_status", "school", "route", "district", "carer", "text",
        ),
        free_text=("text",),
    ),
    ExportKind.COMPLAINTS: ExportSpec(
        fetch_page=fetch_complaints_export_page,
        columns=(
            "id", "reference", "category", "stage", "status", "stage1_received_at", "stage1_acknowledged_at",
            "stage1_responded_at", "stage1_outcome", "stage2_received_at", "stage2_acknowledged_at",
            "stage2_responded_at", "stage2_outcome", "closed_at", "school", "route", "district", "carer",
            "description",
        ),
        free_text=("description",),
    ),
    ExportKind.PROBLEMS: ExportSpec(
        fetch_page=fetch_problems_export_page,
        columns=(
            "id", "reference", "category", "is_urgent", "themes", "reported_at", "resolved_at",
            "parent_told_at", "school", "route", "district", "carer", "details", "resolution_note",
        ),
        free_text=("details", "resolution_note"),
    ),
    ExportKind.CHANGE_NOTICES: ExportSpec(
        fetch_page=fetch_change_notices_export_page,
        columns=(
            "id", "change_reference", "kind", "effective_at", "queued_at", "acknowledged_at", "reminded_at",
            "escalated_at", "children", "school", "route", "district", "carer",
        ),
        identifying_columns=("carer_name", "chat_id"),
    ),
    ExportKind.DELIVERIES: ExportSpec(
        fetch_page=fetch_deliveries_export_page,
        columns=(
            "id", "purpose", "update_kind", "source_type", "source_id", "state", "queued_at", "sent_at",
            "failed_at", "acknowledged_at", "skipped_at", "last_error", "carer",
        ),
        identifying_columns=("carer_name", "chat_id"),
    ),
}


def export_columns(kind: ExportKind, *, identifying: bool) -> tuple[str, ...]:
    """The header row of one export."""
    spec = SPECS[kind]
    return spec.columns + spec.identifying_columns if identifying else spec.columns


def _plain(value: Any) -> Any:
    """A value every writer can hold: ISO dates, lists joined with "; ", enums as their value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "; ".join(str(item) for item in value)
    if isinstance(value, StrEnum):
        return value.value
    return value


def shape_row(kind: ExportKind, row: RowMapping, *, identifying: bool) -> dict[str, Any]:
    """One output record in column order; free text redacted unless the export is identifying."""
    spec = SPECS[kind]
    known_names = [name for name in (row.get("carer_name"), row.get("child_name")) if name]
    record: dict[str, Any] = {}
    for column in export_columns(kind, identifying=identifying):
        if column == "children":
            value: Any = len(row.get("child_ids") or [])
        else:
            value = row.get(column)
        if column in spec.free_text and value and not identifying:
            value = redact(value, known_names=known_names)
        record[column] = _plain(value)
    return record


async def fetch_shaped_page(
    session: AsyncSession, *, kind: ExportKind, where: ExportFilter, after_id: int, limit: int, identifying: bool
) -> tuple[list[dict[str, Any]], int | None]:
    """One page of shaped records and the last id read (None when the export is finished)."""
    rows: Sequence[RowMapping] = await SPECS[kind].fetch_page(session, where=where, after_id=after_id, limit=limit)
    if not rows:
        return [], None
    return [shape_row(kind, row, identifying=identifying) for row in rows], int(rows[-1]["id"])
