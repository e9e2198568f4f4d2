"""The one redaction function: a corpus of realistic texts, each saying what must go and what must stay."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from services.privacy.redaction import RedactionKind, redact, redact_with_details

CORPUS_PATH = Path(__file__).with_name("redaction_corpus.json")
CORPUS: list[dict[str, Any]] = json.loads(CORPUS_PATH.read_text(encoding="utf-8"))


def _appears(fragment: str, text: str) -> bool:
    """True when `fragment` is in `text` as a whole word or phrase (so "Sam" is not found in "Samsung")."""
    return re.search(rf"(?<!\w){re.escape(fragment)}(?!\w)", text) is not None


def test_corpus_is_big_and_well_formed() -> None:
    assert len(CORPUS) >= 120
    identifiers = [case["id"] for case in CORPUS]
    assert len(identifiers) == len(set(identifiers)), "duplicate case ids"
    for case in CORPUS:
        assert set(case) == {"id", "text", "known_names", "removed", "kept"}, case["id"]
        for fragment in case["removed"] + case["kept"]:
            assert fragment in case["text"], (
                f"{case['id']}: {fragment!r} is not in the case's own text"
            )


@pytest.mark.parametrize("case", CORPUS, ids=[case["id"] for case in CORPUS])
def test_corpus_case(case: dict[str, Any]) -> None:
    redacted = redact(case["text"], known_names=case["known_names"])
    leaked = [fragment for fragment in case["removed"] if _appears(fragment, redacted)]
    lost = [fragment for fragment in case["kept"] if fragment not in redacted]
    assert not leaked and not lost, (
        f"case {case['id']!r}\n  input:    {case['text']!r}\n  output:   {redacted!r}\n"
        f"  leaked (should be removed): {leaked}\n  lost (should survive):      {lost}"
    )


def test_placeholders_are_readable() -> None:
    text = "Mrs Nowak, 14 Tonbridge Road, ME14 1XQ, 07700 900123, k.nowak@wp.pl, KCC-000321, AB12 CDE, Sam was late."
    assert redact(text, known_names=["Sam"]) == (
        "[name], [address], [postcode], [phone], [email], [reference], [vehicle registration], [name] was late."
    )


def test_first_and_surname_become_one_placeholder() -> None:
    assert redact("Daniel Fletcher was driving.") == "[name] was driving."
    assert (
        redact("Agnieszka Wiśniewska dzwoniła.", known_names=["Agnieszka Wiśniewska"])
        == "[name] dzwoniła."
    )


def test_possessive_keeps_its_s() -> None:
    assert redact("Sam's taxi was late.", known_names=["Sam"]) == "[name]'s taxi was late."


def test_details_say_what_was_removed_and_where() -> None:
    text = "Call 07700 900123 about Sam."
    result = redact_with_details(text, known_names=["Sam"])
    assert result.text == "Call [phone] about [name]."
    assert [(r.kind, r.original) for r in result.redactions] == [
        (RedactionKind.PHONE, "07700 900123"),
        (RedactionKind.NAME, "Sam"),
    ]
    assert all(text[r.start : r.end] == r.original for r in result.redactions)
    assert result.counts == {RedactionKind.PHONE: 1, RedactionKind.NAME: 1}


def test_text_without_personal_data_is_returned_unchanged() -> None:
    text = "The taxi was 10 minutes late on Monday, Route 12, at 7:45. Kent PACT knows."
    result = redact_with_details(text)
    assert result.text == text
    assert result.redactions == ()


def test_redaction_is_deterministic_and_idempotent() -> None:
    text = "My son Tom rang 07700 900123 from 12 Station Road."
    once = redact(text)
    assert once == redact(text)
    assert redact(once) == once


def test_known_names_ignore_blank_and_one_letter_entries() -> None:
    assert redact("A bus and a taxi.", known_names=["", " ", "A"]) == "A bus and a taxi."
