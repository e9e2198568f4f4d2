"""The one redaction function for every text that leaves officer scope (PACT views, wide exports, report quotes).

Officers see free text as the family wrote it; everything else sees `redact(text, known_names=...)`.
It is deterministic, offline and fast (plain regular expressions plus a name list held in memory).

Removed, each replaced with a readable placeholder:
- [name]: the carer's and child's names as held (`known_names`, any case, possessives keep their "'s"),
  and other personal names where detectable (see services/privacy/names.py: honorifics, context
  such as "my son Tom" or "driver Dave", and a first-name list);
- [email]: email addresses;
- [phone]: UK phone numbers in the usual shapes (07700 900123, 07700-900-123, (01622) 123456,
  +44 (0)7700 900123, 0044 ...) and international numbers written with "+" (+48 601 234 567);
- [postcode]: full UK postcodes, with or without the space, any case (ME14 1XQ, me141xq);
- [address]: a house number with a street name ending in Road, Rd, Street, St, Lane, Avenue, Close,
  Drive, Way, Crescent, Gardens, Court, Place, Grove, Hill, Terrace, Walk, Mews, Row, Square, Parade,
  Rise, View, Park, Green, Vale, Chase, Meadow(s), Wharf (with an optional "Flat 3," in front);
- [vehicle registration]: current (AB12 CDE, any case), prefix (P123 ABC) and suffix (ABC 123D) plates;
- [reference]: complaint references (HTST-2026-00042), council-style references (KCC-000123,
  ABC/12345), Carerline linking codes (K7QM-4TXD-P2), National Insurance numbers, and any run of 7 or
  more digits (account, NHS and case numbers, 943 476 5919).

Kept, on purpose: towns and areas (Kent, Maidstone, ME14 on its own), street names without a house
number ("on Tonbridge Road": a street, not a home), schools, operators, council teams, days, dates,
months, times (7:45), durations ("10 minutes late"), money, road numbers (A20, M2), year groups, and
route labels ("Route 12", "R0012"), because a route is shared by many children and is what reports
are grouped by.

Not caught (officers curating report quotes still read them): house names ("Rose Cottage"), a
surname on its own, names in lower case, ALL CAPITALS or non-Latin scripts unless held, descriptions
that identify a child without naming them ("the only wheelchair user at Oakwood"), dateless plates
(ABC 123) and numbers spelled out in words.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from services.privacy.names import find_name_spans


class RedactionKind(StrEnum):
    """What was removed; the value is the placeholder's wording."""

    NAME = "name"
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


_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_COMPLAINT_REFERENCE = re.compile(r"(?<![\w-])(?i:htst)[-\s]?\d{4}[-\s]?\d{3,}(?![\w-])")
_COUNCIL_REFERENCE = re.compile(
    r"(?<![\w/-])(?:[A-Z]{2,6}[-/]?\d{3,}|(?i:[a-z]{2,6})-\d{3,}|[A-Z]{2,6} \d{4,})(?:[-/]\d+)*(?![\w/-])"
)
_LINKING_CODE = re.compile(
    r"(?<![\w-])(?:[0-9A-Z]{4}[-\s][0-9A-Z]{4}[-\s][0-9A-Z]{2}|(?i:[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{2}|[0-9a-z]{10}))(?![\w-])"
)
_NATIONAL_INSURANCE = re.compile(r"(?<![\w])(?i:[a-z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[a-d])(?![\w])")
_UK_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\s?44\s?(?:\(0\)\s?)?|\(0|0)\d{2,5}\)?[\s.-]?\d{3,4}[\s.-]?\d{3,4}(?!\d)"
)
_INTERNATIONAL_PHONE = re.compile(r"(?<![\w+])\+\s?\d{1,3}(?:[\s.-]?\(?\d{1,4}\)?){2,5}(?!\d)")
_POSTCODE = re.compile(
    r"(?<![\w])(?i:(?:[a-z]{1,2}\d[a-z\d]?|gir)\s?\d[abd-hjlnp-uw-z]{2})(?![\w])"
)
_STREET_SUFFIXES = (
    r"Road|Rd|Street|St|Lane|Ln|Avenue|Ave|Close|Cl|Drive|Dr|Way|Crescent|Cres|Gardens|Gdns|Court|Ct|Place|Pl"
    r"|Grove|Gr|Hill|Terrace|Terr|Walk|Mews|Row|Square|Sq|Parade|Pde|Rise|View|Park|Green|Vale|Chase|Meadows?|Wharf"
)
_ADDRESS = re.compile(
    r"(?<![\w£$€:.,/])(?:(?i:flat|apartment|apt|unit)\s*\d{1,4}[a-zA-Z]?,?\s+)?\d{1,4}[a-zA-Z]?(?:[-/]\d{1,4}[a-zA-Z]?)?,?"
    rf"[ \t]+(?P<words>(?:[A-Za-z][\w'’.-]*[ \t]+){{1,3}}?)(?P<suffix>(?i:{_STREET_SUFFIXES}))\.?(?![\w])"
)
# Words that show a number is a quantity, not a house number ("5 minutes up the road").
_NOT_STREET_WORDS = frozenset(
    """the a an up down on in at to from of by for and or my our his her their this that same other wrong
    right next last first minutes minute mins min hours hour hrs seconds secs miles mile yards metres meters
    times days weeks kids children stops late early along round around across off past near behind with about
    after before into onto over under since until till than via per is was are were""".split()
)
# Lower-case street words people really type ("12 station road"); the others only count capitalised.
_LOWER_CASE_SUFFIXES = frozenset(
    {"road", "rd", "street", "lane", "avenue", "ave", "crescent", "gardens", "terrace", "mews"}
)
_CURRENT_PLATE = re.compile(r"(?<![\w])(?i:[a-z]{2}\d{2}\s?[a-z]{3})(?![\w])")
_PREFIX_PLATE = re.compile(r"(?<![\w])[A-Z]\d{1,3}\s?[A-Z]{3}(?![\w])")
_SUFFIX_PLATE = re.compile(r"(?<![\w])[A-Z]{3}\s?\d{1,3}[A-Z](?![\w])")
_LONG_DIGITS = re.compile(r"(?<![\w£$€.,:/-])\d(?:[ -]?\d){6,}(?![\w])")
_JOINABLE_NAME_GAP = re.compile(r"^[ \t-]*$")


def redact(text: str, *, known_names: Sequence[str] = ()) -> str:
    """The text with names, contact details, addresses, plates and references replaced by placeholders."""
    return redact_with_details(text, known_names=known_names).text


def redact_with_details(text: str, *, known_names: Sequence[str] = ()) -> RedactionResult:
    """Like `redact`, also saying what was removed where (for officers' checks and tests)."""
    chosen: list[Redaction] = []
    for kind, spans in _detections(text, known_names):
        for start, end in spans:
            if start < end and not any(start < taken.end and taken.start < end for taken in chosen):
                chosen.append(Redaction(kind=kind, start=start, end=end, original=text[start:end]))
    merged = _merge_adjacent_names(sorted(chosen, key=lambda redaction: redaction.start), text)
    return RedactionResult(text=_apply(text, merged), redactions=tuple(merged))


def _detections(
    text: str, known_names: Sequence[str]
) -> Iterator[tuple[RedactionKind, list[tuple[int, int]]]]:
    """Each detector's spans, in priority order: an earlier detector wins where spans overlap."""
    kind = RedactionKind
    yield kind.EMAIL, _spans(_EMAIL, text)
    yield kind.REFERENCE, _spans(_COMPLAINT_REFERENCE, text) + _spans(_NATIONAL_INSURANCE, text)
    yield (
        kind.PHONE,
        _spans(_UK_PHONE, text, keep=_is_uk_phone)
        + _spans(_INTERNATIONAL_PHONE, text, keep=_is_phone),
    )
    yield kind.POSTCODE, _spans(_POSTCODE, text)
    yield (
        kind.REFERENCE,
        _spans(_COUNCIL_REFERENCE, text) + _spans(_LINKING_CODE, text, keep=_is_code),
    )
    yield kind.ADDRESS, _address_spans(text)
    yield (
        kind.VEHICLE_REGISTRATION,
        (_spans(_CURRENT_PLATE, text) + _spans(_PREFIX_PLATE, text) + _spans(_SUFFIX_PLATE, text)),
    )
    yield kind.REFERENCE, _spans(_LONG_DIGITS, text)
    yield (
        kind.NAME,
        sorted(find_name_spans(text, known_names=known_names), key=lambda span: span[0] - span[1]),
    )


def _spans(
    pattern: re.Pattern[str], text: str, *, keep: Callable[[str], bool] | None = None
) -> list[tuple[int, int]]:
    """Spans of a pattern's matches that pass the optional check."""
    return [match.span() for match in pattern.finditer(text) if keep is None or keep(match.group())]


def _digits(text: str) -> int:
    """How many digits a string holds."""
    return sum(char.isdigit() for char in text)


def _is_uk_phone(candidate: str) -> bool:
    """10 or 11 digits nationally (0...), or 44 plus 9 or 10 digits."""
    digits = re.sub(r"\D", "", candidate)
    if digits.startswith("0044"):
        digits = digits[2:]
    if digits.startswith("44"):
        return len(digits) in (11, 12, 13)
    return len(digits) in (10, 11)


def _is_phone(candidate: str) -> bool:
    """International numbers hold 8 to 15 digits."""
    return 8 <= _digits(candidate) <= 15


def _is_code(candidate: str) -> bool:
    """A linking code mixes letters and digits (so words and plain numbers are not taken for codes)."""
    return any(char.isdigit() for char in candidate) and any(char.isalpha() for char in candidate)


def _address_spans(text: str) -> list[tuple[int, int]]:
    """House number and street name, unless the words show the number is a quantity."""
    spans = []
    for match in _ADDRESS.finditer(text):
        words = match.group("words").lower().split()
        if any(word.strip(".,") in _NOT_STREET_WORDS for word in words):
            continue
        suffix = match.group("suffix")
        if suffix.islower() and suffix not in _LOWER_CASE_SUFFIXES:
            continue  # "3 doors close", "2 lights went green": verbs and colours, not streets
        spans.append(match.span())
    return spans


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
