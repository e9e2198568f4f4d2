"""Finding people's names in free text, for services/privacy/redaction.py.

Four detectors, strongest first:
1. names held for the case (`known_names`): every word of each name, whole words, ignoring case and
   accents ("Zoe" finds "Zoë"); a held name that is also an ordinary word ("Will", "Grace") only when
   capitalised, so "I will call" survives;
2. honorifics: Mr, Mrs, Ms, Miss, Mx, Dr, Prof, Pan, Pani with the capitalised name after them;
3. context: a capitalised word after "my son", "the driver", "escort", "called", "Hi", "Thanks",
   "Regards" and similar, or before "'s mum/dad/driver/...";
4. a first-name list: capitalised words found in the given-name dictionary shipped in the
   `gender-guesser` package (names common in Britain, Ireland and the USA, and the most common in
   Poland, Lithuania, Romania, India and other countries Kent families come from), plus a small
   supplement of recent UK baby names. Words that are also ordinary English words or places ("Will",
   "May", "Kent", "Chelsea") count only with a capitalised surname after them.
A capitalised word straight after a found first name is taken as the surname ("Anna Nowak-Kowalska").

Not caught: a surname on its own without an honorific ("Smith was rude"), names written in lower
case or ALL CAPITALS (unless held), names in non-Latin scripts, and first names missing from the list
with no context. Place names or organisations that are also first names are kept only when listed in
`NOT_PERSONAL`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from functools import lru_cache
from importlib.resources import files

# Countries' columns in gender-guesser's nam_dict.txt (its Detector.COUNTRIES order), and the minimum
# frequency (1 rare .. D = 13 very common) a name needs there to be on our list.
_ENGLISH_SPEAKING_COLUMNS = (0, 1, 2)  # Great Britain, Ireland, USA: any frequency
_OTHER_COLUMNS = (3, 5, 6, 7, 12, 21, 22, 23, 24, 25, 26, 27, 28, 36, 37, 38, 41, 46, 47, 50)
_COMMON_ENOUGH_CODES = frozenset("3456789ABCD")  # hexadecimal frequency 3 or more
_FREQUENCIES_START = 30

# Recent UK and Polish given names missing from the 2008 dictionary.
SUPPLEMENTARY_FIRST_NAMES = frozenset(
    "alfie arjun oliwia kwame chidi oluwaseun ionut freya harley kayden jayden brody rocco reggie ronnie "
    "albie arlo nevaeh aaliyah amelia maisie evie elsie ayla aria nova mila remi rory ezra".split()
)

# First names that are also ordinary words, places or organisations: names only with a surname or context.
AMBIGUOUS_FIRST_NAMES = frozenset(
    """will grace hope may june april august mark bill rob frank dawn joy faith amber summer autumn winter
    sunny rich penny chase miles guy gene art sky storm river dale cliff heath lane van kent nan easter angel
    king prince duke earl major don sad ban chance charity
    cherish diamond dick earnest freeman grant hardy harmony harsh heaven honor honour ideal jewel justice
    liberty loyal marvel merry miracle noble precious sincere sunshine win can ear era red key bee con pal
    ram tan tab gay bud hay non mon ion dot peg kit pip mar gar des del nil bet cam cal hew hod kip mac mir
    rab rim rod sal sol tad tod zed max sky lea lin lu su di ed fe mo ty al ap
    paris chelsea india asia florence victoria sydney austin lincoln chester jordan york devon kerry
    carmen page price young little brown
    white green black gray grey long short early late best clay stone brook brooks ford bay
    field fields hall hill wood woods church bishop pope nurse doctor teacher driver""".split()
)

# Capitalised words that are never taken for a person's name, even after a context word.
NOT_PERSONAL = frozenset(
    """i i'm i've i'll i'd the a an and but or so if it its it's this that these those he she they we you
    my our his her their your me him us them no yes not ok okay hi hello dear thanks thank please sorry
    monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun
    january february march april may june july august september october november december jan feb mar apr
    jun jul aug sep sept oct nov dec christmas easter today tomorrow yesterday morning afternoon evening
    kent maidstone ashford canterbury dover folkestone thanet margate ramsgate broadstairs sevenoaks tonbridge
    tunbridge wells gravesend dartford swanley sittingbourne faversham whitstable herne bay deal sandwich hythe
    romney tenterden cranbrook edenbridge westerham sheppey sheerness medway chatham rochester gillingham
    strood larkfield snodland aylesford staplehurst headcorn marden lenham minster birchington westgate sturry
    swale malling london england britain uk english polish british sussex essex surrey bexley bromley
    county council school academy college hospital station church team office department service services
    transport route road street lane avenue close drive way crescent gardens court place grove hill terrace
    pact kcc sen send ehcp sendiass ofsted nhs gp senco pa mum mom dad nan nanny grandma grandad mother father
    sir madam god lord year term week half bus taxi car minibus coach driver escort officer manager
    primary secondary special unit""".split()
)

_HONORIFIC = r"(?i:mr|mrs|ms|miss|mx|dr|prof|pan|pani)\.?"
_NAME = r"(?:[A-Z]['’])?(?:Ma?c)?[A-Z][a-z]+(?:-(?:[A-Z]['’])?[A-Z][a-z]+)*"
_NAME_RE = re.compile(rf"(?<![\w'’-]){_NAME}(?![\w])")
_HONORIFIC_RE = re.compile(
    rf"(?<![\w]){_HONORIFIC}\s+(?:[A-Z]\.?\s+)?{_NAME}(?:[ \t]+{_NAME})?(?![\w])"
)
_FAMILY = (
    r"(?:my|our|his|her|their)\s+(?:(?:little|youngest|eldest|oldest|middle|twin|foster|step|grand)\s*)?"
    r"(?:son|sons|daughter|daughters|child|children|kids?|boy|girl|grandson|granddaughter|nephew|niece|twins?"
    r"|husband|wife|partner|brother|sister|stepson|stepdaughter|one)"
)
_ROLE = (
    r"(?:driver|drivers|escort|pa|passenger\s+assistant|chaperone|officer|case\s*(?:worker|officer)|co-?ordinator"
    r"|manager|teacher|senco|head\s*teacher|social\s+worker|key\s*worker|supervisor|controller|colleague|lady|man)"
)
_INTRODUCTION = (
    r"(?:i\s+am|i'm|this\s+is)"  # "I am Disappointed": only a listed first name counts here
)
_SPEECH = (
    r"(?:called|named|name\s+is|name's|known\s+as|spoke\s+(?:to|with)|speaking\s+(?:to|with)"
    r"|talked\s+to|asked\s+for|thank\s+you|thanks|cheers|dear|hi|hello|hey|regards|kind\s+regards|best\s+wishes"
    r"|many\s+thanks|love|mum\s+of|dad\s+of|mother\s+of|father\s+of|carer\s+(?:of|for)|parent\s+of)"
)
_CONTEXT_RE = re.compile(
    rf"(?<![\w])(?i:{_FAMILY}|{_ROLE}|{_SPEECH}|(?P<intro>{_INTRODUCTION}))[ \t]*,?\s+(?P<name>{_NAME})"
    rf"(?P<more>(?:[ \t]+{_NAME})?)(?![\w])"
)
# Schools, operators and buildings named after people ("Charles Dickens School") are not people.
_INSTITUTION_AFTER_RE = re.compile(
    r"(?:[ \t]+(?:[A-Z][\w'’]*|of|the)){0,4}?[ \t]+(?:School|Academy|College|Grammar|Primary|Infants?|Juniors?"
    r"|Centre|Center|Hospital|Church|Memorial|Trust|Taxis?|Cars|Travel|Coaches|Transport|Court|House|Hall)(?![\w])"
)
_LOWER_AFTER_FAMILY_RE = re.compile(
    rf"(?<![\w])(?i:{_FAMILY})[ \t]*,?[ \t]+(?P<name>[a-z]+)(?![\w])"
)
_POSSESSIVE_RE = re.compile(
    rf"(?<![\w'’-])(?P<name>{_NAME})['’]s\s+(?i:mum|mom|dad|mother|father|carer|parent|nan|grandma|grandad"
    r"|driver|escort|pa|wheelchair|teacher|class|taxi|bus|transport|pick-?up|seat|medication|epipen|needs|ehcp)(?![\w])"
)
_HELD_WORD_RE = re.compile(r"[\w'’-]+")
_FOLDS = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "s", "ı": "i"}
)


def fold(text: str) -> str:
    """Strip accents one character for one character, so positions in the result match the input."""
    if text.isascii():
        return text
    return "".join(_fold_char(char) for char in text.translate(_FOLDS))


def _fold_char(char: str) -> str:
    """The unaccented base letter of one character (itself if it has none)."""
    if char.isascii():
        return char
    base = unicodedata.normalize("NFKD", char)[0]
    return base if base.isalpha() else char


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Lower-case, unaccented given names from gender-guesser's dictionary, filtered to Kent's communities."""
    data = files("gender_guesser").joinpath("data/nam_dict.txt").read_text(encoding="utf-8")
    found: set[str] = set(SUPPLEMENTARY_FIRST_NAMES)
    for line in data.splitlines():
        if not line or line[0] in "#=":
            continue
        if _is_common_enough(line[_FREQUENCIES_START:].rstrip("\r")):
            raw = line.split()[1]
            name = (raw if raw.isascii() else fold(raw)).lower()
            found.update(name.replace("+", joiner) for joiner in ("", " ", "-"))
    return frozenset(found)


def _is_common_enough(frequencies: str) -> bool:
    """Any frequency in Britain, Ireland or the USA, or a common one in another listed country."""
    if frequencies[: len(_ENGLISH_SPEAKING_COLUMNS)].strip():
        return True
    return any(
        frequencies[column : column + 1] in _COMMON_ENOUGH_CODES for column in _OTHER_COLUMNS
    )


def find_name_spans(text: str, *, known_names: Sequence[str] = ()) -> list[tuple[int, int]]:
    """(start, end) of every name found in `text`, possibly overlapping, in no particular order."""
    folded = fold(text)
    spans = list(_known_name_spans(folded, known_names))
    spans.extend(
        match.span()
        for match in _HONORIFIC_RE.finditer(folded)
        if match.group().split()[-1].lower() not in NOT_PERSONAL  # "we miss Monday"
    )
    spans.extend(_context_spans(folded))
    spans.extend(_listed_name_spans(folded))
    return spans


def _known_name_spans(folded: str, known_names: Sequence[str]) -> Iterator[tuple[int, int]]:
    """Every word of every held name, whole words; ordinary-word names only when capitalised."""
    words = {
        word
        for name in known_names
        for word in _HELD_WORD_RE.findall(fold(name))
        if len(word) > 1
    }
    # Plain substring search: every row of an export has different held names, and compiling a
    # pattern per name cost more than all the other detectors together.
    lowered = folded.lower()
    ignore_case = len(lowered) == len(folded)
    for word in sorted(words, key=len, reverse=True):
        if word.lower() in AMBIGUOUS_FIRST_NAMES:
            for variant in {word, word.capitalize(), word.upper()}:
                yield from _whole_word_spans(folded, variant)
        elif ignore_case:
            yield from _whole_word_spans(lowered, word.lower())
        else:  # a character whose lower case is longer would shift positions: let re keep them
            pattern = re.compile(rf"(?<![\w]){re.escape(word)}(?![\w])", re.IGNORECASE)
            yield from (match.span() for match in pattern.finditer(folded))


def _whole_word_spans(haystack: str, needle: str) -> Iterator[tuple[int, int]]:
    """Where `needle` occurs in `haystack` with no word character on either side."""
    start = haystack.find(needle)
    while start != -1:
        end = start + len(needle)
        if not (start > 0 and _is_word_char(haystack[start - 1])) and not (
            end < len(haystack) and _is_word_char(haystack[end])
        ):
            yield start, end
        start = haystack.find(needle, start + 1)


def _is_word_char(char: str) -> bool:
    """What `\\w` matches in a str pattern."""
    return char.isalnum() or char == "_"


def _context_spans(folded: str) -> Iterator[tuple[int, int]]:
    """Capitalised words after a family, role or speech word, or before "'s mum" and the like."""
    for match in _CONTEXT_RE.finditer(folded):
        name = match.group("name").lower()
        if name in NOT_PERSONAL or (match.group("intro") and name not in first_names()):
            continue
        if _names_an_institution(folded, match.end()):
            continue
        end = match.end("name")
        more = match.group("more").strip()
        if more and more.lower() not in NOT_PERSONAL:
            end = match.end("more")
        yield match.start("name"), end
    for match in _LOWER_AFTER_FAMILY_RE.finditer(folded):
        word = match.group("name")
        if word in first_names() and word not in AMBIGUOUS_FIRST_NAMES and word not in NOT_PERSONAL:
            yield match.span("name")
    for match in _POSSESSIVE_RE.finditer(folded):
        if match.group("name").lower() not in NOT_PERSONAL:
            yield match.span("name")


def _listed_name_spans(folded: str) -> Iterator[tuple[int, int]]:
    """Capitalised first names from the list, with the capitalised surname that follows them."""
    names = first_names()
    matches = list(_NAME_RE.finditer(folded))
    for index, match in enumerate(matches):
        word = match.group().lower()
        if word not in names or word in NOT_PERSONAL:
            continue
        surname = _surname_after(
            folded, match, matches[index + 1] if index + 1 < len(matches) else None
        )
        if word in AMBIGUOUS_FIRST_NAMES and surname is None:
            continue
        end = surname.end() if surname else match.end()
        if not _names_an_institution(folded, end):
            yield match.start(), end


def _names_an_institution(folded: str, end: int) -> bool:
    """True when the words after a name make it a school, operator or building ("Hugh Christie School")."""
    return _INSTITUTION_AFTER_RE.match(folded, end) is not None


def _surname_after(
    folded: str, match: re.Match[str], following: re.Match[str] | None
) -> re.Match[str] | None:
    """The next capitalised word if only spaces separate it and it is not a common capitalised word."""
    if following is None or folded[match.end() : following.start()].strip(" \t"):
        return None
    if following.start() == match.end() or following.group().lower() in NOT_PERSONAL:
        return None
    return following
