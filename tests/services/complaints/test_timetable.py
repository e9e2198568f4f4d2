"""The Complaint Handling Code's deadlines and the statutory review route, checked against hand-counted calendars."""

from __future__ import annotations

from datetime import date

import pytest

from services.complaints.timetable import (
    ComplaintReference,
    ComplaintStage,
    DeadlineStatus,
    Extension,
    ExtensionNotAllowed,
    SameOfficerError,
    deadline_status,
    format_complaint_reference,
    is_acknowledged_within_code,
    is_due_soon_or_overdue,
    is_response_within_code,
    next_deadline,
    parse_complaint_reference,
    stage_timetable,
    validate_extension,
    validate_stage_two_officer,
)

STAGE_1 = ComplaintStage.STAGE_1
STAGE_2 = ComplaintStage.STAGE_2


# --- references ---------------------------------------------------------------------------------------


def test_reference_is_zero_padded() -> None:
    assert format_complaint_reference(2026, 42) == "HTST-2026-00042"
    assert format_complaint_reference(2027, 1) == "HTST-2027-00001"
    assert format_complaint_reference(2026, 123456) == "HTST-2026-123456"


@pytest.mark.parametrize("typed", ["HTST-2026-00042", "htst-2026-00042", "  HTST-2026-00042 \n"])
def test_reference_parses_as_people_type_it(typed: str) -> None:
    assert parse_complaint_reference(typed) == ComplaintReference(year=2026, number=42)


def test_reference_round_trips() -> None:
    assert (
        str(parse_complaint_reference(format_complaint_reference(2031, 999))) == "HTST-2031-00999"
    )


@pytest.mark.parametrize(
    "typed",
    ["", "HTST-26-00042", "HTST-2026-42", "KCC-2026-00042", "HTST-2026-00000", "HTST 2026 00042"],
)
def test_malformed_references_are_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        parse_complaint_reference(typed)


@pytest.mark.parametrize(("year", "number"), [(1999, 1), (2026, 0), (2026, -5)])
def test_reference_formatting_refuses_out_of_range(year: int, number: int) -> None:
    with pytest.raises(ValueError):
        format_complaint_reference(year, number)


# --- stage 1 and 2 deadlines across holidays -------------------------------------------------------------


def test_stage_1_received_23_december_2026_skips_christmas_boxing_day_observed_and_new_year() -> (
    None
):
    # Wed 23 Dec: Thu 24 (1), Fri 25 Christmas, Mon 28 Boxing Day observed, Tue 29 (2), Wed 30 (3),
    # Thu 31 (4), Fri 1 Jan New Year's Day, Mon 4 Jan (5).
    timetable = stage_timetable(stage=STAGE_1, received_on=date(2026, 12, 23))
    assert timetable.acknowledge_by == date(2027, 1, 4)
    # Not yet acknowledged: respond-by counts from the latest allowed acknowledgement.
    assert timetable.respond_by == date(2027, 1, 18)


def test_stage_1_acknowledged_on_christmas_eve_responds_after_the_holidays() -> None:
    timetable = stage_timetable(
        stage=STAGE_1, received_on=date(2026, 12, 23), acknowledged_on=date(2026, 12, 24)
    )
    # Tue 29, 30, 31, Mon 4, 5, 6, 7, 8, Mon 11, Tue 12.
    assert timetable.respond_by == date(2027, 1, 12)


def test_christmas_2027_falls_on_a_weekend_and_both_days_are_observed_on_monday_and_tuesday() -> (
    None
):
    # Thu 23 Dec 2027: Fri 24 (1), Mon 27 and Tue 28 observed, 29 (2), 30 (3), 31 (4),
    # Mon 3 Jan 2028 New Year observed, Tue 4 Jan (5).
    timetable = stage_timetable(stage=STAGE_1, received_on=date(2027, 12, 23))
    assert timetable.acknowledge_by == date(2028, 1, 4)


def test_stage_1_across_easter_2026() -> None:
    # Wed 1 Apr 2026: Thu 2 (1), Good Friday 3, Easter Monday 6, Tue 7 (2) ... Fri 10 (5).
    timetable = stage_timetable(
        stage=STAGE_1, received_on=date(2026, 4, 1), acknowledged_on=date(2026, 4, 10)
    )
    assert timetable.acknowledge_by == date(2026, 4, 10)
    assert timetable.respond_by == date(2026, 4, 24)


def test_stage_1_across_easter_2027() -> None:
    # Thu 25 Mar 2027: Good Friday 26 and Easter Monday 29; Tue 30 (1), 31, 1 Apr, 2 Apr, Mon 5 Apr (5).
    timetable = stage_timetable(stage=STAGE_1, received_on=date(2027, 3, 25))
    assert timetable.acknowledge_by == date(2027, 4, 5)


def test_stage_2_across_the_august_2026_bank_holiday() -> None:
    # Escalated Fri 28 Aug 2026; Mon 31 Aug is the late summer bank holiday.
    timetable = stage_timetable(
        stage=STAGE_2, received_on=date(2026, 8, 28), acknowledged_on=date(2026, 9, 7)
    )
    assert timetable.acknowledge_by == date(2026, 9, 7)
    assert timetable.respond_by == date(2026, 10, 5)  # 20 working days after Mon 7 Sep


def test_stage_1_across_the_august_2027_bank_holiday() -> None:
    # Wed 25 Aug 2027: Thu 26 (1), Fri 27 (2), Mon 30 holiday, Tue 31 (3), Wed 1 Sep (4), Thu 2 Sep (5).
    assert stage_timetable(stage=STAGE_1, received_on=date(2027, 8, 25)).acknowledge_by == date(
        2027, 9, 2
    )


@pytest.mark.parametrize(
    "received_on", [date(2027, 4, 30), date(2027, 5, 1), date(2027, 5, 2), date(2027, 5, 3)]
)
def test_received_over_the_may_bank_holiday_weekend_counts_from_the_next_working_day(
    received_on: date,
) -> None:
    # Fri 30 Apr, Sat, Sun and the bank holiday Monday 3 May 2027 all give Tue 4 May as day 1.
    assert stage_timetable(stage=STAGE_1, received_on=received_on).acknowledge_by == date(
        2027, 5, 10
    )


def test_an_ordinary_week_with_no_holidays() -> None:
    timetable = stage_timetable(
        stage=STAGE_1, received_on=date(2026, 3, 2), acknowledged_on=date(2026, 3, 3)
    )
    assert timetable.acknowledge_by == date(2026, 3, 9)
    assert timetable.respond_by == date(2026, 3, 17)


def test_acknowledging_before_receipt_is_refused() -> None:
    with pytest.raises(ValueError):
        stage_timetable(
            stage=STAGE_1, received_on=date(2026, 3, 2), acknowledged_on=date(2026, 3, 1)
        )


# --- extensions ----------------------------------------------------------------------------------------


def test_one_explained_extension_of_ten_working_days_moves_the_deadline_past_bank_holidays() -> (
    None
):
    extension = validate_extension(
        stage=STAGE_1, working_days=10, reason="  Waiting for the operator's vehicle log. "
    )
    assert extension.reason == "Waiting for the operator's vehicle log."
    timetable = stage_timetable(
        stage=STAGE_1,
        received_on=date(2026, 12, 23),
        acknowledged_on=date(2027, 1, 4),
        extension=extension,
    )
    assert timetable.respond_by == date(2027, 1, 18)
    assert timetable.extended_respond_by == date(2027, 2, 1)
    assert timetable.final_respond_by == date(2027, 2, 1)


def test_extension_over_easter_2027() -> None:
    # Respond-by Fri 19 Mar 2027; 10 more working days skip Good Friday and Easter Monday.
    timetable = stage_timetable(
        stage=STAGE_1,
        received_on=date(2027, 3, 1),
        acknowledged_on=date(2027, 3, 5),
        extension=Extension(working_days=10, reason="Driver on leave; statement needed"),
    )
    assert timetable.respond_by == date(2027, 3, 19)
    assert timetable.extended_respond_by == date(2027, 4, 6)


def test_without_extension_the_final_deadline_is_the_respond_by() -> None:
    timetable = stage_timetable(stage=STAGE_1, received_on=date(2026, 3, 2))
    assert timetable.extended_respond_by is None
    assert timetable.final_respond_by == timetable.respond_by


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"working_days": 11, "reason": "complex"}, "1 to 10 working days"),
        ({"working_days": 0, "reason": "complex"}, "1 to 10 working days"),
        ({"working_days": 5, "reason": "   "}, "reason"),
        ({"working_days": 5, "reason": "complex", "extensions_already": 1}, "only once"),
        ({"working_days": 5, "reason": "complex", "stage": STAGE_2}, "only a stage 1"),
    ],
)
def test_extensions_outside_the_code_are_refused(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"stage": STAGE_1, **kwargs}
    with pytest.raises(ExtensionNotAllowed, match=message):
        validate_extension(**arguments)  # type: ignore[arg-type]


def test_timetable_refuses_an_extension_that_breaks_the_rules() -> None:
    with pytest.raises(ExtensionNotAllowed):
        stage_timetable(
            stage=STAGE_1,
            received_on=date(2026, 3, 2),
            extension=Extension(working_days=15, reason="x"),
        )
    with pytest.raises(ExtensionNotAllowed):
        stage_timetable(
            stage=STAGE_2,
            received_on=date(2026, 3, 2),
            extension=Extension(working_days=5, reason="x"),
        )


# --- status, due soon and overdue ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 4, 2), DeadlineStatus.ON_TIME),  # 4 working days left (Easter in between)
        (date(2026, 4, 7), DeadlineStatus.ON_TIME),  # 3 left
        (date(2026, 4, 8), DeadlineStatus.DUE_SOON),  # 2 left
        (date(2026, 4, 9), DeadlineStatus.DUE_SOON),  # 1 left
        (date(2026, 4, 10), DeadlineStatus.DUE_SOON),  # due today
        (date(2026, 4, 11), DeadlineStatus.OVERDUE),  # Saturday after the due Friday
        (date(2026, 4, 13), DeadlineStatus.OVERDUE),
    ],
)
def test_due_soon_and_overdue_boundaries(today: date, expected: DeadlineStatus) -> None:
    assert deadline_status(due_on=date(2026, 4, 10), today=today) is expected


def test_due_soon_counts_working_days_not_calendar_days_over_a_bank_holiday_weekend() -> None:
    # Due Tue 7 Apr 2026; on Thu 2 Apr only one working day is left (Good Friday, weekend, Easter Monday).
    assert (
        deadline_status(due_on=date(2026, 4, 7), today=date(2026, 4, 2)) is DeadlineStatus.DUE_SOON
    )
    assert (
        deadline_status(due_on=date(2026, 4, 7), today=date(2026, 4, 1)) is DeadlineStatus.DUE_SOON
    )
    assert (
        deadline_status(due_on=date(2026, 4, 7), today=date(2026, 3, 31)) is DeadlineStatus.ON_TIME
    )


def test_due_soon_window_is_configurable() -> None:
    due = date(2026, 4, 10)
    assert (
        deadline_status(due_on=due, today=date(2026, 4, 9), due_soon_working_days=0)
        is DeadlineStatus.ON_TIME
    )
    assert (
        deadline_status(due_on=due, today=date(2026, 4, 10), due_soon_working_days=0)
        is DeadlineStatus.DUE_SOON
    )
    assert (
        deadline_status(due_on=due, today=date(2026, 4, 2), due_soon_working_days=5)
        is DeadlineStatus.DUE_SOON
    )


def test_done_deadlines_are_met_or_missed_whatever_today_is() -> None:
    due = date(2026, 4, 10)
    assert deadline_status(due_on=due, today=date(2026, 6, 1), done_on=due) is DeadlineStatus.MET
    assert (
        deadline_status(due_on=due, today=date(2026, 6, 1), done_on=date(2026, 4, 13))
        is DeadlineStatus.MISSED
    )


def test_next_deadline_is_acknowledgement_first_then_response() -> None:
    received = date(2026, 12, 23)
    waiting = next_deadline(
        stage_timetable(stage=STAGE_1, received_on=received), today=date(2026, 12, 31)
    )
    assert (waiting.deadline, waiting.due_on, waiting.status, waiting.working_days_left) == (
        "acknowledge",
        date(2027, 1, 4),
        DeadlineStatus.DUE_SOON,
        1,
    )
    assert is_due_soon_or_overdue(waiting)
    acknowledged = stage_timetable(
        stage=STAGE_1, received_on=received, acknowledged_on=date(2027, 1, 4)
    )
    check = next_deadline(acknowledged, today=date(2027, 1, 5))
    assert (check.deadline, check.due_on, check.status) == (
        "respond",
        date(2027, 1, 18),
        DeadlineStatus.ON_TIME,
    )
    assert not is_due_soon_or_overdue(check)
    late = next_deadline(acknowledged, today=date(2027, 1, 20))
    assert (late.status, late.working_days_left) == (DeadlineStatus.OVERDUE, -2)


def test_next_deadline_uses_the_extended_date() -> None:
    timetable = stage_timetable(
        stage=STAGE_1,
        received_on=date(2026, 12, 23),
        acknowledged_on=date(2027, 1, 4),
        extension=Extension(working_days=10, reason="Waiting for CCTV from the operator"),
    )
    check = next_deadline(timetable, today=date(2027, 1, 20))
    assert (check.due_on, check.status) == (date(2027, 2, 1), DeadlineStatus.ON_TIME)
    answered = next_deadline(timetable, today=date(2027, 3, 1), responded_on=date(2027, 2, 1))
    assert answered.status is DeadlineStatus.MET


def test_within_code_needs_both_acknowledgement_and_response_on_time() -> None:
    on_time = stage_timetable(
        stage=STAGE_1, received_on=date(2026, 4, 1), acknowledged_on=date(2026, 4, 10)
    )
    assert is_acknowledged_within_code(on_time) is True
    assert is_response_within_code(on_time, responded_on=date(2026, 4, 24))
    assert not is_response_within_code(on_time, responded_on=date(2026, 4, 27))
    late_ack = stage_timetable(
        stage=STAGE_1, received_on=date(2026, 4, 1), acknowledged_on=date(2026, 4, 13)
    )
    assert is_acknowledged_within_code(late_ack) is False
    assert not is_response_within_code(late_ack, responded_on=date(2026, 4, 14))
    pending = stage_timetable(stage=STAGE_1, received_on=date(2026, 4, 1))
    assert is_acknowledged_within_code(pending) is None


# --- stage 2 officer -----------------------------------------------------------------------------------


def test_stage_2_must_be_a_different_officer() -> None:
    validate_stage_two_officer(stage_one_officer_id=7, stage_two_officer_id=8)
    validate_stage_two_officer(stage_one_officer_id=None, stage_two_officer_id=8)
    with pytest.raises(SameOfficerError):
        validate_stage_two_officer(stage_one_officer_id=7, stage_two_officer_id=7)


# --- statutory review route ----------------------------------------------------------------------------
