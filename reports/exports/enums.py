"""What an export can be asked for, kept apart from the queries and writers so the command line can offer it cheaply."""

from __future__ import annotations

from enum import StrEnum


class ExportKind(StrEnum):
    """The six things that can be exported."""

    FEEDBACK = "feedback"
    COMPLAINTS = "complaints"
    PROBLEMS = "problems"
    CHANGE_NOTICES = "change-notices"
    DELIVERIES = "deliveries"
    OPERATOR_DISRUPTIONS = "operator-disruptions"


class ExportFormat(StrEnum):
    """File formats an export can be written in."""

    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"

    @property
    def content_type(self) -> str:
        """The HTTP Content-Type of a file in this format."""
        return {
            ExportFormat.CSV: "text/csv; charset=utf-8",
            ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ExportFormat.JSON: "application/json",
        }[self]

