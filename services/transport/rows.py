"""One row of the council's route-planning export, checked on its own, and a bad row's line and reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from db.models import Phase
from services.transport.contacts import CARER_COLUMNS, CarerContact, carer_contact

COLUMNS = (
    "council_reference", "child_name", "school_code", "school_name", "district", "phase", "route_code",
    "operator_code", "operator_name", "operator_phone", "vehicle_type", "stop_sequence", "stop_name",
    "pickup_from", "pickup_to",
)
ROUTE_COLUMNS = COLUMNS[6:]
# Optional: the school's own district when it differs from the child's (blank means the child's district),
# and up to two carers' contact details (services/transport/contacts.py).
OPTIONAL_COLUMNS = ("school_district", *CARER_COLUMNS)
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
    contacts: tuple[CarerContact, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _carer_contacts(cls, data: object) -> object:
        if isinstance(data, dict) and "contacts" not in data:
            found = (carer_contact(1, data), carer_contact(2, data))
            data = {key: value for key, value in data.items() if key not in CARER_COLUMNS}
            data["contacts"] = tuple(contact for contact in found if contact is not None)
        return data

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
