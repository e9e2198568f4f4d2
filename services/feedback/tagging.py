"""Themes and sentiment for families' feedback, and the categories of a problem reported on the day.

Themes follow the taxonomy in docs/feedback-themes.md: each theme is a set of keyword and phrase
patterns (English, plus a few Polish stems for the bot's Polish users), matched case-insensitively on
word boundaries. A theme may also need a second pattern in the same text (conduct needs a person,
journey length needs a duration). Tagging is multi-label; "other" only when nothing else matches.
Praise is tagged only when the sentence holding the praise phrase is not negative ("not great").

Sentiment is VADER's compound score in [-1, 1] (vaderSentiment, lexicon shipped in the package, no
downloads). VADER understands English, emoji and emphasis; Polish text scores about 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum
from functools import lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from services.feedback.themes import PRAISE, SARCASM, THEME_RULES, Theme, ThemeRule

__all__ = [
    "ProblemCategory",
    "Theme",
    "is_urgent_problem",
    "sentiment_score",
    "tag_themes",
    "theme_counts",
    "themes_for_problem",
]

# VADER's own thresholds for calling a text positive or negative.
POSITIVE_THRESHOLD = 0.05
NEGATIVE_THRESHOLD = -0.05


class ProblemCategory(StrEnum):
    """What a parent can report on the day."""

    TRANSPORT_DID_NOT_COME = "transport_did_not_come"
    RUNNING_LATE = "running_late"
    WRONG_PICKUP = "wrong_pickup"
    SAFETY_CONCERN = "safety_concern"
    DRIVER_OR_ASSISTANT_CHANGED = "driver_or_assistant_changed"


# Each problem a parent reports is also counted under the feedback theme it belongs to.
PROBLEM_THEMES: dict[ProblemCategory, tuple[Theme, ...]] = {
    ProblemCategory.TRANSPORT_DID_NOT_COME: (Theme.PUNCTUALITY,),
    ProblemCategory.RUNNING_LATE: (Theme.PUNCTUALITY,),
    ProblemCategory.WRONG_PICKUP: (Theme.COMMUNICATION,),
    ProblemCategory.SAFETY_CONCERN: (Theme.SAFETY,),
    ProblemCategory.DRIVER_OR_ASSISTANT_CHANGED: (Theme.STAFF_CHANGES,),
}
# A child left without transport or a safety worry needs an officer today, not in the weekly review.
URGENT_PROBLEMS = frozenset(
    {ProblemCategory.TRANSPORT_DID_NOT_COME, ProblemCategory.SAFETY_CONCERN}
)


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+|(?<=\w)\s+but\s+", re.IGNORECASE)


@lru_cache(maxsize=1)
def _analyzer() -> SentimentIntensityAnalyzer:
    """One VADER analyser per process; its lexicon ships inside the package."""
    return SentimentIntensityAnalyzer()


def sentiment_score(text: str) -> float:
    """VADER compound score in [-1, 1]: below -0.05 negative, above 0.05 positive."""
    if not text.strip():
        return 0.0
    return float(_analyzer().polarity_scores(text)["compound"])


def tag_themes(text: str) -> tuple[Theme, ...]:
    """Every theme the text touches, in taxonomy order; (Theme.OTHER,) when none does."""
    found = {rule.theme for rule in THEME_RULES if _rule_matches(rule, text)}
    if _has_praise(text):
        found.add(Theme.PRAISE)
    if not found:
        return (Theme.OTHER,)
    return tuple(theme for theme in Theme if theme in found)


def themes_for_problem(category: ProblemCategory, *, details: str = "") -> tuple[Theme, ...]:
    """The category's own theme plus any the parent's own words add."""
    extra = () if not details.strip() else tag_themes(details)
    combined = set(PROBLEM_THEMES[category]) | {
        theme for theme in extra if theme is not Theme.OTHER
    }
    return tuple(theme for theme in Theme if theme in combined)


def is_urgent_problem(category: ProblemCategory) -> bool:
    """True for a child left without transport or a safety concern."""
    return category in URGENT_PROBLEMS


def theme_counts(theme_lists: Iterable[Iterable[Theme]]) -> dict[Theme, int]:
    """How many items mention each theme (an item counts once per theme), ranked most frequent first."""
    counts: dict[Theme, int] = {}
    for themes in theme_lists:
        for theme in set(themes):
            counts[theme] = counts.get(theme, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], list(Theme).index(item[0]))))


def _rule_matches(rule: ThemeRule, text: str) -> bool:
    """The rule's patterns match, and its companion pattern too when it has one."""
    if rule.patterns.search(text) is None:
        return False
    return rule.also_needs is None or rule.also_needs.search(text) is not None


def _has_praise(text: str) -> bool:
    """A praise phrase in a sentence (or clause before/after "but") that is neither negative nor sarcastic."""
    for sentence in _SENTENCE_END.split(text):
        if (
            PRAISE.search(sentence)
            and not SARCASM.search(sentence)
            and sentiment_score(sentence) > NEGATIVE_THRESHOLD
        ):
            return True
    return False
