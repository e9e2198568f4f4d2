"""Every kind of family message with realistic values (and officers' free text at its limit), for the channel tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from typing import Any

from db.enums import ApplicationStage, ChangeKind
from messaging.limits import FAMILY_TEXT_LIMITS
from services.casework.notifications import format_day
from services.surveys.workflow import MAX_TITLE_LENGTH as SURVEY_TITLE_LENGTH

PHONE = "03000 41 00 00"
HOURS = "Monday to Friday, 8:30am to 5pm"
# The longest weekday and month names in either language: "Wednesday 30 September", "poniedziałek 26 października".
FIRST_DAY, LAST_DAY = date(2026, 9, 30), date(2026, 10, 26)
CHILDREN = {"en": "Amelia and Oliver", "pl": "Amelia i Oliver"}
CHANGE_VALUES: dict[ChangeKind, tuple[str | None, str | None]] = {
    ChangeKind.NEW_PICKUP_TIME: ("07:45", "08:10"),
    ChangeKind.NEW_OPERATOR: ("Kent Coach Travel", "Swale Community Transport"),
    ChangeKind.NEW_DRIVER: ("Dave", "Priya"),
    ChangeKind.NEW_PASSENGER_ASSISTANT: ("Jo", "Maria"),
    ChangeKind.VEHICLE_CHANGE: ("Silver Ford Transit", "White Vauxhall Vivaro"),
    ChangeKind.ROUTE_SUSPENDED: (None, None),
    ChangeKind.CANCELLED_TODAY: (None, None),
}
COMPLAINT_STEPS: dict[str, tuple[str, ...]] = {
    "casework.complaint.acknowledged": ("respond_by",),
    "casework.complaint.extended": ("reason", "respond_by"),
    "casework.complaint.stage1_answered": ("response", "outcome"),
    "casework.complaint.escalated": ("acknowledge_by",),
    "casework.complaint.stage2_acknowledged": ("respond_by",),
    "casework.complaint.stage2_answered": ("response", "outcome"),
    "casework.complaint.closed": (),
    "casework.statutory_route": ("phone",),
    "casework.statutory_route_with_date": ("phone", "review_by"),
}
PROBLEM_STEPS = (
    "casework.problem.received",
    "casework.problem.received_urgent",
    "casework.problem.resolved",
    "casework.problem.resolved_with_note",
)


@dataclass(frozen=True)
class Sample:
    """One message to render: its kind, a label for failure messages, and its context."""

    kind: str
    label: str
    context: dict[str, Any]


def _filler(limit: int) -> str:
    """Officer's free text exactly at its limit, in plain words."""
    return ("The driver was ill and we found a new one quickly. " * 40)[:limit]


def samples(language: str, *, at_limits: bool = False) -> Iterator[Sample]:
    """Every message kind, in every variant a family can get (free text at its limit when `at_limits`)."""
    contact = {"phone": PHONE, "hours": HOURS}
    reason = _filler(FAMILY_TEXT_LIMITS["change_reason"]) if at_limits else "The road is closed for repairs."
    for kind, (old, new) in CHANGE_VALUES.items():
        if at_limits and old is not None:
            old = new = _filler(FAMILY_TEXT_LIMITS["change_value"])
        for is_urgent in (False, True):
            change = SimpleNamespace(
                kind=kind.value, is_urgent=is_urgent or kind is ChangeKind.CANCELLED_TODAY, old_value=old, new_value=new,
                effective_from=FIRST_DAY, effective_until=LAST_DAY if kind is ChangeKind.ROUTE_SUSPENDED else None,
                reason=reason,
            )
            for message_kind in ("transport_change", "change_reminder"):
                yield Sample(message_kind, f"{kind.value} urgent={is_urgent}", {
                    "change": change, "children": CHILDREN[language], "routes": "MA-101", **contact, "is_reminder": False,
                })
    note = _filler(FAMILY_TEXT_LIMITS["application_note"]) if at_limits else "Please have your child ready by 7:30am."
    for stage in ApplicationStage:
        for with_note in (None, note):
            yield Sample("application_status", f"{stage.value} note={bool(with_note)}", {
                "stage": stage.value, "child": "Amelia", "reference": "APP-2026-00042", "note": with_note, **contact,
            })
    answer = _filler(FAMILY_TEXT_LIMITS["complaint_answer"]) if at_limits else (
        "We are sorry the bus was late three times in May. We have spoken to the company. It has a new driver now."
    )
    values = {
        "reference": "HTST-2026-00042", "respond_by": format_day(LAST_DAY, language=language),
        "acknowledge_by": format_day(LAST_DAY, language=language), "review_by": format_day(LAST_DAY, language=language),
        "reason": _filler(FAMILY_TEXT_LIMITS["complaint_reason"]) if at_limits else "The officer is away until Monday.",
        "response": answer, "outcome": "we agree with part of your complaint", "phone": PHONE,
    }
    for key, names in COMPLAINT_STEPS.items():
        for lead_key in (None, "casework.complaint.sorry_late") if "answered" in key else (None,):
            yield Sample("complaint_update", f"{key} lead={lead_key}", {
                "key": key, "lead_key": lead_key, "values": {"reference": values["reference"], **{n: values[n] for n in names}},
                **contact,
            })
    problem_note = _filler(FAMILY_TEXT_LIMITS["problem_note"]) if at_limits else "The taxi is on its way and will be there by 8:20."
    for key in PROBLEM_STEPS:
        problem_values = {"reference": "PR-2026-00017", "category": "Transport did not come"}
        if key.endswith("with_note"):
            problem_values["note"] = problem_note
        yield Sample("problem_update", key, {"key": key, "lead_key": None, "values": problem_values, **contact})
    body = _filler(FAMILY_TEXT_LIMITS["broadcast"]) if at_limits else (
        "Schools in Maidstone close early on Friday 19 December. Transport will collect children at 1pm."
    )
    yield Sample("broadcast", "broadcast", {"body": body, **contact})
    title = _filler(SURVEY_TITLE_LENGTH) if at_limits else "Your journey to school"
    intro = _filler(FAMILY_TEXT_LIMITS["survey_intro"]) if at_limits else "We want to know how the journey to school is going."
    survey = {"title": title, "intro": intro, "closes": LAST_DAY, "link": "https://kent.gov.uk/s/AB12CD", **contact}
    yield Sample("survey_invitation", "survey invitation", survey)
    yield Sample("survey_reminder", "survey reminder", survey)
    operator_note = _filler(300) if at_limits else "The replacement minibus is on its way."
    for kind, extra in (
        ("running_late", {"minutes_late": 45}),
        ("vehicle_breakdown", {}),
        ("staff_changed", {"staff_changed": "passenger_assistant", "new_staff_first_name": "Marta"}),
    ):
        for step in ("reported", "corrected", "withdrawn", "resolved"):
            disruption = SimpleNamespace(
                **{"minutes_late": None, "staff_changed": None, "new_staff_first_name": None, **extra},
                kind=kind, run="afternoon", note=operator_note, resolution="back_on_time",
            )
            yield Sample("operator_disruption", f"{kind} {step}", {
                "disruption": disruption, "step": step, "children": CHILDREN[language], "route": "MA-101",
                "run_day": format_day(FIRST_DAY, language=language),
                "from_day": "", **contact,
            })
