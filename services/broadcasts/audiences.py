"""Who a broadcast reaches: an audience spec resolved to the carers who may get it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.broadcasts import AudienceFilter, AudienceRow, fetch_audience
from db.models.transport import Phase

AUDIENCE_KINDS: dict[str, str] = {
    "everyone": "Everyone",
    "school": "Families at one school",
    "route": "Families on one route",
    "district": "Families in one district",
    "phase": "Families in one phase of education",
    "open_complaint": "Families with an open complaint",
    "not_answered_survey": "Families who have not answered a survey",
}
KINDS_WITH_VALUE = frozenset({"school", "route", "district", "phase", "not_answered_survey"})
# Kinds whose value is a record id (a school, a survey), checked as a positive 32-bit number.
ID_KINDS = {"school": "Choose a school from the list", "not_answered_survey": "Choose a survey from the list"}
# What to choose when the value is missing (the same words for a broadcast and a survey).
MISSING_VALUE = {
    "school": "Choose a school", "route": "Choose a route", "district": "Choose a district",
    "phase": "Choose a phase of education", "not_answered_survey": "Choose a survey",
}
# The value's field, as the API, the CLI and the OpenAPI document name it (a page shows it as the chosen kind's select).
VALUE_FIELD = "audience_value"
MUTE_KIND = "broadcasts"


class AudienceError(ValueError):
    """An audience spec that names nothing sensible."""

    def __init__(self, message: str, *, field: str = "audience_kind") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True, slots=True)
class Audience:
    """The resolved audience: how many, and who (with the child that placed them in it)."""

    rows: list[AudienceRow]

    @property
    def count(self) -> int:
        """How many carers will be sent the message."""
        return len(self.rows)


def audience_spec(kind: str, value: Any = None) -> dict[str, Any]:
    """A checked audience spec, as stored on a broadcast."""
    if kind not in AUDIENCE_KINDS:
        raise AudienceError("Choose who it is for")
    if kind not in KINDS_WITH_VALUE:
        return {"kind": kind}
    text = str(value if value is not None else "").strip()
    if not text:
        raise AudienceError(MISSING_VALUE[kind], field=VALUE_FIELD)
    if kind in ID_KINDS:
        if not text.isdigit() or not 0 < int(text) < 2**31:
            raise AudienceError(ID_KINDS[kind], field=VALUE_FIELD)
        return {"kind": kind, "value": int(text)}
    if kind == "phase" and text not in {phase.value for phase in Phase}:
        raise AudienceError("Choose a phase from the list", field=VALUE_FIELD)
    if len(text) > 64:
        raise AudienceError(f"The {kind} must be 64 characters or fewer", field=VALUE_FIELD)
    return {"kind": kind, "value": text}


def describe_audience(spec: dict[str, Any]) -> str:
    """The audience as staff read it, e.g. "Families at one school: 12"."""
    label = AUDIENCE_KINDS.get(spec.get("kind", ""), "Unknown audience")
    return f"{label}: {spec['value']}" if "value" in spec else label


async def resolve_audience(session: AsyncSession, *, spec: dict[str, Any], mute_kind: str = MUTE_KIND) -> Audience:
    """The carers a broadcast (or, with mute_kind="surveys", a survey) would reach now: consenting, reachable by chat, not erased, not muting it."""
    checked = audience_spec(spec.get("kind", ""), spec.get("value"))
    rows = await fetch_audience(session, where=AudienceFilter(kind=checked["kind"], value=checked.get("value")))
    return Audience(rows=[row for row in rows if mute_kind not in (row.carer.muted_update_kinds or [])])
