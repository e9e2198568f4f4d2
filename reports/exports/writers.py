"""Streaming writers: CSV (csv module), JSON (one array, a record at a time), XLSX (openpyxl write-only).

Each takes the records as an async iterator and never holds more than one page of them.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from reports.exports.enums import ExportFormat

Record = dict[str, Any]
CHUNK_BYTES = 64 * 1024


def _csv_safe(value: Any) -> Any:
    """Stop spreadsheet formula injection: text starting with = + - @ is prefixed with a quote (OWASP)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


async def csv_chunks(columns: Sequence[str], records: AsyncIterator[Record]) -> AsyncIterator[bytes]:
    """CSV with a header row, in chunks of about 64 KiB."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    async for record in records:
        writer.writerow([_csv_safe(record.get(column)) for column in columns])
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


async def json_chunks(columns: Sequence[str], records: AsyncIterator[Record]) -> AsyncIterator[bytes]:
    """One JSON array of objects, written as the records arrive."""
    parts: list[str] = ["["]
    size = 1
    separator = "\n"
    async for record in records:
        text = separator + json.dumps({column: record.get(column) for column in columns}, ensure_ascii=False)
        separator = ",\n"
        parts.append(text)
        size += len(text)
        if size >= CHUNK_BYTES:
            yield "".join(parts).encode("utf-8")
            parts, size = [], 0
    parts.append("\n]\n")
    yield "".join(parts).encode("utf-8")


async def write_xlsx(path: Path, columns: Sequence[str], records: AsyncIterator[Record]) -> None:
    """An XLSX workbook with one sheet, written row by row (openpyxl write-only mode keeps memory flat)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("export")
    sheet.append(list(columns))
    async for record in records:
        sheet.append([_csv_safe(record.get(column)) for column in columns])
    workbook.save(str(path))


async def write_export_file(
    path: Path, export_format: ExportFormat, columns: Sequence[str], records: AsyncIterator[Record]
) -> None:
    """Write a whole export to a file in the chosen format."""
    if export_format is ExportFormat.XLSX:
        await write_xlsx(path, columns, records)
        return
    chunks = csv_chunks(columns, records) if export_format is ExportFormat.CSV else json_chunks(columns, records)
    with path.open("wb") as file:
        async for chunk in chunks:
            file.write(chunk)
