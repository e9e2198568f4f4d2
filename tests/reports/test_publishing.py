"""Publishing rules for the parental-views figures: suppression under 5 and percentages with counts."""

from __future__ import annotations

import pytest

from reports.parental_views.publishing import published_count, published_share, whole_percent


@pytest.mark.parametrize(("count", "shown"), [(0, "fewer than 5"), (4, "fewer than 5"), (5, "5"), (1234, "1,234")])
def test_counts_under_five_are_suppressed(count: int, shown: str) -> None:
    assert published_count(count) == shown


@pytest.mark.parametrize(
    ("part", "whole", "shown"),
    [
        (9, 25, "36% (9)"),
        (5, 8, "63% (5)"),  # 62.5 rounds half up
        (1000, 3000, "33% (1,000)"),
        (4, 11, "fewer than 5"),  # the count would identify families
        (5, 5, "100% (5)"),
    ],
)
def test_shares_carry_their_counts_unless_suppressed(part: int, whole: int, shown: str) -> None:
    assert published_share(part, whole) == shown


def test_a_share_of_nothing_is_refused() -> None:
    assert whole_percent(4, 11) == 36
    with pytest.raises(ValueError):
        whole_percent(1, 0)
    with pytest.raises(ValueError):
        published_count(-1)
