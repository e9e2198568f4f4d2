"""Finding people's names in free text, in any case, for services/privacy/redaction.py.

The text is split into word tokens (hyphenated and apostrophe names are one token: "Lily-Rose",
"O'Brien"). A token starts a name when:
1. it is a word of a name held for the case (`known_names`), in any case; a held name that is also an
   ordinary word ("Will", "Grace") only when written as a name (see `_reads_as_name`);
2. it follows an honorific (Mr, Mrs, Ms, Miss, Mx, Dr, Prof, Pan, Pani: "mrs patel", "MR JONES"), a
   role ("driver daz", "the PA called Kev", "escort lorraine"), a family word ("my son zac", "mama
   Olka"), a greeting or sign-off ("hi its tash", "Regards, Abi") or comes before "'s mum" and the like;
3. it is a given name (services/privacy/lexicon.py) that is not an ordinary English word, in any case
   ("jayden", "ALFIE"); a given name that is also an ordinary word only when written as a name;
4. it is a capitalised word inside a sentence that is neither an ordinary word, nor a proper noun
   the dictionary knows, nor after a word of place ("Could Olek sit...", but "to Bluewater").
A name then takes the words after it that read as its surname ("Gurpreet Singh Dhillon", "anna
nowak-kowalska"), and "X and Y". Every word of every name found is then removed wherever else it
stands in the text (an ordinary-word name only where it reads as a name).

Kept: schools and operators named after people ("Charles Dickens School"), places, days, months,
characters ("Mr Tumble"), and the words in lexicon.KEEP_PHRASES.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence

from services.privacy.name_words import (
    AFTER_POSSESSIVE,
    CUES,
    FILLERS,
    HONORIFICS,
    INSTITUTION_WORDS,
    IRISH_OR_ITALIAN_RE,
    LOWER_HELD_BEFORE,
    MONTH_NAMES,
    NAME_VERBS,
    PHRASE_CUES,
    PLACE_WORDS,
    SIGN_OFFS,
    SURNAME_MARKERS,
    Token,
    WHERE_WORDS,
    held_words,
    is_shouting,
    next_token,
    tokenize,
)
from services.privacy.lexicon import (
    AMBIGUOUS_FIRST_NAMES,
    KEEP_PHRASES,
    NOT_PERSONAL,
    PLACE_FIRST_NAMES,
    STOPWORDS,
    common_first_names,
    english_words,
    first_names,
    fold,
    is_english_word,
    popular_first_names,
    proper_nouns,
)

_KEEP_RE = re.compile(
    r"(?<!\w)(?:" + "|".join(re.escape(p) for p in KEEP_PHRASES) + r")(?!\w)", re.IGNORECASE
)


def find_name_spans(text: str, *, known_names: Sequence[str] = ()) -> list[tuple[int, int]]:
    """(start, end) of every name found in `text`, possibly overlapping, in no particular order."""
    folded = fold(text)
    tokens = tokenize(folded)
    if not tokens:
        return []
    shouting = is_shouting(tokens)
    held = held_words(known_names)
    starts = [token.start for token in tokens]
    kept = {
        i
        for match in _KEEP_RE.finditer(folded)
        for i in range(bisect_left(starts, match.start()), bisect_left(starts, match.end()))
    }
    found: set[int] = set()
    english, common = english_words(), common_first_names()
    for i, token in enumerate(tokens):
        word = token.lower
        if word not in held and (
            word in STOPWORDS or token.shape == "lower" and word in english and word not in common
        ):
            continue  # the common case, an ordinary word in lower case: no rule takes it
        if i in kept:
            continue
        if _is_name_start(tokens, i, held=held, shouting=shouting):
            found.add(i)
    found |= _extend(tokens, found, kept=kept, shouting=shouting)
    found |= _everywhere(tokens, found, kept=kept, held=held, shouting=shouting)
    return [(tokens[i].start, tokens[i].end) for i in sorted(found)] + _honorific_spans(
        tokens, found
    )


def _is_ordinary(word: str) -> bool:
    """A stop word, an ordinary English word or one of the ambiguous given names."""
    return word in STOPWORDS or word in AMBIGUOUS_FIRST_NAMES or is_english_word(word)


def _writes_as_name(token: Token, *, shouting: bool) -> bool:
    """Capitalised or in capitals, in a text where capitals mean something."""
    return token.shape != "lower" and not shouting


def _reads_as_name(tokens: list[Token], i: int, *, shouting: bool) -> bool:
    """An ordinary-word name used as a name: capitalised inside a sentence, or before "was", "is"..."""
    token, following = tokens[i], next_token(tokens, i)
    if _writes_as_name(token, shouting=shouting):
        if not token.sentence_start:
            return True
        return following is not None and (
            following.lower in NAME_VERBS
            or following.shape == "title"
            and not _is_ordinary(following.lower)
        )
    if following is not None and following.lower in NAME_VERBS - {"will"}:
        return True
    previous = tokens[i - 1] if i else None
    return (
        previous is not None
        and previous.lower in LOWER_HELD_BEFORE
        and (following is None or following.start > token.end + 1)
    )


def _is_name_start(tokens: list[Token], i: int, *, held: frozenset[str], shouting: bool) -> bool:
    """Whether token i is a name on its own (held, after a context word, listed, or unknown)."""
    token = tokens[i]
    word = token.lower
    if (
        token.shape == "lower"
        and word not in held
        and word in english_words()
        and word not in common_first_names()
    ):
        return False  # the common case, an ordinary word: no rule below takes it
    parts = word.split("-")
    if word in held or parts[0] in held:
        if not _is_ordinary(word):
            return True
        if (
            word not in AMBIGUOUS_FIRST_NAMES
            and word not in STOPWORDS
            and _writes_as_name(token, shouting=shouting)
        ):
            return True  # the family's "Kyle", "Harry": ordinary words too, but capitalised as a name here
        return _reads_as_name(tokens, i, shouting=shouting)
    if len(word) < 2 or token.shape == "upper" and not shouting and len(word) < 4:
        return False  # "NI", "PE", "SEN": abbreviations
    if word in NOT_PERSONAL:
        return (
            word in MONTH_NAMES
            and token.sentence_start
            and _reads_as_name(tokens, i, shouting=shouting)
        )
    previous = tokens[i - 1].lower if i else ""
    if word in PLACE_FIRST_NAMES and previous in PLACE_WORDS:
        return False  # "moved from Chelsea"
    if _after_context(tokens, i, shouting=shouting) or _before_possessive(tokens, i):
        return not _names_an_institution(tokens, i)
    names = first_names()
    if all(part in names for part in parts) or parts[0] in names:
        if _after_where(tokens, i):
            return False  # "at Oakley", "at William Harvey": places
        if _names_an_institution(tokens, i):
            return False
        if not _is_ordinary(word):
            common = common_first_names()
            return token.shape == "title" or all(
                part in common for part in parts
            )  # a rare name: capitalised only
        if not _writes_as_name(token, shouting=shouting):
            following = next_token(tokens, i)  # "bobby says": a popular name before a verb
            return (
                word in popular_first_names()
                and word not in AMBIGUOUS_FIRST_NAMES
                and following is not None
                and following.lower in NAME_VERBS
            )
        if word in popular_first_names() and word not in AMBIGUOUS_FIRST_NAMES:
            return (
                True  # "Kyle", "Jenny", "Peter": ordinary words too, but rarely capitalised as one
            )
        if token.possessive:
            return True  # "Mick's driving"
        return word in common_first_names() and _reads_as_name(tokens, i, shouting=shouting)
    return _is_unknown_name(tokens, i, shouting=shouting)


def _after_where(tokens: list[Token], i: int) -> bool:
    """A run of capitalised words straight after "at", "in", "near"... ("at William Harvey", a hospital)."""
    j = i
    while j > 0 and tokens[j].shape == "title" and not tokens[j].sentence_start:
        if tokens[j - 1].lower in WHERE_WORDS:
            return True
        j -= 1
    return False


def _after_context(tokens: list[Token], i: int, *, shouting: bool) -> bool:
    """After an honorific, role, family or speech word, with a word that can be a name."""
    token = tokens[i]
    if token.lower in STOPWORDS:
        return False
    if _is_ordinary(token.lower):
        if token.lower not in common_first_names():
            return False  # "I am Disappointed", "the teacher rang"
        if not _writes_as_name(token, shouting=shouting) and (
            token.lower in AMBIGUOUS_FIRST_NAMES or token.lower not in popular_first_names()
        ):
            return False  # "the driver will", "the driver said" (but "social worker jenny")
    for j in range(i - 1, max(i - 4, -1), -1):
        cue = tokens[j].lower
        if tokens[j + 1].sentence_start and cue not in SIGN_OFFS:
            return False
        pair = f"{tokens[j - 1].lower} {cue}" if j else cue
        trio = f"{tokens[j - 2].lower} {pair}" if j > 1 else pair
        if cue in CUES or pair in PHRASE_CUES or trio in PHRASE_CUES:
            return True
        if cue not in FILLERS:
            return False
    return False


def _before_possessive(tokens: list[Token], i: int) -> bool:
    """ "X's mum", "X's taxi": a name before a possessive and a family or transport word."""
    token, following = tokens[i], next_token(tokens, i)
    if (
        following is None
        or token.lower in STOPWORDS
        or is_english_word(token.lower)
        and token.shape == "lower"
    ):
        return False
    return token.possessive and following.lower in AFTER_POSSESSIVE


def _names_an_institution(tokens: list[Token], i: int) -> bool:
    """The next one to four capitalised words end in School, Academy, Cars... ("Hugh Christie School")."""
    for j in range(i + 1, min(i + 5, len(tokens))):
        if tokens[j].shape != "title" or tokens[j].start - tokens[j - 1].end > 1:
            return False
        if tokens[j].lower in INSTITUTION_WORDS:
            return True
    return False


def _is_unknown_name(tokens: list[Token], i: int, *, shouting: bool) -> bool:
    """A capitalised word no dictionary knows, inside a sentence and not after a word of place."""
    token = tokens[i]
    if (
        shouting
        or token.shape != "title"
        or token.lower in NOT_PERSONAL
        or is_english_word(token.lower)
    ):
        return False
    word = token.lower
    known = proper_nouns()
    if (
        word in known or word[:-1] in known or word[:-1] in NOT_PERSONAL
    ) and not IRISH_OR_ITALIAN_RE.match(word):
        return (
            False  # places, brands, surnames and days the dictionary knows ("Snodland", "Tuesdays")
        )
    previous = tokens[i - 1] if i else None
    if previous is not None and previous.lower in PLACE_WORDS and not token.sentence_start:
        return False
    if (
        previous is not None
        and previous.shape == "title"
        and is_english_word(previous.lower)
        and not token.sentence_start
    ):
        return False  # "Travel Saver", "Customer Services": a name of a thing
    if _names_an_institution(tokens, i):
        return False
    following = next_token(tokens, i)
    if token.sentence_start:
        if token.follows == "(":
            return True  # "Ayomide (Ayo) gets anxious"
        return following is not None and (
            following.lower in NAME_VERBS - {"will"} or _is_third_person_verb(following)
        )
    return following is None or following.shape != "title" or not _is_ordinary(following.lower)


def _is_third_person_verb(token: Token) -> bool:
    """ "travels", "cried": an ordinary lower-case word in -s or -ed, as after a name starting a sentence."""
    word = token.lower
    return (
        token.shape == "lower"
        and word.endswith(("s", "ed"))
        and not word.endswith("ss")
        and is_english_word(word)
    )


def _extend(tokens: list[Token], found: set[int], *, kept: set[int], shouting: bool) -> set[int]:
    """Surnames after a name ("Anna Nowak-Kowalska", "simran kaur gill") and "X and Y"."""
    extra: set[int] = set()
    for i in sorted(found):
        j = i
        while j + 1 < len(tokens) and j + 1 not in kept and j - i < 3:
            nxt = tokens[j + 1]
            if (
                nxt.start - tokens[j].end != 1
                or nxt.lower in NOT_PERSONAL
                or nxt.lower in STOPWORDS
            ):
                break
            marker = tokens[j].lower in SURNAME_MARKERS
            if tokens[i].shape == "title" and not shouting:
                if (
                    nxt.shape != "title"
                    or nxt.lower in INSTITUTION_WORDS
                    or _names_an_institution(tokens, j + 1)
                ):
                    break
            elif nxt.shape != tokens[i].shape or not marker and _is_ordinary(nxt.lower):
                break
            j += 1
            extra.add(j)
        conjunction = tokens[j + 1] if j + 1 < len(tokens) else None
        partner = tokens[j + 2] if j + 2 < len(tokens) else None
        if (
            conjunction
            and partner
            and conjunction.lower == "and"
            and partner.shape == tokens[i].shape != "lower"
        ):
            if (
                partner.lower not in NOT_PERSONAL - {"jan", "may", "june", "april"}
                and partner.lower not in STOPWORDS
            ):
                extra.add(j + 2)
    return extra


def _everywhere(
    tokens: list[Token], found: set[int], *, kept: set[int], held: frozenset[str], shouting: bool
) -> set[int]:
    """Every other place a found name's words stand (an ordinary-word name only where it reads as one)."""
    words = {tokens[i].lower for i in found} | {
        part for i in found for part in tokens[i].lower.split("-") if len(part) > 2
    }
    words = {
        word for word in words if word not in STOPWORDS and word not in NOT_PERSONAL or word in held
    }
    extra = set()
    for i, token in enumerate(tokens):
        if i in found or i in kept or token.lower not in words:
            continue
        if not _is_ordinary(token.lower) or _reads_as_name(tokens, i, shouting=shouting):
            extra.add(i)
    return extra


def _honorific_spans(tokens: list[Token], found: set[int]) -> list[tuple[int, int]]:
    """The honorific before a found name ("Mrs" in "Mrs Foster", "Mr and Mrs" in "Mr and Mrs Kaya")."""
    spans = []
    for i in found:
        j = i - 1
        while j >= 0 and (
            tokens[j].lower in HONORIFICS
            or tokens[j].lower == "and"
            and j > 0
            and tokens[j - 1].lower in HONORIFICS
        ):
            j -= 1
        if j < i - 1:
            spans.append((tokens[j + 1].start, tokens[i - 1].end))
    return spans
