"""Stored values with fixed choices, kept apart from the models so the command line can offer them without loading SQLModel."""

from __future__ import annotations

from enum import StrEnum


class StaffRole(StrEnum):
    """What a staff member (or machine client) is allowed to do; see README "Who may do what"."""

    PACT_COORDINATOR = "pact_coordinator"
    OFFICER = "officer"
    ADMIN = "admin"
    # A transport operator's controller or dispatch system: tied to one operator, sees only its routes.
    OPERATOR = "operator"


class ChangeKind(StrEnum):
    """What changed on a route."""

    NEW_OPERATOR = "new_operator"
    NEW_PICKUP_TIME = "new_pickup_time"
    ROUTE_SUSPENDED = "route_suspended"
    NEW_DRIVER = "new_driver"
    NEW_PASSENGER_ASSISTANT = "new_passenger_assistant"
    VEHICLE_CHANGE = "vehicle_change"
    CANCELLED_TODAY = "cancelled_today"


class ApplicationStage(StrEnum):
    """Stages of an HTST application, as CYPE Transport Eligibility and GET Client Transport record them."""

    RECEIVED = "received"
    ELIGIBILITY_DECIDED = "eligibility_decided"
    TRANSPORT_BEING_ARRANGED = "transport_being_arranged"
    ARRANGED = "arranged"
    REFUSED = "refused"
    UNDER_REVIEW = "under_review"
