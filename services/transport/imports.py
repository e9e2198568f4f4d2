"""Importing the council's route-planning export (one CSV row per child): all rows valid, or nothing saved.

Columns (README, "Transport data import"): council_reference, child_name, school_code, school_name,
district, phase, route_code, operator_code, operator_name, operator_phone, vehicle_type,
stop_sequence, stop_name, pickup_from, pickup_to; optional school_district and, for up to two carers,
carer1_name, carer1_mobile, carer1_email, carer1_channel, carer1_address, carer1_language (and carer2_*).
Rows are matched on natural keys (school, operator and route codes, stop sequence within a route, the
child's council reference), so importing the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.transport.data import fetch_children_by_ids, fetch_children_with_live_codes
from services.carers.codes import IssuedCode, issue_linking_codes
from services.transport.contacts import CARER_COLUMNS
from services.transport.rows import COLUMNS, OPTIONAL_COLUMNS, RowError, TransportRow
from services.transport.upsert import ImportCounts, upsert_transport_rows

@dataclass
class ImportReport:
    """What an import did, or every reason it did nothing."""

    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    counts: ImportCounts = field(default_factory=ImportCounts)
    child_ids: list[int] = field(default_factory=list)

    @property
    def is_ok(self) -> bool:
        """True when the file was valid and saved."""
        return not self.errors


def parse_transport_csv(data: bytes | str) -> tuple[list[tuple[int, TransportRow]], list[RowError]]:
    """Read and check every row; (good rows with line numbers, every error)."""
    text_data = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    reader = csv.DictReader(io.StringIO(text_data, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        return [], [RowError(1, f"missing column(s): {', '.join(missing)}")]
    reader.fieldnames = header
    rows: list[tuple[int, TransportRow]] = []
    errors: list[RowError] = []
    for record in reader:
        line = reader.line_num
        if None in record:
            errors.append(RowError(line, "more values than columns"))
            continue
        try:
            rows.append((line, TransportRow.model_validate({name: record.get(name) for name in COLUMNS + OPTIONAL_COLUMNS})))
        except ValidationError as error:
            errors.append(RowError(line, _describe(error)))
    if not rows and not errors:
        errors.append(RowError(1, "the file has no rows"))
    errors.extend(check_consistency(rows))
    return rows, sorted(errors, key=lambda error: error.line)


def has_contact_columns(data: bytes | str) -> bool:
    """True when the file's header has any carer column (then blank carer columns mean "no such carer")."""
    text_data = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    header = next(csv.reader(io.StringIO(text_data.split("\n", 1)[0])), [])
    return any(name.strip() in CARER_COLUMNS for name in header)


def _describe(error: ValidationError) -> str:
    parts = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem["loc"])
        message = problem["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def check_consistency(rows: list[tuple[int, TransportRow]]) -> list[RowError]:
    """Rows must agree with each other: one name per school code, one operator per route, and so on."""
    errors: list[RowError] = []
    first_seen: dict[tuple[str, object], tuple[int, object]] = {}

    def agree(kind: str, key: object, line: int, value: object, what: str) -> None:
        seen = first_seen.setdefault((kind, key), (line, value))
        if seen[1] != value:
            errors.append(RowError(line, f"{what} differs from line {seen[0]}"))

    first_line_of_child: dict[str, int] = {}
    for line, row in rows:
        first = first_line_of_child.setdefault(row.council_reference, line)
        if first != line:
            errors.append(RowError(line, f"council_reference {row.council_reference} is repeated (first on line {first})"))
        agree("school", row.school_code, line, row.school_name, f"school {row.school_code}: name")
        if row.route_code is None:
            continue
        agree("operator", row.operator_code, line, (row.operator_name, row.operator_phone), f"operator {row.operator_code}: name or phone")
        agree("route", row.route_code, line, (row.operator_code, row.school_code, row.vehicle_type), f"route {row.route_code}: operator, school or vehicle")
        if row.stop_sequence is not None:
            agree(
                "stop", (row.route_code, row.stop_sequence), line, (row.stop_name, row.pickup_from, row.pickup_to),
                f"route {row.route_code} stop {row.stop_sequence}: name or pick-up times",
            )
    return errors


async def import_transport_data(session: AsyncSession, *, data: bytes | str, now: datetime) -> ImportReport:
    """Validate the whole file, then upsert it; with any error nothing is written."""
    rows, errors = parse_transport_csv(data)
    report = ImportReport(rows=len(rows) + len(errors))
    if errors:
        report.errors = errors
        return report
    report.rows = len(rows)
    report.counts, report.child_ids = await upsert_transport_rows(
        session, rows=[row for _, row in rows], now=now, has_contact_columns=has_contact_columns(data)
    )
    return report


async def issue_codes_for_children_without_one(
    session: AsyncSession, *, child_ids: list[int], ttl_days: int, now: datetime
) -> list[IssuedCode]:
    """Linking codes for the children that have no live code yet (for the mail-merge letters)."""
    covered = await fetch_children_with_live_codes(session, child_ids=child_ids, now=now)
    wanted = [child_id for child_id in child_ids if child_id not in covered]
    if not wanted:
        return []
    children = await fetch_children_by_ids(session, child_ids=wanted)
    return await issue_linking_codes(session, children=children, ttl_days=ttl_days, now=now)
