"""Running an export: who may, the audit row, and the records streamed page by page."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from db.dao.reports.exports import ExportFilter
from db.engine import Database
from db.models.staff import ActorKind
from reports.exports.case_keys import CaseKeySecretMissing
from reports.exports.kinds import ExportKind, export_columns, fetch_shaped_page, needs_case_key
from reports.exports.writers import ExportFormat, Record, write_export_file
from services.staff.audit import Actor, RequestOrigin, record_audit
from services.staff.permissions import Permission, role_may

PAGE_SIZE = 1_000


class ExportRefused(Exception):
    """The actor's role does not allow this export."""


@dataclass(frozen=True)
class ExportRequest:
    """What to export, in which format, which rows, whether identities are included, and the case-key secret."""

    kind: ExportKind
    export_format: ExportFormat
    where: ExportFilter = field(default_factory=ExportFilter)
    is_identifying: bool = False
    case_key_secret: SecretStr | None = field(default=None, repr=False, compare=False)

    @property
    def case_key_bytes(self) -> bytes | None:
        """The secret as the HMAC takes it (None when not configured)."""
        return None if self.case_key_secret is None else self.case_key_secret.get_secret_value().strip().encode()

    @property
    def columns(self) -> tuple[str, ...]:
        """The file's header row."""
        return export_columns(self.kind, identifying=self.is_identifying)

    @property
    def file_name(self) -> str:
        """A download name such as carerline-complaints-pseudonymised.csv."""
        scope = "identifying" if self.is_identifying else "pseudonymised"
        return f"carerline-{self.kind.value}-{scope}.{self.export_format.value}"


def may_export(actor: Actor, *, is_identifying: bool) -> bool:
    """True when the actor's role allows the export; the CLI (system) may export pseudonymised data only."""
    if actor.kind is ActorKind.SYSTEM:
        return not is_identifying
    permission = Permission.EXPORT_IDENTIFYING if is_identifying else Permission.EXPORT_PSEUDONYMISED
    return actor.role is not None and role_may(actor.role, permission)


def _filter_detail(where: ExportFilter) -> dict[str, Any]:
    return {key: (value.isoformat() if hasattr(value, "isoformat") else value) for key, value in asdict(where).items() if value is not None}


async def authorise_export(
    database: Database, *, actor: Actor, request: ExportRequest, origin: RequestOrigin | None = None
) -> None:
    """Refuse what the role or a missing case-key secret does not allow; otherwise audit before any data leaves."""
    if needs_case_key(request.kind, identifying=request.is_identifying) and request.case_key_secret is None:
        raise CaseKeySecretMissing()
    allowed = may_export(actor, is_identifying=request.is_identifying)
    scope = "identifying" if request.is_identifying else "pseudonymised"
    async with database.transaction() as session:
        await record_audit(
            session,
            actor=actor,
            action=f"export.{scope}" if allowed else "export.refused",
            object_type=request.kind.value,
            detail={"format": request.export_format.value, "scope": scope, **_filter_detail(request.where)},
            origin=origin,
        )
    if not allowed:
        raise ExportRefused(f"Your role may not make {scope} exports.")


async def iter_export_records(
    database: Database,
    *,
    request: ExportRequest,
    page_size: int = PAGE_SIZE,
    on_page: Callable[[int], None] | None = None,
) -> AsyncIterator[Record]:
    """Every record of the export, one short read per page; `on_page(n)` reports each page's size."""
    after_id = 0
    while True:
        async with database.transaction() as session:
            records, last_id = await fetch_shaped_page(
                session,
                kind=request.kind,
                where=request.where,
                after_id=after_id,
                limit=page_size,
                identifying=request.is_identifying,
                case_key_secret=request.case_key_bytes,
            )
        if on_page is not None and records:
            on_page(len(records))
        for record in records:
            yield record
        if last_id is None or len(records) < page_size:
            return
        after_id = last_id


async def export_to_file(
    database: Database,
    *,
    actor: Actor,
    request: ExportRequest,
    path: Path,
    on_page: Callable[[int], None] | None = None,
    origin: RequestOrigin | None = None,
) -> None:
    """Authorise, audit and write one export to a file."""
    await authorise_export(database, actor=actor, request=request, origin=origin)
    records = iter_export_records(database, request=request, on_page=on_page)
    await write_export_file(path, request.export_format, request.columns, records)
