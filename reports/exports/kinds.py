"""What each export holds: its query, its columns, and how a row is made safe to leave officer scope.

Pseudonymised (the default): the carer appears only as `carers.pseudonym`; no names, chat ids or
child references; complaints and problems carry a keyed `case_key` (reports/exports/case_keys.py)
instead of their row id and case reference, which lead back to the family; every free-text column
passes services.privacy.redaction.redact with the carer's and child's names as held. Identifying
(officers, audited): keeps the id and reference, adds the names, chat id and child reference and
keeps free text as written.
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
from db.dao.reports.operator_disruptions import fetch_operator_disruptions_export_page
from reports.exports.case_keys import CaseKeySecretMissing, case_key
from reports.exports.enums import ExportKind
from services.privacy.redaction import redact

PageFetcher = Callable[..., Awaitable[list[RowMapping]]]


@dataclass(frozen=True)
class ExportSpec:
    """One kind's query and columns; free text redacted and (with `case_key_kind`) id and reference keyed unless identifying."""

    fetch_page: PageFetcher
    columns: tuple[str, ...]
    free_text: tuple[str, ...] = ()
    identifying_columns: tuple[str, ...] = ("carer_name", "chat_id", "child_reference", "child_name")
    case_key_kind: str | None = None


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
        case_key_kind="complaint",
    ),
    ExportKind.PROBLEMS: ExportSpec(
        fetch_page=fetch_problems_export_page,
        columns=(
            "id", "reference", "category", "is_urgent", "themes", "reported_at", "resolved_at",
            "parent_told_at", "school", "route", "district", "carer", "details", "resolution_note",
        ),
        free_text=("details", "resolution_note"),
        case_key_kind="problem",
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
    # Operators' reports, beside the families' problems: no family's identity; the new driver's first name and
    # who reported stay with identifying exports, and the operator's note is redacted like any free text.
    ExportKind.OPERATOR_DISRUPTIONS: ExportSpec(
        fetch_page=fetch_operator_disruptions_export_page,
        columns=(
            "id", "reference", "operator", "route", "school", "district", "kind", "run", "run_date", "minutes_late",
            "staff_changed", "from_date", "status", "reported_at", "families_told_at", "carers_told", "duty_paged_at",
            "corrected_at", "withdrawn_at", "resolved_at", "resolution", "family_reports", "note",
        ),
        free_text=("note",),
        identifying_columns=("new_staff_first_name", "reported_by"),
    ),
}


# Columns that lead a row back to a family through the staff pages (case URLs, references).
CASE_LINK_COLUMNS = ("id", "reference")


def export_columns(kind: ExportKind, *, identifying: bool) -> tuple[str, ...]:
    """The header row of one export."""
    spec = SPECS[kind]
    if identifying:
        return spec.columns + spec.identifying_columns
    if spec.case_key_kind is not None:
        return ("case_key", *(column for column in spec.columns if column not in CASE_LINK_COLUMNS))
    return spec.columns


def needs_case_key(kind: ExportKind, *, identifying: bool) -> bool:
    """True when the export carries case keys (pseudonymised complaints and problems)."""
    return not identifying and SPECS[kind].case_key_kind is not None


def _plain(value: Any) -> Any:
    """A value every writer can hold: ISO dates, lists joined with "; ", enums as their value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "; ".join(str(item) for item in value)
    if isinstance(value, StrEnum):
        return value.value
    return value


def shape_row(
    kind: ExportKind, row: RowMapping, *, identifying: bool, case_key_secret: bytes | None = None
) -> dict[str, Any]:
    """One output record in column order; free text redacted unless the export is identifying."""
    spec = SPECS[kind]
    known_names = [name for name in (row.get("carer_name"), row.get("child_name")) if name]
    record: dict[str, Any] = {}
    for column in export_columns(kind, identifying=identifying):
        if column == "case_key":
            if case_key_secret is None:
                raise CaseKeySecretMissing()
            value: Any = case_key(kind=spec.case_key_kind or kind.value, case_id=int(row["id"]), secret=case_key_secret)
        elif column == "children":
            value = len(row.get("child_ids") or [])
        else:
            value = row.get(column)
        if column in spec.free_text and value and not identifying:
            value = redact(value, known_names=known_names)
        record[column] = _plain(value)
    return record


async def fetch_shaped_page(
    session: AsyncSession,
    *,
    kind: ExportKind,
    where: ExportFilter,
    after_id: int,
    limit: int,
    identifying: bool,
    case_key_secret: bytes | None = None,
) -> tuple[list[dict[str, Any]], int | None]:
    """One page of shaped records and the last id read (None when the export is finished)."""
    rows: Sequence[RowMapping] = await SPECS[kind].fetch_page(session, where=where, after_id=after_id, limit=limit)
    if not rows:
        return [], None
    records = [shape_row(kind, row, identifying=identifying, case_key_secret=case_key_secret) for row in rows]
    return records, int(rows[-1]["id"])
