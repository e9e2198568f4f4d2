"""Reports and exports for staff: the SitRep page (and its CSV) and the exports form with streamed downloads."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web

from db.dao.reports.exports import ExportFilter
from reports.exports.case_keys import CaseKeySecretMissing
from reports.exports.kinds import ExportKind
from reports.exports.service import ExportRefused, ExportRequest, authorise_export, iter_export_records
from reports.exports.writers import CHUNK_BYTES, ExportFormat, csv_chunks, json_chunks, write_xlsx
from reports.sitrep import SitRep, build_sitrep, render_sitrep_csv
from services.staff.permissions import Permission
from web.auth.access import require
from web.auth.keys import CLOCK
from web.auth.principal import origin_of, require_principal
from web.keys import DATABASE, SETTINGS
from web.staff.rendering import render_page

KIND_LABELS = {
    ExportKind.FEEDBACK: "Feedback",
    ExportKind.COMPLAINTS: "Complaints",
    ExportKind.PROBLEMS: "Problems reported on the day",
    ExportKind.CHANGE_NOTICES: "Change notices",
    ExportKind.DELIVERIES: "Deliveries (messages sent)",
    ExportKind.OPERATOR_DISRUPTIONS: "Disruption reported by operators",
}


async def _sitrep(request: web.Request) -> SitRep:
    async with request.app[DATABASE].transaction() as session:
        return await build_sitrep(
            session, now=request.app[CLOCK](), due_soon_working_days=request.app[SETTINGS].casework_due_soon_working_days
        )


@require(Permission.VIEW_DASHBOARD)
async def sitrep_page(request: web.Request) -> web.StreamResponse:
    """The SitRep now, as counts, with a CSV download."""
    return render_page(request, "staff/sitrep.html", {"sitrep": await _sitrep(request)})


@require(Permission.VIEW_DASHBOARD)
async def sitrep_csv(request: web.Request) -> web.StreamResponse:
    """The SitRep now as a CSV file."""
    return web.Response(
        text=render_sitrep_csv(await _sitrep(request)),
        content_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="carerline-sitrep.csv"'},
    )


@require(Permission.EXPORT_PSEUDONYMISED)
async def exports_page(request: web.Request) -> web.StreamResponse:
    """The form to choose an export."""
    principal = require_principal(request)
    return render_page(request, "staff/exports.html", _form_context(principal.may(Permission.EXPORT_IDENTIFYING), []))


def _form_context(may_identify: bool, errors: list[tuple[str, str]]) -> dict[str, object]:
    return {"kinds": KIND_LABELS, "formats": list(ExportFormat), "may_identify": may_identify, "errors": errors}


def _date(value: str, field: str, errors: list[tuple[str, str]]) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        errors.append((field, "Enter a date like 2026-03-31"))
        return None


def _parse_request(query: dict[str, str], errors: list[tuple[str, str]]) -> ExportRequest | None:
    try:
        kind = ExportKind(query.get("kind", ""))
    except ValueError:
        errors.append(("kind", "Choose what to export"))
    try:
        export_format = ExportFormat(query.get("format", ""))
    except ValueError:
        errors.append(("format", "Choose a file format"))
    where = ExportFilter(
        since=_date(query.get("since", ""), "since", errors),
        until=_date(query.get("until", ""), "until", errors),
        school_code=query.get("school") or None,
        route_code=query.get("route") or None,
        district=query.get("district") or None,
    )
    if errors:
        return None
    return ExportRequest(kind=kind, export_format=export_format, where=where, is_identifying=query.get("identifying") == "yes")


@require(Permission.EXPORT_PSEUDONYMISED)
async def export_download(request: web.Request) -> web.StreamResponse:
    """Stream the chosen export; identifying exports only for roles allowed them, and every export audited."""
    principal = require_principal(request)
    errors: list[tuple[str, str]] = []
    export = _parse_request(dict(request.query), errors)
    if export is None:
        return render_page(request, "staff/exports.html", _form_context(principal.may(Permission.EXPORT_IDENTIFYING), errors), status=422)
    database = request.app[DATABASE]
    export = replace(export, case_key_secret=request.app[SETTINGS].case_key_secret)
    try:
        await authorise_export(database, actor=principal.actor, request=export, origin=origin_of(request))
    except ExportRefused:
        raise web.HTTPForbidden(text="Your role may not make identifying exports.") from None
    except CaseKeySecretMissing:
        raise web.HTTPServiceUnavailable(
            text="This export needs a setting the service does not have yet (CARERLINE_CASE_KEY_SECRET). Ask an administrator."
        ) from None
    response = web.StreamResponse(
        headers={
            "Content-Type": export.export_format.content_type,
            "Content-Disposition": f'attachment; filename="{export.file_name}"',
            "Cache-Control": "no-store",
        }
    )
    await response.prepare(request)
    records = iter_export_records(database, request=export)
    if export.export_format is ExportFormat.XLSX:
        # An XLSX file is a zip written at the end: build it on disk, then stream the file.
        with tempfile.TemporaryDirectory(prefix="carerline-export-") as folder:
            path = Path(folder) / export.file_name
            await write_xlsx(path, export.columns, records)
            with path.open("rb") as file:
                while chunk := file.read(CHUNK_BYTES):
                    await response.write(chunk)
    else:
        chunks = csv_chunks if export.export_format is ExportFormat.CSV else json_chunks
        async for chunk in chunks(export.columns, records):
            await response.write(chunk)
    await response.write_eof()
    return response
