"""Finding homes in free text: addresses, postcodes and vehicle plates, for redaction.py.

An address is: a house number (14, 14a, 11-13) and a street ending in Road, Street, Lane, Close...
in any case ("17 london road", "11-13 high st"), unless the words show the number is a quantity
("5 minutes up the road"); a flat ("flat 9 bellview court", "Flat 3"); a house name ending in
Cottage, Farm, Forge, Barn, Lodge, Oast House... followed by its street ("The Old Forge, Church
Street"); and a street after "live on", "moved to", "address is" ("we live on Bramble Avenue").
A street on its own is a place on a route and is kept ("the bus goes down Tonbridge Road"), and so
are towns and the outward half of a postcode ("ME14").
"""

from __future__ import annotations

import re

Span = tuple[int, int]

POSTCODE = re.compile(r"(?<![\w])(?i:(?:[a-z]{1,2}\d[a-z\d]?|gir)\s?\d[abd-hjlnp-uw-z]{2})(?![\w])")
# Current (AB12 CDE, any case), prefix (P123 ABC) and suffix (ABC 123D) plates, in one pass.
_PLATE = re.compile(
    r"(?<![\w])(?:(?i:[a-z]{2}\d{2}\s?[a-z]{3})|[A-Z]\d{1,3}\s?[A-Z]{3}|[A-Z]{3}\s?\d{1,3}[A-Z])(?![\w])"
)

_SUFFIXES = (
    r"Road|Rd|Street|St|Lane|Ln|Avenue|Ave|Close|Cl|Drive|Dr|Way|Crescent|Cres|Gardens|Gdns|Court|Ct|Place|Pl"
    r"|Grove|Gr|Hill|Terrace|Terr|Walk|Mews|Row|Square|Sq|Parade|Pde|Rise|View|Park|Green|Vale|Chase|Meadows?"
    r"|Wharf|Gate|End|Fields|Orchards?|Heights|Hollow|Paddocks?|Copse|Leas|Glebe|Spinney|Pastures|Dene"
)
_WORD = r"[A-Za-z][\w'’.-]*"
_NUMBER = r"\d{1,4}[a-zA-Z]?(?:[-/]\d{1,4}[a-zA-Z]?)?"
_NUMBERED = re.compile(
    rf"(?<![\w£$€:.,/-]){_NUMBER},?[ \t]+(?P<words>(?:{_WORD}[ \t]+){{1,3}}?)(?P<suffix>(?i:{_SUFFIXES}))\.?(?![\w])"
)
_BUILDING = r"Court|House|Lodge|Heights|Tower|Point|Mansions|Block|Buildings|Apartments|Place|Close|Gardens|View|Quay|Wharf|Mews"
_FLAT = re.compile(
    rf"(?i:(?<![\w])(?:flat|apartment|apt|unit)\s*\d{{1,4}}[a-z]?(?:,?[ \t]+(?:{_WORD}[ \t]+){{1,3}}?(?:{_BUILDING}))?)(?![\w])"
)
_HOUSE = r"Cottages?|Farm|Farmhouse|Forge|Barn|Lodge|Mill|Oast(?:[ \t]+House)?|House|Bungalow|Manor|Granary|Stables|Villa|Rectory|Vicarage"
_HOUSE_NAME = re.compile(
    rf"(?i:(?<![\w])(?:{_WORD}[ \t]+){{0,3}}(?:{_HOUSE}),[ \t]*(?:{_WORD}[ \t]+){{1,3}}?(?:{_SUFFIXES}))\.?(?![\w])"
)
_LIVING = re.compile(
    rf"(?i:(?<![\w])(?:live|lives|living)[ \t]+(?:on|at|in)[ \t]+(?:the[ \t]+)?)"
    rf"(?P<street>(?:[A-Z][\w'’]*[ \t]+){{1,3}}?(?:{_SUFFIXES}))(?![\w])"
)
# Words that show a number is a quantity, not a house number ("5 minutes up the road").
_NOT_STREET_WORDS = frozenset(
    """the a an up down on in at to from of by for and or my our his her their this that same other wrong
    right next last first minutes minute mins min hours hour hrs seconds secs miles mile yards metres meters
    times days weeks kids children stops late early along round around across off past near behind with about
    after before into onto over under since until till than via per is was are were doors lights cars buses
    taxis drivers times people""".split()
)
# Street words that are also verbs or colours: in lower case they count only after "flat" or a street cue.
_AMBIGUOUS_LOWER = frozenset(
    {
        "close",
        "cl",
        "way",
        "green",
        "view",
        "park",
        "hill",
        "rise",
        "row",
        "walk",
        "place",
        "pl",
        "chase",
        "dr",
        "vale",
        "end",
        "gate",
        "fields",
        "square",
        "sq",
    }
)
_FLAT_WORD = re.compile(r"flat|apartment|apt|unit")
_HOUSE_WORD = re.compile(
    r"cottage|farm|forge|barn|lodge|mill|oast|house|bungalow|manor|granary|stables|villa|rectory|vicarage"
)
_HAS_DIGIT = re.compile(r"\d")
_ADDRESS_CUE = re.compile(
    r"(?i:address|live|lives|living|moved|moving|move|at|from|to|flat|unit)\W*$"
)


def postcode_spans(text: str) -> list[Span]:
    """Full UK postcodes, with or without the space, any case (ME14 1XQ, me141xq)."""
    return [m.span() for m in POSTCODE.finditer(text)]


def plate_spans(text: str) -> list[Span]:
    """Current (AB12 CDE, any case), prefix (P123 ABC) and suffix (ABC 123D) vehicle plates."""
    return [m.span() for m in _PLATE.finditer(text)]


def address_spans(text: str) -> list[Span]:
    """Numbered addresses, flats, house names with their street, and streets after "live on"."""
    lowered = text.lower()
    spans = [m.span() for m in _FLAT.finditer(text)] if _FLAT_WORD.search(lowered) else []
    if "," in text and _HOUSE_WORD.search(lowered):
        spans.extend(m.span() for m in _HOUSE_NAME.finditer(text))
    if "liv" in lowered:
        spans.extend(m.span("street") for m in _LIVING.finditer(text))
    numbered = _NUMBERED.finditer(text) if _HAS_DIGIT.search(text) else ()
    for match in numbered:
        words = match.group("words").lower().split()
        if any(word.strip(".,") in _NOT_STREET_WORDS for word in words[words[:1] == ["the"] :]):
            continue
        suffix = match.group("suffix")
        if (
            suffix.islower()
            and suffix.lower() in _AMBIGUOUS_LOWER
            and not _ADDRESS_CUE.search(text[: match.start()][-20:])
        ):
            continue  # "3 doors close", "2 lights went green": verbs and colours, not streets
        if suffix.lower() == "st" and suffix.islower() and len(words) != 1:
            continue
        spans.append(match.span())
    return spans
