"""Finding contact details, dates of birth, health and tax numbers and references, for redaction.py.

Phone numbers come from Google's libphonenumber (`phonenumbers`' PhoneNumberMatcher, region GB),
with a pattern for the shapes it does not take (07700.900.877); public service numbers are kept:
03 (councils, SENDIASS: "03000 41 61 61"), 080 (0800, 0808 freephone), 084 and 087, and the short
numbers 111, 999 and 101, which no pattern here takes. NHS numbers are ten digits whose check digit
is right (or after "NHS"); National Insurance numbers are two letters, six digits and A-D.
A date of birth is any written date after "DOB", "d.o.b.", "date of birth", "born", "birthday"
(also "data urodzenia"): 14/03/2015, 1/9/13, 03.11.2016, 2015-06-21, 28 August 2014, the 3rd of
March 2017, May 5th 2013, September 9, 2014, March 2016. Other dates are kept.
A reference is any council-like code: letters and digits joined by "/" or "-" with three digits or
more (COMP/25/1182, 2025/HTST/77812, 33127/SEN, KCC-000123), letters then digits (KCC000456), a
unique pupil number (a letter and twelve characters), "#884213", a code after a word such as "ref",
"case", "ticket" or "account" ("APP 2025 4411" whole), and any run of six digits or more.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

import phonenumbers

from services.privacy.lexicon import first_names, is_english_word

Span = tuple[int, int]

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Published mailboxes a report may quote: role addresses (no personal name) at the council or PACT.
_PUBLIC_MAIL_DOMAINS = re.compile(
    r"@(?:[\w-]+\.)*(?:kent\.gov\.uk|kentpact\.org\.uk|gov\.uk|nhs\.net|nhs\.uk)$", re.I
)

_UK_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\s?44\s?(?:\(0\)\s?)?|\(0|0)\d{2,5}\)?[\s.-]?\d{3,4}[\s.-]?\d{3,4}(?!\d)"
)
_INTERNATIONAL_PHONE = re.compile(r"(?<![\w+])\+\s?\d{1,3}(?:[\s.-]?\(?\d{1,4}\)?){2,5}(?!\d)")
_PUBLIC_PREFIXES = ("3", "80", "84", "87", "116")
_ENOUGH_DIGITS = re.compile(r"\d(?:[\s().-]{0,3}\d){8}")  # a phone number has 9 digits or more

NHS_NUMBER = re.compile(r"(?<![\w-])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\w-])")
_NHS_CUE = re.compile(r"(?i:nhs)[^.\n]{0,25}$")
NI_NUMBER = re.compile(r"(?<![\w])(?i:[a-z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[a-d])(?![\w])")

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DATE = (
    rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})|\d{{4}}-\d{{1,2}}-\d{{1,2}}"
    rf"|(?:the\s+)?{_DAY}(?:\s+of)?\s+{_MONTH},?\s+(?:\d{{4}}|\d{{2}})"
    rf"|{_MONTH}\s+{_DAY},?\s+\d{{4}}|{_MONTH}\s+\d{{4}})"
)
_DOB_CUE = r"(?:d\.?\s?o\.?\s?b\b\.?|date\s+of\s+birth|birth\s*date|born|birthday|b\.|data\s+urodzenia|data\s+nasterii)"
DATE_OF_BIRTH = re.compile(
    rf"(?i:(?<![\w]){_DOB_CUE}[\s:=–—-]*(?:(?:is|was|on|in|of|-)\s+){{0,3}}\(?(?P<date>{_DATE}))(?![\w])"
)
_DOB_WORD = re.compile(r"(?i:d\.?\s?o\.?\s?b|birth|born|b\.|urodzenia|nasterii)")
_DOB_CUE_RE = re.compile(rf"(?i:(?<![\w]){_DOB_CUE})")
_ANY_DATE = re.compile(rf"(?i:(?<![\w/.-]){_DATE})(?![\w/])")
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)|\n")
_DATE_THEN_DOB = re.compile(
    rf"(?i:(?<![\w])(?P<date>{_DATE})\s*\(?(?:d\.?o\.?b\.?|date of birth)\b)"
)

_CODE = re.compile(r"(?<![\w/#-])[A-Za-z0-9]+(?:[/-][A-Za-z0-9]+)+(?![\w/-])")
_LETTERS_DIGITS = re.compile(r"(?<![\w-])[A-Za-z]{2,6}\d{4,}(?![\w-])")
_UPN = re.compile(r"(?<![\w])[A-Za-z]\d{11}[0-9A-Za-z](?![\w])")
_HASH = re.compile(r"(?<![\w#])#\s?\d{3,}(?![\w])")
_SPACED = re.compile(
    r"(?<![\w])(?P<letters>[A-Za-z]{2,6})\s+\d{2,}(?:\s+\d{2,})+(?![\w])|(?<![\w])(?P<caps>[A-Z]{2,6})\s+\d{4,}(?![\w])"
)
_REF_CUE = re.compile(
    r"(?i:(?<![\w])(?:our\s+ref|your\s+ref|ref(?:erence)?|case(?:\s+(?:number|no))?|application(?:\s+(?:number|no))?"
    r"|app(?:\s+(?:number|no))?|claim|appeal(?:\s+(?:number|no))?|ticket|pupil\s+number|upn|complaint(?:\s+(?:ref|number|no))?"
    r"|account)\.?)[\s:#.]*(?P<code>#?[A-Za-z]{0,6}[\s/-]?\d[\w/-]*(?:\s+\d{2,}[\w/-]*)*)(?![\w])"
)
# Carerline linking codes (K7QM-4TXD-P2, any case, with or without the hyphens).
_LINKING_CODE = re.compile(
    r"(?<![\w-])(?:[0-9A-Z]{4}[-\s][0-9A-Z]{4}[-\s][0-9A-Z]{2}|(?i:[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{2}|[0-9a-z]{10}))(?![\w-])"
)
_YEAR_RANGE = re.compile(r"^(?:19|20)\d\d[-/]\d\d$")
_THREE_DIGITS = re.compile(r"\d\D?\d\D?\d")
_LONG_DIGITS = re.compile(r"(?<![\w£$€.,:/-])\d(?:[ -]?\d){5,}(?![\w])")
_UNITS = re.compile(r"(?i:\d(?:am|pm|mins?|hrs?|minutes|miles|mph|km|kg|ml|st|nd|rd|th))$")
_ROUTE = re.compile(r"^(?i:r\d{3,4}|[am]\d{1,4}|[a-z]{1,2}\d{1,2}[a-z]?)$")


def email_spans(text: str) -> list[Span]:
    """Email addresses, except a published role mailbox at the council, PACT or the NHS."""
    return [m.span() for m in EMAIL.finditer(text) if not _is_public_mailbox(m.group())]


def public_mailbox_spans(text: str) -> list[Span]:
    """Published role mailboxes ("transport.eligibility@kent.gov.uk"), kept whole."""
    return [m.span() for m in EMAIL.finditer(text) if _is_public_mailbox(m.group())]


def _is_public_mailbox(address: str) -> bool:
    """A council or PACT address whose local part is a role ("transport.eligibility"), not a person."""
    if not _PUBLIC_MAIL_DOMAINS.search(address):
        return False
    local = address.split("@", 1)[0].lower()
    return not any(
        part in first_names() and not is_english_word(part) for part in re.split(r"[._-]", local)
    )


def phone_spans(text: str) -> list[Span]:
    """Private phone numbers, UK and international; public service numbers are left in place."""
    if not _ENOUGH_DIGITS.search(text):
        return []
    spans = [
        (match.start, match.end) for match in _matches(text) if not _is_public_number(match.number)
    ]
    for pattern in (_UK_PHONE, _INTERNATIONAL_PHONE):
        for match in pattern.finditer(text):
            if _is_private_pattern_match(match.group()):
                spans.append(match.span())
    return spans


def public_number_spans(text: str) -> list[Span]:
    """Public service numbers (03, 0800, 0808...), kept so no other detector takes them."""
    if not _ENOUGH_DIGITS.search(text):
        return []
    return [(match.start, match.end) for match in _matches(text) if _is_public_number(match.number)]


@lru_cache(maxsize=4)
def _matches(text: str) -> tuple[phonenumbers.PhoneNumberMatch, ...]:
    """libphonenumber's matches written as families write a number: starting with 0, + or (0."""
    return tuple(
        match
        for match in phonenumbers.PhoneNumberMatcher(
            text, "GB", leniency=phonenumbers.Leniency.POSSIBLE
        )
        if match.raw_string.lstrip("(")[:1] in ("0", "+")
        and sum(char.isdigit() for char in match.raw_string) >= 9
        and not (match.start and (text[match.start - 1].isalnum() or text[match.start - 1] in "-/"))
    )


def _is_public_number(number: phonenumbers.PhoneNumber) -> bool:
    """03, 080, 084, 087 and 116 numbers in the UK belong to services, not to families."""
    return number.country_code == 44 and str(number.national_number).startswith(_PUBLIC_PREFIXES)


def _is_private_pattern_match(candidate: str) -> bool:
    """A pattern match with the right count of digits that is not a public service number."""
    digits = re.sub(r"\D", "", candidate)
    if candidate.lstrip().startswith("+") and not digits.startswith("44"):
        return 8 <= len(digits) <= 15
    national = (
        digits[4:]
        if digits.startswith("0044")
        else digits[2:]
        if digits.startswith("44")
        else digits[1:]
    )
    return len(national) in (9, 10) and not national.startswith(_PUBLIC_PREFIXES)


def nhs_spans(text: str) -> list[Span]:
    """Ten-digit NHS numbers: with a right check digit, or straight after the word "NHS"."""
    return [
        m.span()
        for m in NHS_NUMBER.finditer(text)
        if _nhs_check_digit_holds(m.group()) or _NHS_CUE.search(text[: m.start()])
    ]


def _nhs_check_digit_holds(candidate: str) -> bool:
    """The NHS number's modulus 11 check (NHS Data Dictionary)."""
    digits = [int(char) for char in candidate if char.isdigit()]
    remainder = (
        sum(digit * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    )
    check = 11 - remainder
    return check != 10 and (check % 11) == digits[9]


def ni_spans(text: str) -> list[Span]:
    """National Insurance numbers (QQ 12 34 56 C), any case."""
    return [m.span() for m in NI_NUMBER.finditer(text)]


def date_of_birth_spans(text: str) -> list[Span]:
    """Dates written after (or straight before) a word saying they are a date of birth."""
    if not _DOB_WORD.search(text):
        return []
    spans = [m.span("date") for m in DATE_OF_BIRTH.finditer(text)]
    for cue in _DOB_CUE_RE.finditer(
        text
    ):  # "DOB on the letter is wrong, it should be 14/03/2015 not 14/03/2016"
        window_end = min(len(text), cue.end() + 80)
        stop = _SENTENCE_END.search(text, cue.end(), window_end)
        window_end = stop.start() if stop else window_end
        spans.extend(m.span() for m in _ANY_DATE.finditer(text, cue.end(), window_end))
    spans.extend(m.span("date") for m in _DATE_THEN_DOB.finditer(text))
    return spans


def reference_spans(text: str) -> Iterator[Span]:
    """Case, application, pupil and account references in any council-like shape."""
    for match in _LINKING_CODE.finditer(text):
        code = match.group()
        if any(char.isdigit() for char in code) and any(char.isalpha() for char in code):
            yield match.span()
    if not _THREE_DIGITS.search(text):
        return
    for match in _REF_CUE.finditer(text):
        code = match.group("code").rstrip("/-")
        if sum(char.isdigit() for char in code) >= 3 and not _UNITS.search(code):
            yield match.start("code"), match.start("code") + len(code)
    for pattern in (_UPN, _HASH, _LETTERS_DIGITS):
        yield from (m.span() for m in pattern.finditer(text))
    for match in _CODE.finditer(text):
        code = match.group()
        if _is_code(code):
            yield match.span()
    for match in _SPACED.finditer(text):
        letters = match.group("letters") or match.group("caps")
        if not is_english_word(letters) and not letters.isdigit():
            yield match.span()


def _is_code(code: str) -> bool:
    """Letters and digits joined by "/" or "-", with three digits or more, not a time, range or route."""
    digits = sum(char.isdigit() for char in code)
    if digits < 3 or not any(char.isalpha() for char in code) or _UNITS.search(code):
        return False
    return not all(
        _ROUTE.match(part) or part.isalpha() and is_english_word(part)
        for part in re.split(r"[/-]", code)
    )


def long_number_spans(text: str) -> list[Span]:
    """Any other run of six digits or more (account, case and claim numbers)."""
    return [m.span() for m in _LONG_DIGITS.finditer(text) if not _YEAR_RANGE.match(m.group())]
