"""Theme tagging, sentiment, problem categories and the driver/PA change counter, on realistic feedback."""

from __future__ import annotations

from datetime import date
from itertools import pairwise

import pytest

from services.transport.driver_changes import (
    KENT_SCHOOL_TERMS,
    SchoolTerm,
    count_changes_per_term,
    flagged_children,
    is_change_count_flagged,
    term_for,
)
from services.feedback.tagging import (
    ProblemCategory,
    Theme,
    is_urgent_problem,
    sentiment_score,
    tag_themes,
    theme_counts,
    themes_for_problem,
)

P = Theme.PUNCTUALITY
C = Theme.DRIVER_OR_ASSISTANT_CONDUCT
M = Theme.COMMUNICATION
S = Theme.SAFETY
V = Theme.VEHICLE_AND_ACCESSIBILITY
J = Theme.JOURNEY_LENGTH
E = Theme.ELIGIBILITY_AND_APPLICATIONS
X = Theme.STAFF_CHANGES
G = Theme.PRAISE
O = Theme.OTHER

# (text, themes that must be tagged, themes that must not be tagged)
EXAMPLES: list[tuple[str, set[Theme], set[Theme]]] = [
    ("The taxi was 40 minutes late again this morning and nobody rang me.", {P, M}, {G, O}),
    ("Transport didn't turn up at all today, I had to drive him in myself.", {P}, {G, O}),
    ("No-show AGAIN. Third time this month.", {P}, {G}),
    ("We waited outside until 8:30 and then I gave up.", {P}, {O}),
    ("The driver is always on time and so kind to my daughter. Thank you!", {P, C, G}, {O}),
    ("The escort shouted at my son for crying. That is not acceptable.", {C}, {G, O}),
    ("Driver was on his phone the whole way, swerving.", {C}, {G}),
    ("Our PA is lovely, she really understands him.", {C, G}, {O}),
    ("The driver smokes before picking the children up and the car stinks.", {C}, {G}),
    ("Nobody told us the pick-up time had changed.", {M}, {O, G}),
    ("I have called the transport team five times and nobody calls back.", {M}, {G}),
    ("Couldn't get through on the phone, held for 45 minutes.", {M}, {G}),
    ("Please can you let us know earlier when the driver is off sick?", {M}, set()),
    ("The letter said Monday but the taxi came on Tuesday.", {M}, {G}),
    ("He wasn't strapped in when he got out, seatbelt was undone.", {S}, {G, O}),
    ("The driver was speeding on the A20, I am really worried it's not safe.", {S}, {G}),
    ("My daughter was left alone at the school gate for 20 minutes.", {S}, {G}),
    ("Wheelchair clamps were not secured properly.", {S, V}, {G}),
    (
        "There was an accident on the M2 so they were late, but they kept us informed.",
        {P, S, M},
        set(),
    ),
    ("The minibus has no ramp so his wheelchair won't fit.", {V}, {G}),
    ("Tail lift has been broken for two weeks.", {V}, {G}),
    ("It is far too hot in the car, there is no air con and he has sensory needs.", {V}, {G}),
    ("The vehicle broke down on the way home and they sat on the hard shoulder.", {V}, {G}),
    ("The car is filthy and smells of smoke.", {V}, {G}),
    ("The journey takes over an hour each way, he is exhausted.", {J}, {G}),
    ("She is on the bus for 90 minutes because they go round the houses.", {J}, {G}),
    ("He is always picked up first and gets to school shattered.", {J}, {G}),
    ("The journey was fine today.", set(), {J, P}),
    ("We are still waiting for a decision on our application for transport.", {E}, {G}),
    ("Transport was refused because we live 2.9 miles away, I want to appeal.", {E}, {G}),
    ("How much is the post-16 contribution this year?", {E}, {O}),
    ("Can I get a personal transport budget instead of a taxi?", {E}, {O}),
    (
        "New driver again, that's the fourth this term. He doesn't know the driver and he screamed.",
        {X},
        {G},
    ),
    ("The escort keeps changing and nobody tells us.", {X, M}, {G}),
    ("Please keep the same driver, he has autism and change is very hard for him.", {X}, set()),
    ("A stranger turned up to collect him and I did not let him go.", {X}, set()),
    ("Thank you so much, the service has been brilliant this term.", {G}, {O}),
    ("Can't fault them, Dave goes above and beyond every day ⭐⭐⭐", {G}, {O}),
    ("Not great. Late every day.", {P}, {G}),
    ("Thanks for nothing, late again and no call.", {P, M}, {G}),
    ("Great, late again.", {P}, {G}),
    ("Thanks for sorting the new ramp so quickly", {V, G}, {O}),
    ("The driver is lovely but the taxi is always late", {C, G, P}, set()),
    ("How do I change my email address on the system?", {M}, {G}),
    ("What time does school finish on Friday?", {O}, {G}),
    ("ok", {O}, {G}),
    ("", {O}, {G}),
    ("👍", {O}, set()),
    ("Kierowca spóźnił się 30 minut i nikt nie poinformował nas.", {P, M}, {O}),
    ("Dziękujemy, kierowca jest wspaniały.", {G}, {O}),
    ("Zmiana kierowcy trzeci raz w tym miesiącu.", {X}, {O}),
    ("<b>late</b> again &amp; no call", {P, M}, set()),
]


def test_there_are_at_least_forty_examples() -> None:
    assert len(EXAMPLES) >= 40


@pytest.mark.parametrize(
    ("text", "required", "forbidden"), EXAMPLES, ids=[text[:40] or "empty" for text, *_ in EXAMPLES]
)
def test_themes(text: str, required: set[Theme], forbidden: set[Theme]) -> None:
    themes = set(tag_themes(text))
    assert required <= themes, f"{text!r}: missing {required - themes}, got {sorted(themes)}"
    assert not (forbidden & themes), f"{text!r}: should not have {forbidden & themes}"


def test_other_is_given_only_when_nothing_else_matches() -> None:
    for text, *_ in EXAMPLES:
        themes = tag_themes(text)
        assert themes == (Theme.OTHER,) or Theme.OTHER not in themes, text


def test_themes_come_in_taxonomy_order_without_duplicates() -> None:
    themes = tag_themes("Thank you! The new driver was late but lovely and the journey is long.")
    assert list(themes) == [theme for theme in Theme if theme in themes]
    assert len(set(themes)) == len(themes)


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("Thank you so much, the driver is brilliant!", 1),
        ("Absolutely furious, he was left on the bus for an hour 😡", -1),
        ("The taxi was late again and nobody rang. Terrible.", -1),
        ("Wonderful service, thank you ❤️", 1),
        ("The bus comes at 7:45.", 0),
        ("", 0),
    ],
)
def test_sentiment_sign(text: str, sign: int) -> None:
    score = sentiment_score(text)
    assert -1.0 <= score <= 1.0
    if sign > 0:
        assert score > 0.05, score
    elif sign < 0:
        assert score < -0.05, score
    else:
        assert -0.05 <= score <= 0.05, score


def test_sentiment_is_deterministic() -> None:
    text = "Late AGAIN!!! Nobody tells us anything."
    assert sentiment_score(text) == sentiment_score(text)


def test_theme_counts_rank_themes_counting_each_item_once() -> None:
    counts = theme_counts([(P, M), (P,), (P, P), (G,), (M,)])
    assert counts == {P: 3, M: 2, G: 1}
    assert list(counts) == [P, M, G]


# --- problem reports ----------------------------------------------------------------------------------


def test_problem_categories_map_to_themes_and_add_the_parents_words() -> None:
    assert themes_for_problem(ProblemCategory.RUNNING_LATE) == (P,)
    assert themes_for_problem(ProblemCategory.WRONG_PICKUP) == (M,)
    assert themes_for_problem(
        ProblemCategory.DRIVER_OR_ASSISTANT_CHANGED, details="nobody told us"
    ) == (M, X)
    assert themes_for_problem(ProblemCategory.SAFETY_CONCERN, details="seatbelt undone") == (S,)
    assert themes_for_problem(ProblemCategory.TRANSPORT_DID_NOT_COME, details="hmm") == (P,)


def test_only_a_missing_taxi_and_safety_are_urgent() -> None:
    urgent = {category for category in ProblemCategory if is_urgent_problem(category)}
    assert urgent == {ProblemCategory.TRANSPORT_DID_NOT_COME, ProblemCategory.SAFETY_CONCERN}


# --- driver and PA changes per term -------------------------------------------------------------------


@pytest.mark.parametrize(("count", "flagged"), [(0, False), (3, False), (4, True), (9, True)])
def test_more_than_three_changes_is_flagged(count: int, flagged: bool) -> None:
    assert is_change_count_flagged(count) is flagged


@pytest.mark.parametrize(
    ("day", "term_name"),
    [
        (date(2025, 9, 1), "Autumn 2025"),
        (date(2025, 10, 29), "Autumn 2025"),  # half term stays in its term
        (date(2025, 12, 19), "Autumn 2025"),
        (date(2025, 12, 24), "Spring 2026"),  # Christmas holiday counts to the next term
        (date(2026, 4, 2), "Spring 2026"),
        (date(2026, 4, 10), "Summer 2026"),  # Easter holiday
        (date(2026, 8, 20), "Autumn 2026"),  # summer holiday
        (date(2027, 3, 30), "Summer 2027"),
        (date(2027, 7, 22), "Summer 2027"),
    ],
)
def test_term_for(day: date, term_name: str) -> None:
    term = term_for(day)
    assert term is not None and term.name == term_name


def test_dates_outside_the_table_have_no_term() -> None:
    assert term_for(date(2025, 8, 1)) is None
    assert term_for(date(2027, 8, 1)) is None


def test_changes_are_counted_per_child_per_term_and_flagged_above_three() -> None:
    changes = [
        ("KCC-000123", date(2026, 1, 6)),
        ("KCC-000123", date(2026, 1, 20)),
        ("KCC-000123", date(2026, 2, 18)),  # half term, still spring
        ("KCC-000123", date(2026, 3, 30)),
        ("KCC-000123", date(2026, 4, 21)),  # summer: does not add to spring
        ("KCC-000456", date(2026, 1, 7)),
        ("KCC-000456", date(2026, 1, 8)),
        ("KCC-000456", date(2026, 1, 9)),
        ("KCC-000789", date(2024, 5, 1)),  # outside the table: ignored
    ]
    counts = {(c.child, c.term.name): c.changes for c in count_changes_per_term(changes)}
    assert counts == {
        ("KCC-000123", "Spring 2026"): 4,
        ("KCC-000456", "Spring 2026"): 3,
        ("KCC-000123", "Summer 2026"): 1,
    }
    flagged = flagged_children(changes)
    assert [(c.child, c.term.name, c.changes) for c in flagged] == [
        ("KCC-000123", "Spring 2026", 4)
    ]


def test_terms_are_configurable() -> None:
    six_terms = (
        SchoolTerm("Term 3", date(2026, 1, 5), date(2026, 2, 13)),
        SchoolTerm("Term 4", date(2026, 2, 23), date(2026, 4, 2)),
    )
    changes = [
        ("A", date(2026, 1, 6)),
        ("A", date(2026, 1, 7)),
        ("A", date(2026, 2, 24)),
        ("A", date(2026, 2, 25)),
    ]
    assert flagged_children(changes, terms=six_terms) == []
    assert len(flagged_children(changes)) == 1  # one spring term in the default table


def test_default_terms_are_in_order_and_do_not_overlap() -> None:
    for earlier, later in pairwise(KENT_SCHOOL_TERMS):
        assert earlier.ends_on < later.starts_on


def test_a_term_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValueError):
        SchoolTerm("Broken", date(2026, 2, 1), date(2026, 1, 1))
