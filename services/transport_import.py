"""Importing the council's route-planning export (one CSV row per child): all rows valid, or nothing saved.

Columns (README, "Transport data import"): council_reference, child_name, school_code, school_name,
district, phase, route_code, operator_code, operator_name, operator_phone, vehicle_type,
stop_sequence, stop_name, pickup_from, pickup_to; optional school_district. Rows are matched on natural keys (school,
operator and route codes, stop sequence within a route, the child's council reference), so
importing the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, time

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.transport_data import fetch_children_by_ids, fetch_children_with_live_codes
from db.models import Phase
from services.linking_codes import IssuedCode, issue_linking_codes
from services.transport_upsert import ImportCounts, upsert_transport_rows

COLUMNS = (
    "council_reference", "child_name", "school_code", "school_name", "district", "phase", "route_code",
    "operator_code", "operator_name", "operator_phone", "vehicle_type", "stop_sequence", "stop_name",
    "pickup_from", "pickup_to",
)
ROUTE_COLUMNS = COLUMNS[6:]
# Optional: the school's own district when it differs from the child's (blank means the child's district).
OPTIONAL_COLUMNS = ("school_district",)
_PHASE_ALIASES = {"early years": "early_years", "eyfs": "early_years", "post-16": "post_16", "post 16": "post_16"}
MAX_ERRORS_SHOWN = 200


class TransportRow(BaseModel):
    """One child's row, checked on its own."""

    model_config = ConfigDict(str_strip_whitespace=True, frozen=True)

    council_reference: str
    child_name: str
    school_code: str
    school_name: str
    district: str
    phase: Phase
    route_code: str | None = None
    operator_code: str | None = None
    operator_name: str | None = None
    operator_phone: str | None = None
    vehicle_type: str | None = None
    stop_sequence: int | None = None
    stop_name: str | None = None
    pickup_from: time | None = None
    pickup_to: time | None = None
    school_district: str | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("phase", mode="before")
    @classmethod
    def _phase(cls, value: object) -> object:
        if isinstance(value, str):
            lowered = value.strip().lower()
            return _PHASE_ALIASES.get(lowered, lowered.replace(" ", "_"))
        return value

    @field_validator("council_reference", "school_code", "route_code", "operator_code")
    @classmethod
    def _code(cls, value: str | None) -> str | None:
        if value is not None and (len(value) > 32 or not all(char.isalnum() or char in "-_/" for char in value)):
            raise ValueError("must be up to 32 letters, digits, - _ or /")
        return value

    @field_validator("child_name")
    @classmethod
    def _child_name(cls, value: str) -> str:
        # The council holds a first name or initials only, never a full name.
        if len(value) > 64 or len(value.split()) > 2:
            raise ValueError("must be a first name or initials (at most two words, 64 characters)")
        return value

    @model_validator(mode="after")
    def _route_fields(self) -> "TransportRow":
        route_values = [getattr(self, name) for name in ROUTE_COLUMNS]
        if self.route_code is None:
            if any(value is not None for value in route_values):
                raise ValueError("route details are given but route_code is empty")
            return self
        missing = [name for name in ("operator_code", "operator_name", "vehicle_type") if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a route needs {', '.join(missing)}")
        stop_fields = (self.stop_sequence, self.stop_name, self.pickup_from, self.pickup_to)
        if any(value is not None for value in stop_fields) and any(value is None for value in stop_fields):
            raise ValueError("a stop needs stop_sequence, stop_name, pickup_from and pickup_to")
        if self.stop_sequence is not None and self.stop_sequence < 1:
            raise ValueError("stop_sequence must be 1 or more")
        if self.pickup_from and self.pickup_to and self.pickup_from > self.pickup_to:
            raise ValueError("pickup_from is after pickup_to")
        return self


@dataclass(frozen=True)
class RowError:
    """A bad row: its line in the file (the header is line 1) and why."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


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
    report.counts, report.child_ids = await upsert_transport_rows(session, rows=[row for _, row in rows], now=now)
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
