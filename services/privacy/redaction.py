"""The one redaction function for every text that leaves officer scope (PACT views, wide exports, report quotes).

Officers see free text as the family wrote it; everything else sees `redact(text, known_names=...)`.
It is deterministic and offline: patterns, Google's libphonenumber and word lists held in memory
(nothing is downloaded). Each removed piece becomes a placeholder naming its kind:
[name], [date of birth], [reference], [NHS number], [National Insurance number], [phone], [email],
[postcode], [address], [vehicle registration]. What each detector takes and leaves is described in
services/privacy/names.py (names in any case, with their surnames, wherever they recur),
services/privacy/patterns.py (phones, emails, dates of birth, NHS, NI and reference numbers) and
services/privacy/addresses.py (addresses, postcodes, plates).

Kept, on purpose: public service numbers (03..., 0800, 0808, 111, 999, 101), the council's and
PACT's published mailboxes, towns and areas, streets without a home on them, schools, operators,
council teams, days, dates other than dates of birth, times, durations, money, road numbers,
year groups, route labels ("Route 12", "R0012"), and ordinary words that are also names ("I will",
"grace period") unless written as a name.

Measured on tests/services/privacy/redaction_corpus.json (tests/services/privacy/test_redaction_corpus.py
prints recall per kind) and timed by `python -m benchmarks.redaction`. Not caught: descriptions that
identify a child without naming them ("the only wheelchair user at Oakwood"), names in non-Latin
scripts unless held, a surname alone that is also a word or a place ("Smith was rude"), a name in
lower case that is also an ordinary word ("with ruby") unless held, dateless plates (ABC 123) and
numbers spelled out in words.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from services.privacy import addresses, patterns
from services.privacy.names import find_name_spans


class RedactionKind(StrEnum):
    """What was removed; the value is the placeholder's wording."""

    NAME = "name"
    DATE_OF_BIRTH = "date of birth"
    NHS_NUMBER = "NHS number"
    NI_NUMBER = "National Insurance number"
    EMAIL = "email"
    PHONE = "phone"
    POSTCODE = "postcode"
    ADDRESS = "address"
    VEHICLE_REGISTRATION = "vehicle registration"
    REFERENCE = "reference"

    @property
    def placeholder(self) -> str:
        """The text put in place of what was removed, e.g. "[phone]"."""
        return f"[{self.value}]"


@dataclass(frozen=True, slots=True)
class Redaction:
    """One removed piece of the original text."""

    kind: RedactionKind
    start: int
    end: int
    original: str


@dataclass(frozen=True, slots=True)
class RedactionResult:
    """The redacted text and what was taken out of it (the originals stay in officer scope only)."""

    text: str
    redactions: tuple[Redaction, ...]

    @property
    def counts(self) -> dict[RedactionKind, int]:
        """How many of each kind were removed."""
        return dict(Counter(redaction.kind for redaction in self.redactions))


_JOINABLE_NAME_GAP = re.compile(r"^[ \t-]*$")
_DIGIT = re.compile(r"\d")


def redact(text: str, *, known_names: Sequence[str] = ()) -> str:
    """The text with names, contact details, addresses, plates and references replaced by placeholders."""
    return redact_with_details(text, known_names=known_names).text


def redact_with_details(text: str, *, known_names: Sequence[str] = ()) -> RedactionResult:
    """Like `redact`, also saying what was removed where (for officers' checks and tests)."""
    starts: list[int] = []  # the spans taken so far, sorted and not overlapping
    ends: list[int] = []
    chosen: list[Redaction] = []
    for kind, spans in _detections(text, known_names):
        for start, end in spans:
            at = bisect_right(starts, start)
            if (
                start >= end
                or (at and ends[at - 1] > start)
                or (at < len(starts) and starts[at] < end)
            ):
                continue
            starts.insert(at, start)
            ends.insert(at, end)
            if kind is not None:
                chosen.append(Redaction(kind=kind, start=start, end=end, original=text[start:end]))
    merged = _merge_adjacent_names(sorted(chosen, key=lambda redaction: redaction.start), text)
    return RedactionResult(text=_apply(text, merged), redactions=tuple(merged))


def _detections(
    text: str, known_names: Sequence[str]
) -> Iterator[tuple[RedactionKind | None, Iterable[tuple[int, int]]]]:
    """Each detector's spans, in priority order: an earlier one wins where spans overlap (None: kept)."""
    kind = RedactionKind
    if "@" in text:
        yield None, patterns.public_mailbox_spans(text)
        yield kind.EMAIL, patterns.email_spans(text)
    if _DIGIT.search(text):  # every detector but names and house names needs a digit
        yield kind.NHS_NUMBER, patterns.nhs_spans(text)
        yield kind.NI_NUMBER, patterns.ni_spans(text)
        yield kind.DATE_OF_BIRTH, patterns.date_of_birth_spans(text)
        yield None, patterns.public_number_spans(text)
        yield kind.PHONE, patterns.phone_spans(text)
        yield kind.POSTCODE, addresses.postcode_spans(text)
        yield kind.REFERENCE, list(patterns.reference_spans(text))
    yield kind.ADDRESS, sorted(addresses.address_spans(text), key=lambda span: span[0] - span[1])
    if _DIGIT.search(text):
        yield kind.VEHICLE_REGISTRATION, addresses.plate_spans(text)
        yield kind.REFERENCE, patterns.long_number_spans(text)
    yield (
        kind.NAME,
        sorted(find_name_spans(text, known_names=known_names), key=lambda span: span[0] - span[1]),
    )


def _merge_adjacent_names(redactions: list[Redaction], text: str) -> list[Redaction]:
    """Join names separated only by spaces or a hyphen ("[name] [name]" becomes "[name]")."""
    merged: list[Redaction] = []
    for redaction in redactions:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and previous.kind is redaction.kind is RedactionKind.NAME
            and _JOINABLE_NAME_GAP.match(text[previous.end : redaction.start])
        ):
            merged[-1] = Redaction(
                kind=RedactionKind.NAME,
                start=previous.start,
                end=redaction.end,
                original=text[previous.start : redaction.end],
            )
        else:
            merged.append(redaction)
    return merged


def _apply(text: str, redactions: Sequence[Redaction]) -> str:
    """Rebuild the text with each redaction's placeholder in its place."""
    pieces: list[str] = []
    cursor = 0
    for redaction in redactions:
        pieces.append(text[cursor : redaction.start])
        pieces.append(redaction.kind.placeholder)
        cursor = redaction.end
    pieces.append(text[cursor:])
    return "".join(pieces)
