"""Transport changes from a CSV file: every row checked first, then all recorded in one transaction."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from datetime import date, datetime, time

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import ChangeKind
from services.changes.notices import ChangeError, ChangeRequest, RecordedChange, record_change
from services.transport.rows import RowError

CHANGE_COLUMNS = (
    "reference", "kind", "route_code", "operator_code", "stop_sequence", "old_value", "new_value",
    "effective_from", "effective_until", "effective_time", "is_urgent", "must_send", "reason", "contact_phone",
)
REQUIRED_COLUMNS = ("kind", "effective_from")
_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0", ""}


class ChangeImportError(Exception):
    """The file was refused; raised inside the transaction so nothing from it is kept."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} bad row(s)")
        self.errors = errors


class ChangeRow(BaseModel):
    """One change as written in the file."""

    model_config = ConfigDict(str_strip_whitespace=True, frozen=True)

    reference: str | None = None
    kind: ChangeKind
    route_code: str | None = None
    operator_code: str | None = None
    stop_sequence: int | None = None
    old_value: str | None = None
    new_value: str | None = None
    effective_from: date
    effective_until: date | None = None
    effective_time: time | None = None
    is_urgent: bool = False
    must_send: bool = False
    reason: str | None = None
    contact_phone: str | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("is_urgent", "must_send", mode="before")
    @classmethod
    def _yes_no(cls, value: object) -> object:
        if value is None:
            return False
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in _TRUE:
                return True
            if lowered in _FALSE:
                return False
            raise ValueError("must be yes or no")
        return value

    def to_request(self, *, recorded_by: str, line_text: str) -> ChangeRequest:
        """The request, with a reference derived from the row when the file gives none (so re-imports match)."""
        reference = self.reference or "CSV-" + hashlib.sha256(line_text.encode()).hexdigest()[:16].upper()
        return ChangeRequest(
            kind=self.kind, effective_from=self.effective_from, recorded_by=recorded_by, route_code=self.route_code,
            operator_code=self.operator_code, stop_sequence=self.stop_sequence, old_value=self.old_value,
            new_value=self.new_value, effective_until=self.effective_until, effective_time=self.effective_time,
            is_urgent=self.is_urgent, must_send=self.must_send, reason=self.reason or "", contact_phone=self.contact_phone,
            reference=reference,
        )


def parse_changes_csv(data: bytes | str, *, recorded_by: str) -> tuple[list[tuple[int, ChangeRequest]], list[RowError]]:
    """Every row as a request with its line number, and every error found."""
    text_data = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    reader = csv.DictReader(io.StringIO(text_data, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        return [], [RowError(1, f"missing column(s): {', '.join(missing)}")]
    reader.fieldnames = header
    requests: list[tuple[int, ChangeRequest]] = []
    errors: list[RowError] = []
    for record in reader:
        line = reader.line_num
        values = {name: record.get(name) for name in CHANGE_COLUMNS if name in header}
        try:
            row = ChangeRow.model_validate(values)
        except ValidationError as error:
            errors.append(RowError(line, "; ".join(f"{'.'.join(map(str, p['loc']))}: {p['msg']}" for p in error.errors())))
            continue
        requests.append((line, row.to_request(recorded_by=recorded_by, line_text=repr(sorted(values.items())))))
    if not requests and not errors:
        errors.append(RowError(1, "the file has no rows"))
    return requests, errors


async def import_changes(
    session: AsyncSession, *, data: bytes | str, recorded_by: str, now: datetime, council_phone: str,
    council_hours: str = "",
    on_progress: Callable[[int], None] | None = None,
) -> list[RecordedChange]:
    """Record every change in the file, or none: ChangeImportError (the caller's transaction rolls back)."""
    requests, errors = parse_changes_csv(data, recorded_by=recorded_by)
    if errors:
        raise ChangeImportError(errors)
    recorded: list[RecordedChange] = []
    for line, request in requests:
        try:
            recorded.append(await record_change(
                session, request=request, now=now, council_phone=council_phone, council_hours=council_hours
            ))
        except ChangeError as error:
            errors.append(RowError(line, str(error)))
        if on_progress is not None:
            on_progress(1)
    if errors:
        raise ChangeImportError(errors)
    return recorded
