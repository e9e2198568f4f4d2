"""The formats of the parental-views section, kept apart from the renderers so the command line can offer them cheaply."""

from __future__ import annotations

from enum import StrEnum


class ReportFormat(StrEnum):
    """The formats the section comes in."""

    HTML = "html"
    PDF = "pdf"
    DOCX = "docx"

    @property
    def content_type(self) -> str:
        """The HTTP Content-Type."""
        return {
            ReportFormat.HTML: "text/html; charset=utf-8",
            ReportFormat.PDF: "application/pdf",
            ReportFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        }[self]

