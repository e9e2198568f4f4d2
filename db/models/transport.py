"""Schools, operators, routes, stops and the children on them, as the council's route planning holds them."""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, String, Time, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, utc_now


class Phase(StrEnum):
    """Stage of education, used for audiences and report breakdowns."""

    EARLY_YEARS = "early_years"
    PRIMARY = "primary"
    SECONDARY = "secondary"
    POST_16 = "post_16"


class School(SQLModel, table=True):
    """A school children are taken to."""

    __tablename__ = "schools"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(32), unique=True, nullable=False))
    name: str = Field(max_length=200)
    district: str = Field(max_length=64, index=True)


class Operator(SQLModel, table=True):
    """A transport operator under contract to the council."""

    __tablename__ = "operators"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(32), unique=True, nullable=False))
    name: str = Field(max_length=200)
    # Only numbers the council allows families to see.
    public_phone: str | None = Field(default=None, max_length=32)


class Route(SQLModel, table=True):
    """One contracted route: an operator, a vehicle, a school and its stops."""

    __tablename__ = "routes"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(32), unique=True, nullable=False))
    operator_id: int = Field(sa_column=Column(Integer, ForeignKey("operators.id"), nullable=False, index=True))
    school_id: int = Field(sa_column=Column(Integer, ForeignKey("schools.id"), nullable=False, index=True))
    vehicle_type: str = Field(max_length=64)
    district: str = Field(max_length=64, index=True)
    is_suspended: bool = False
    updated_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False, default=utc_now))


class RouteStop(SQLModel, table=True):
    """A pick-up point on a route, with its pick-up window."""

    __tablename__ = "route_stops"
    __table_args__ = (UniqueConstraint("route_id", "sequence"),)

    id: int | None = Field(default=None, primary_key=True)
    route_id: int = Field(sa_column=Column(Integer, ForeignKey("routes.id", ondelete="CASCADE"), nullable=False, index=True))
    sequence: int
    name: str = Field(max_length=200)
    pickup_from: time = Field(sa_column=Column(Time, nullable=False))
    pickup_to: time = Field(sa_column=Column(Time, nullable=False))


class Child(SQLModel, table=True):
    """A child on SEND transport, held with the least the council needs: a reference and a first name or initials."""

    __tablename__ = "children"

    id: int | None = Field(default=None, primary_key=True)
    council_reference: str = Field(sa_column=Column(String(32), unique=True, nullable=False))
    display_name: str = Field(max_length=64)
    school_id: int = Field(sa_column=Column(Integer, ForeignKey("schools.id"), nullable=False, index=True))
    route_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("routes.id"), nullable=True, index=True))
    stop_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("route_stops.id"), nullable=True))
    district: str = Field(max_length=64, index=True)
    phase: Phase = Field(sa_type=String(16))
    is_active: bool = True
    updated_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False, default=utc_now))
