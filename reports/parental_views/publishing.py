"""How figures are published: counts under 5 are suppressed, percentages carry their counts ("36% (9)").

Small numbers identify people (UK GDPR practice; docs/DOMAIN "fewer than 5"): any count under 5,
zero included, is shown as "fewer than 5", and a percentage whose count or base is under 5 is not
shown at all, because the percentage and the base together would give the count back.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

SUPPRESSION_THRESHOLD = 5
SUPPRESSED = "fewer than 5"


def is_suppressed(count: int) -> bool:
    """True when a count is too small to publish."""
    return count < SUPPRESSION_THRESHOLD


def published_count(count: int) -> str:
    """A count as published: "1,234", or "fewer than 5"."""
    if count < 0:
        raise ValueError("a count cannot be negative")
    return SUPPRESSED if is_suppressed(count) else f"{count:,}"


def whole_percent(part: int, whole: int) -> int:
    """`part` as a whole percentage of `whole`, halves rounded up (4 of 11 is 36)."""
    if whole <= 0 or not 0 <= part <= whole:
        raise ValueError("part must be between 0 and a positive whole")
    return int((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def published_share(part: int, whole: int) -> str:
    """A share as published: "36% (9)" with its count, or "fewer than 5" when the count or base is small."""
    if is_suppressed(part) or is_suppressed(whole):
        return SUPPRESSED
    return f"{whole_percent(part, whole)}% ({part:,})"
