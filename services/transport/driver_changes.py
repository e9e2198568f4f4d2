"""Counting driver and passenger assistant changes per child per school term, and flagging more than 3.

Good practice for children who find change hard: families are told before the driver or PA changes,
and some councils ask families to report more than 3 changes in a term. We count every recorded change
(a problem report "driver or assistant changed" or an officer's recorded change) against the child's
term and flag a term once its count passes MAX_CHANGES_PER_TERM.

Terms: Kent County Council's pattern for community and voluntary controlled schools, as repeated on
Kent schools' published term dates (assumption: academies may differ by a day or two, and Kent
publishes six "terms" that we group into the three usual ones, autumn/spring/summer, because "a term"
in the guidance means one of those). The table is data: pass your own `terms` to any function.
A change recorded in a holiday counts towards the term that follows, when the family will feel it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

MAX_CHANGES_PER_TERM = 3


@dataclass(frozen=True, slots=True)
class SchoolTerm:
    """One school term, first and last day inclusive (half terms fall inside)."""

    name: str
    starts_on: date
    ends_on: date

    def __post_init__(self) -> None:
        if self.ends_on < self.starts_on:
            raise ValueError(f"term {self.name} ends before it starts")

    def contains(self, day: date) -> bool:
        """True when `day` is between the first and last day of the term."""
        return self.starts_on <= day <= self.ends_on


# Kent's 2025-26 and 2026-27 patterns (first inset day to last day of term).
KENT_SCHOOL_TERMS: tuple[SchoolTerm, ...] = (
    SchoolTerm("Autumn 2025", date(2025, 9, 1), date(2025, 12, 19)),
    SchoolTerm("Spring 2026", date(2026, 1, 5), date(2026, 4, 2)),
    SchoolTerm("Summer 2026", date(2026, 4, 20), date(2026, 7, 22)),
    SchoolTerm("Autumn 2026", date(2026, 9, 1), date(2026, 12, 18)),
    SchoolTerm("Spring 2027", date(2027, 1, 4), date(2027, 3, 25)),
    SchoolTerm("Summer 2027", date(2027, 4, 12), date(2027, 7, 22)),
)


@dataclass(frozen=True, slots=True)
class TermChangeCount:
    """How many driver or PA changes one child had in one term, and whether that is flagged."""

    child: Hashable
    term: SchoolTerm
    changes: int

    @property
    def is_flagged(self) -> bool:
        """More than 3 changes in the term."""
        return is_change_count_flagged(self.changes)


def is_change_count_flagged(changes: int) -> bool:
    """More than MAX_CHANGES_PER_TERM changes in one term is flagged."""
    return changes > MAX_CHANGES_PER_TERM


def term_for(day: date, *, terms: Sequence[SchoolTerm] = KENT_SCHOOL_TERMS) -> SchoolTerm | None:
    """The term holding `day`, or the next term when `day` is in a holiday; None outside the table."""
    ordered = sorted(terms, key=lambda term: term.starts_on)
    for term in ordered:
        if day <= term.ends_on:
            return term if day >= term.starts_on or _follows_a_term(term, ordered) else None
    return None


def count_changes_per_term(
    changes: Iterable[tuple[Hashable, date]], *, terms: Sequence[SchoolTerm] = KENT_SCHOOL_TERMS
) -> list[TermChangeCount]:
    """Count (child, change date) pairs per child per term; dates outside the table are left out."""
    counter: Counter[tuple[Hashable, SchoolTerm]] = Counter()
    for child, day in changes:
        term = term_for(day, terms=terms)
        if term is not None:
            counter[(child, term)] += 1
    return [
        TermChangeCount(child=child, term=term, changes=count)
        for (child, term), count in sorted(
            counter.items(), key=lambda item: (item[0][1].starts_on, str(item[0][0]))
        )
    ]


def flagged_children(
    changes: Iterable[tuple[Hashable, date]], *, terms: Sequence[SchoolTerm] = KENT_SCHOOL_TERMS
) -> list[TermChangeCount]:
    """Only the child-terms with more than 3 changes, for the officers' dashboard."""
    return [count for count in count_changes_per_term(changes, terms=terms) if count.is_flagged]


def _follows_a_term(term: SchoolTerm, ordered: Sequence[SchoolTerm]) -> bool:
    """A holiday belongs to the next term only between two terms, not before the first one in the table."""
    return ordered.index(term) > 0
