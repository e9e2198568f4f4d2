"""The labelled corpus: recall per kind, blind and with the family's names, and what a report needs kept.

Each case in redaction_corpus.json is a text written as Kent families write, with the kind of every
item in it: what must go (name, date_of_birth, reference, address, phone, email, postcode, nhs_number,
ni_number, vehicle_registration) and what must stay ("keep"). An item is caught only when every
occurrence of it is covered by a placeholder of its own kind. Each case runs twice: blind (no names
given) and with the carer's and child's names as held. An item marked `"blind": false` can only be
told from an ordinary word by knowing the family's names ("will had a meltdown" from a carer of Will);
blind runs count those apart, and the table says how many.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from services.privacy.redaction import RedactionKind, RedactionResult, redact_with_details

CORPUS_PATH = Path(__file__).with_name("redaction_corpus.json")
CORPUS: list[dict[str, Any]] = json.loads(CORPUS_PATH.read_text(encoding="utf-8"))
KEEP = "keep"
REQUIRED_RECALL = 1.0
REQUIRED_KEEP_RATE = 0.99


@dataclass
class Score:
    """Counts for one run over the corpus (blind or with known names)."""

    found: Counter[str] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)
    kept: int = 0
    keep_total: int = 0
    set_aside: int = 0
    failures: list[str] = field(default_factory=list)


def _occurrences(fragment: str, text: str) -> list[tuple[int, int]]:
    """Spans where `fragment` stands as a whole word or phrase ("Sam" is not in "Samsung")."""
    return [m.span() for m in re.finditer(rf"(?<!\w){re.escape(fragment)}(?!\w)", text)]


def _is_covered(
    result: RedactionResult, span: tuple[int, int], kind: RedactionKind, text: str
) -> bool:
    """True when every letter and digit of the span lies in a redaction of `kind`."""
    covered = {i for r in result.redactions if r.kind is kind for i in range(r.start, r.end)}
    return all(i in covered for i in range(*span) if text[i].isalnum())


def _kinds_at(result: RedactionResult, span: tuple[int, int]) -> list[str]:
    """The kinds of the redactions that touch a span (for the failure message)."""
    return sorted(
        {r.kind.value for r in result.redactions if r.start < span[1] and span[0] < r.end}
    )


def _score(*, with_names: bool) -> Score:
    """Run every case once and count what was caught and what survived."""
    score = Score()
    for case in CORPUS:
        text = case["text"]
        result = redact_with_details(text, known_names=case["known_names"] if with_names else ())
        for item in case["items"]:
            if item["kind"] == KEEP:
                score.keep_total += 1
                if item["text"] in result.text:
                    score.kept += 1
                else:
                    score.failures.append(
                        f"lost  {case['id']}: {item['text']!r} -> {result.text!r}"
                    )
                continue
            if not with_names and item.get("blind") is False:
                score.set_aside += 1
                continue
            kind = RedactionKind[item["kind"].upper()]
            score.total[item["kind"]] += 1
            spans = _occurrences(item["text"], text)
            also_kept = sum(
                other == {"kind": KEEP, "text": item["text"]} for other in case["items"]
            )
            if (
                sum(_is_covered(result, span, kind, text) for span in spans)
                >= len(spans) - also_kept
            ):
                score.found[item["kind"]] += 1
            else:
                seen = [_kinds_at(result, span) for span in spans]
                score.failures.append(
                    f"leak  {case['id']}: {item['kind']} {item['text']!r} (found as {seen}) -> {result.text!r}"
                )
    return score


def _table(blind: Score, known: Score) -> str:
    """Recall per kind and the keep rate, blind and with known names, as a Markdown table."""
    lines = ["| kind | items | recall, blind | recall, names given |", "|---|---|---|---|"]
    for kind in sorted(known.total, key=lambda k: -known.total[k]):
        lines.append(
            f"| {kind} | {known.total[kind]} | {blind.found[kind] / blind.total[kind]:.1%} "
            f"| {known.found[kind] / known.total[kind]:.1%} |"
        )
    lines.append(
        f"| keep (must survive) | {known.keep_total} | {blind.kept / blind.keep_total:.1%} "
        f"| {known.kept / known.keep_total:.1%} |"
    )
    lines.append(
        f"\n{len(CORPUS)} cases; {blind.set_aside} name items need the family's names and are not counted blind."
    )
    return "\n".join(lines)


def test_corpus_is_big_and_well_formed() -> None:
    assert len(CORPUS) >= 400
    identifiers = [case["id"] for case in CORPUS]
    assert len(identifiers) == len(set(identifiers)), "duplicate case ids"
    kinds = {kind.name.lower() for kind in RedactionKind} | {KEEP}
    for case in CORPUS:
        assert set(case) == {"id", "text", "known_names", "items"}, case["id"]
        for item in case["items"]:
            assert item["kind"] in kinds, (case["id"], item)
            assert item["text"] in case["text"], (
                f"{case['id']}: {item['text']!r} is not in its text"
            )


def test_recall_per_kind_and_keep_rate(capsys: pytest.CaptureFixture[str]) -> None:
    blind, known = _score(with_names=False), _score(with_names=True)
    with capsys.disabled():
        print("\n" + _table(blind, known))
    failures = blind.failures + known.failures
    for score in (blind, known):
        for kind, total in score.total.items():
            assert score.found[kind] / total >= REQUIRED_RECALL, "\n".join(failures)
        assert score.kept / score.keep_total >= REQUIRED_KEEP_RATE, "\n".join(failures)
