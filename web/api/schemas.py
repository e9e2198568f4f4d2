"""Types the API operations share: error bodies, ids, and text without control characters."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

# Ids are 32-bit on every database we run; a bigger number can name nothing.
RecordId = Annotated[int, Field(ge=1, le=2**31 - 1)]
# Printable text only: control characters (NUL above all) have no place in names and filters.
PLAIN_TEXT_PATTERN = r"^[^\x00-\x1f\x7f]*$"
EMAIL_PATTERN = r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+$"


def plain_text(
    *, default: Any = ..., min_length: int = 0, max_length: int, description: str = ""
) -> Any:
    """A Field for printable text of bounded length (required unless a default is given)."""
    return Field(
        default,
        min_length=min_length,
        max_length=max_length,
        pattern=PLAIN_TEXT_PATTERN,
        description=description or None,
    )


class FieldError(BaseModel):
    """One field at fault."""

    location: str = Field(description="body, query or path")
    field: str
    message: str


class ErrorBody(BaseModel):
    """Every error the API answers."""

    error: str = Field(description="A stable code, like not_found or validation_failed")
    message: str
    fields: list[FieldError] = Field(default_factory=list)


class StrictInput(BaseModel):
    """Request bodies: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")
