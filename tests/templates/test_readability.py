"""Every English text a parent reads is at Flesch-Kincaid grade 6 or below (reading age 11), legal text aside."""

from __future__ import annotations

import re
import statistics

import pytest

from core.i18n import load_catalogs
from messaging.rendering import render_message
from tests.support.message_samples import samples

MAX_GRADE = 6.0
# Texts allowed above grade 6, each with its grade now (it must not get worse) and why. The legal texts
# (review and appeal route 5.6, the Ombudsman in stage2_answered) were rewritten to grade 6 or below, so need no place.
ALLOWED: dict[str, tuple[float, str]] = {
    "complaints_bot.summary": (6.7, "a list of field labels (About, Subject, What happened), not sentences"),
}
# Labels, not sentences: buttons, commands, categories and list entries.
LABEL_KEYS = re.compile(r"\.button\.|^command\.|\.category\.|\.topic\.|\.outcome\.|my_application\.stage\.|settings\.kind\.")
MIN_WORDS = 6
_TAG = re.compile(r"<[^>]+>")
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
_PICTOGRAPH = re.compile(r"[\u2190-\u21ff\u2300-\u27bf\u2b00-\u2bff\ufe0f\U0001f000-\U0001faff]")


def readable_text(value: str) -> str:
    """What a reader reads: no HTML, placeholders or emoji, and each line a sentence of its own."""
    value = _PICTOGRAPH.sub("", _PLACEHOLDER.sub("", _TAG.sub("", value)))
    lines = [line.strip(" :•") for line in value.splitlines() if line.strip(" :•")]
    return " ".join(line if line[-1] in ".?!" else line + "." for line in lines)


def parent_texts() -> dict[str, str]:
    """Every English sentence-like catalog text, and every message kind as sent by Telegram."""
    texts = {
        str(message.id): readable_text(str(message.string))
        for catalog in load_catalogs("en")
        for message in catalog
        if message.id and message.string and not LABEL_KEYS.search(str(message.id))
    }
    for sample in samples("en"):
        if sample.kind in ("transport_change", "change_reminder", "application_status"):
            rendered = render_message(sample.kind, channel="telegram", language="en", **sample.context)
            texts[f"{sample.kind}: {sample.label}"] = readable_text(rendered)
    return {key: value for key, value in texts.items() if len(value.split()) >= MIN_WORDS}


@pytest.fixture(scope="module")
def grades(cmu_dictionary: None) -> dict[str, float]:
    import textstat

    return {key: round(textstat.flesch_kincaid_grade(value), 1) for key, value in parent_texts().items()}


def test_parent_messages_are_grade_6_or_below(grades: dict[str, float], readability_report: list[str]) -> None:
    assert len(grades) > 100, "too few texts scored: the catalog scan is not working"
    values = sorted(grades.values())
    worst = max(grades, key=grades.__getitem__)
    readability_report.extend([
        f"{len(values)} English texts: median grade {statistics.median(values):.1f}, "
        f"upper quartile {statistics.quantiles(values, n=4)[2]:.1f}, worst {grades[worst]:.1f} ({worst})",
        "hardest: " + ", ".join(f"{key} {grade:.1f}" for key, grade in sorted(grades.items(), key=lambda kv: -kv[1])[:5]),
    ])
    print("\n".join(readability_report))
    too_hard = {
        key: grade for key, grade in grades.items()
        if grade > ALLOWED.get(key, (MAX_GRADE, ""))[0]
    }
    assert too_hard == {}, f"above grade {MAX_GRADE} (shorter sentences, shorter words): {too_hard}"


def test_allowed_texts_are_still_there_and_still_hard(grades: dict[str, float]) -> None:
    stale = {key for key in ALLOWED if key not in grades or grades[key] <= MAX_GRADE}
    assert stale == set(), "take these off the allow-list: they are gone or now plain enough"


def test_a_jargon_heavy_message_fails() -> None:
    import textstat

    jargon = readable_text("Eligibility determinations are communicated subsequent to statutory consideration of applications.")
    assert textstat.flesch_kincaid_grade(jargon) > MAX_GRADE
