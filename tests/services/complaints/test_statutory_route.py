"""The statutory review and appeal route for eligibility and suitability disputes (not complaints)."""

from __future__ import annotations

from datetime import date

import pytest

from services.complaints.timetable import (
    ComplaintSubject,
    ReviewRoute,
    review_route_for,
    statutory_review_timetable,
)


@pytest.mark.parametrize(
    ("subject", "route"),
    [
        (ComplaintSubject.ELIGIBILITY_DECISION, ReviewRoute.STATUTORY_REVIEW_AND_APPEAL),
        (ComplaintSubject.SUITABILITY_OF_TRANSPORT, ReviewRoute.STATUTORY_REVIEW_AND_APPEAL),
        (ComplaintSubject.SERVICE_DELIVERY, ReviewRoute.COMPLAINTS_PROCEDURE),
        (ComplaintSubject.STAFF_CONDUCT, ReviewRoute.COMPLAINTS_PROCEDURE),
        (ComplaintSubject.COMMUNICATION, ReviewRoute.COMPLAINTS_PROCEDURE),
        (ComplaintSubject.OTHER, ReviewRoute.COMPLAINTS_PROCEDURE),
    ],
)
def test_eligibility_and_suitability_go_to_the_statutory_route(
    subject: ComplaintSubject, route: ReviewRoute
) -> None:
    assert review_route_for(subject) is route


def test_statutory_route_full_timetable_across_christmas_and_easter() -> None:
    timetable = statutory_review_timetable(
        decision_on=date(2026, 12, 1),
        review_requested_on=date(2026, 12, 23),
        review_decided_on=date(2027, 1, 20),
        appeal_requested_on=date(2027, 2, 1),
        appeal_decided_on=date(2027, 3, 25),
    )
    # 20 working days after Tue 1 Dec 2026, skipping 25 and 28 Dec.
    assert timetable.request_review_by == date(2026, 12, 31)
    assert timetable.is_review_request_in_time is True
    # 20 working days after Wed 23 Dec 2026, skipping 25 Dec, 28 Dec and 1 Jan.
    assert timetable.review_decision_by == date(2027, 1, 25)
    assert timetable.request_appeal_by == date(2027, 2, 17)
    assert timetable.is_appeal_request_in_time is True
    # 40 working days after Mon 1 Feb 2027, skipping Good Friday 26 Mar and Easter Monday 29 Mar.
    assert timetable.appeal_decision_by == date(2027, 3, 31)
    # 5 working days after Thu 25 Mar 2027: Good Friday and Easter Monday skipped; Tue 30 Mar (1) ... Mon 5 Apr (5).
    assert timetable.appeal_outcome_sent_by == date(2027, 4, 5)


def test_statutory_route_with_only_a_decision() -> None:
    timetable = statutory_review_timetable(decision_on=date(2026, 8, 3))
    assert timetable.request_review_by == date(2026, 9, 1)  # skips Mon 31 Aug
    assert timetable.review_decision_by is None
    assert timetable.is_review_request_in_time is None
    assert timetable.is_appeal_request_in_time is None


def test_late_review_request_is_reported() -> None:
    timetable = statutory_review_timetable(
        decision_on=date(2026, 8, 3), review_requested_on=date(2026, 9, 2)
    )
    assert timetable.is_review_request_in_time is False


def test_statutory_dates_must_be_in_order_and_complete() -> None:
    with pytest.raises(ValueError, match="out of order"):
        statutory_review_timetable(
            decision_on=date(2026, 8, 3), review_requested_on=date(2026, 8, 1)
        )
    with pytest.raises(ValueError, match="without the step before"):
        statutory_review_timetable(decision_on=date(2026, 8, 3), review_decided_on=date(2026, 9, 1))
