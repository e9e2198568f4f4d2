"""Words and word tokens for finding names (services/privacy/names.py): cue words and the tokenizer.

A token is a word with its hyphens and apostrophes ("Lily-Rose", "O'Brien"), without a possessive
"'s", with its shape ("title", "upper", "lower") and whether it starts a sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from services.privacy.lexicon import fold

WORD = r"[^\W\d_]+(?:['’][^\W\d_]+)*(?:-[^\W\d_]+(?:['’][^\W\d_]+)*)*"
TOKEN_RE = re.compile(rf"([^\w ]|\d|_)?[ ]*({WORD})")
# Group 1: the character before the word and its spaces (empty after a word); group 2: the word.
ASCII_TOKEN_RE = re.compile(
    r"([^ A-Za-z]?)[ ]*([A-Za-z]+(?:['’][A-Za-z]+)*(?:-[A-Za-z]+(?:['’][A-Za-z]+)*)*)"
)
HONORIFICS = frozenset("mr mrs ms miss mx dr prof pan pani mister".split())
ROLES = frozenset(
    """driver drivers escort escorts pa chaperone officer caseworker coordinator co-ordinator teacher senco
    worker keyworker supervisor controller colleague nurse manager assistant""".split()
)
FAMILY = frozenset(
    """son sons daughter daughters child kid kids boy girl grandson granddaughter nephew niece twins twin
    husband wife partner brother sister stepson stepdaughter mama tata tatal syn corka fiul fiica""".split()
)
SPEECH = frozenset("called named hi hello hey dear thanks cheers regards love its it's".split())
SIGN_OFFS = frozenset("thanks cheers regards love wishes".split())
FILLERS = frozenset("called named is was the new our my its it's".split())
PHRASE_CUES = (
    "thank you",
    "kind regards",
    "best wishes",
    "many thanks",
    "this is",
    "my name is",
    "name is",
    "known as",
    "spoke to",
    "spoke with",
    "speaking to",
    "talked to",
    "asked for",
    "mum of",
    "dad of",
    "mother of",
    "father of",
    "carer of",
    "carer for",
    "parent of",
    "i am",
    "i'm",
)
AFTER_POSSESSIVE = frozenset(
    """mum mom dad mother father carer parent nan nanny grandma grandad driver escort pa wheelchair teacher
    class taxi bus transport seat medication epipen needs ehcp school coat bag""".split()
)
NAME_VERBS = frozenset(
    """was is has had hasnt hasn't wasnt wasn't isnt isn't did didnt didn't does doesnt doesn't cant can't
    cannot wont won't will loves likes hates gets got said says came went sat sits needs wants cried keeps
    screamed""".split()
)
WHERE_WORDS = frozenset(
    "in at near via towards outside past around into through opposite behind".split()
)
PLACE_WORDS = frozenset(
    "in at near via towards outside past around into through opposite behind to from the by".split()
)
INSTITUTION_WORDS = frozenset(
    """school academy college grammar primary infants infant juniors junior centre center hospital church
    memorial trust taxis taxi cars travel coaches transport court house hall castle park station
    crossing bank fields wood""".split()
)
IRISH_OR_ITALIAN_RE = re.compile(r"^(?:o|d|mc|mac)'[a-z]")
MONTH_NAMES = frozenset("may june april august".split())
SURNAME_MARKERS = frozenset("singh kaur kumar kumari bibi devi".split())
LOWER_HELD_BEFORE = frozenset(
    "with and collect collected collecting pick picked drop dropped for tell told".split()
)
CUES = HONORIFICS | ROLES | FAMILY | SPEECH
SENTENCE_BREAK = set('.!?:;\n\r\t"“”()[]')


@dataclass(slots=True)
class Token:
    """One word of the text: its place, its text without a possessive, and how it is written."""

    start: int
    end: int
    text: str
    lower: str
    shape: str  # "title", "upper" or "lower"
    sentence_start: bool
    possessive: bool
    follows: str  # the first character after the word and one space ("(" in "Ayomide (Ayo)")


def tokenize(folded: str) -> list[Token]:
    """Word tokens with the possessive "'s" left outside, and whether each starts a sentence."""
    tokens = []
    token_re = ASCII_TOKEN_RE if folded.isascii() else TOKEN_RE
    for match in token_re.finditer(folded):
        before, word = match.group(1, 2)
        start = match.start(2)
        stripped = word[:-2] if len(word) > 3 and word[-2] in "'’" and word[-1] in "sS" else word
        if before:
            sentence_start = before in SENTENCE_BREAK or not (
                before.isalnum() or before in ",&-/'’"
            )
        else:  # only spaces before: after a word, or at the very start of the text
            sentence_start = match.start() == 0
        shape = (
            "upper"
            if len(stripped) > 1 and stripped.isupper()
            else "title"
            if stripped[0].isupper()
            else "lower"
        )
        lower = stripped.lower()
        if "’" in lower:
            lower = lower.replace("’", "'")
        end = start + len(stripped)
        follows = folded[end : end + 2].lstrip(" ")[:1]
        tokens.append(
            Token(
                start,
                end,
                stripped,
                lower,
                shape,
                sentence_start,
                len(stripped) < len(word),
                follows,
            )
        )
    return tokens


def is_shouting(tokens: list[Token]) -> bool:
    """True when most words are in capitals, or Capitalised Like A Title: capitals say nothing of names."""
    if sum(token.shape == "upper" for token in tokens) * 2 > len(tokens):
        return True
    return len(tokens) > 3 and sum(token.shape == "title" for token in tokens) * 4 > len(tokens) * 3


def held_words(known_names: Sequence[str]) -> frozenset[str]:
    """Every word (and hyphenated part) of the names held for the case, lower case and unaccented."""
    words: set[str] = set()
    for name in known_names:
        for token in re.findall(WORD, fold(name)):
            lowered = token.lower().replace("’", "'")
            words.add(lowered)
            words.update(part for part in lowered.split("-") if len(part) > 1)
    return frozenset(word for word in words if len(word) > 1)


def next_token(tokens: list[Token], i: int) -> Token | None:
    """The token after i, if any."""
    return tokens[i + 1] if i + 1 < len(tokens) else None
