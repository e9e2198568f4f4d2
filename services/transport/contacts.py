"""Carers' contact details in the route-planning export: checked as GOV.UK Notify will check them.

Mobiles must be UK mobiles (Notify sends texts only to those without an international permission)
and are stored in E.164; emails must pass Notify's own address check (notifications-utils); a postal
address needs 3 to 7 lines, the last a UK postcode, as Notify's letters do. The language texts and emails are
written in is en or pl (also "English", "Polish", "polski"); blank means English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

from db.models import ContactChannel

CARER_FIELDS = ("name", "mobile", "email", "channel", "address", "language")
CARER_COLUMNS = tuple(f"carer{position}_{name}" for position in (1, 2) for name in CARER_FIELDS)
_PHONE_CHARACTERS = re.compile(r"^[0-9+()\-. ]+$")
# Ofcom's range for drama (07700 900000-900999): not valid to libphonenumber, used in Notify's own examples.
_DRAMA_MOBILE = re.compile(r"^(?:\+?44|0)7700900(\d{3})$")
# notifications-utils' address check: local part characters, hostname parts and the top-level domain.
_EMAIL = re.compile(r"^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~\-]+@([^.@][^@\s]+)$")
_HOSTNAME_PART = re.compile(r"^(xn|[a-z0-9]+)(-?-[a-z0-9]+)*$", re.IGNORECASE)
_TLD_PART = re.compile(r"^([a-z]{2,63}|xn--([a-z0-9]+-)*[a-z0-9]+)$", re.IGNORECASE)
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")
# The words a council export may use for a language, lower-cased, and the catalog each means.
_LANGUAGES = {"en": "en", "english": "en", "pl": "pl", "polish": "pl", "polski": "pl"}
_CHANNEL_NEEDS = {ContactChannel.SMS: "mobile", ContactChannel.EMAIL: "email", ContactChannel.LETTER: "address"}


@dataclass(frozen=True)
class CarerContact:
    """One carer's details as stored: `position` 1 or 2, mobile in E.164, address lines joined by newlines."""

    position: int
    name: str | None
    mobile_e164: str | None
    email: str | None
    preferred_channel: ContactChannel | None
    postal_address: str | None
    language: str | None = None  # "en" or "pl"; None: not given (English)


def uk_mobile_e164(raw: str) -> str:
    """A UK mobile number in E.164 (+447...), or ValueError saying what is wrong."""
    if not _PHONE_CHARACTERS.match(raw):
        raise ValueError("must be a UK mobile number: only digits, spaces, +, -, ( and )")
    drama = _DRAMA_MOBILE.match(re.sub(r"[\s().\-]", "", raw))
    if drama:
        return f"+447700900{drama.group(1)}"
    try:
        number = phonenumbers.parse(raw, "GB")
    except phonenumbers.NumberParseException:
        raise ValueError("is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("is not a valid phone number")
    if number.country_code != 44 or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
        raise ValueError("must be a UK mobile number (GOV.UK Notify texts only UK mobiles)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def notify_email(raw: str) -> str:
    """The address if GOV.UK Notify would accept it, else ValueError."""
    address = raw.strip()
    match = _EMAIL.match(address)
    if match is None or len(address) > 320 or ".." in address or not _is_hostname(match.group(1)):
        raise ValueError("is not an email address GOV.UK Notify can send to")
    return address


def _is_hostname(hostname: str) -> bool:
    try:
        ascii_name = hostname.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    parts = ascii_name.split(".")
    if len(ascii_name) > 253 or len(parts) < 2:
        return False
    if any(not part or len(part) > 63 or not _HOSTNAME_PART.match(part) for part in parts):
        return False
    return bool(_TLD_PART.match(parts[-1]))


def postal_address(raw: str) -> str:
    """Address lines (one per line in the cell, or separated by commas), the postcode last and tidied."""
    separator = "\n" if "\n" in raw else ","
    lines = [" ".join(line.split()) for line in raw.split(separator)]
    lines = [line for line in lines if line]
    if not 3 <= len(lines) <= 7:
        raise ValueError("needs 3 to 7 lines (separated by commas), the last a UK postcode")
    postcode = _POSTCODE.match("".join(lines[-1].upper().split()))
    if postcode is None:
        raise ValueError("must end with a real UK postcode")
    if any(len(line) > 100 for line in lines):
        raise ValueError("has a line longer than 100 characters")
    return "\n".join([*lines[:-1], f"{postcode.group(1)} {postcode.group(2)}"])


def carer_contact(position: int, values: dict[str, str | None]) -> CarerContact | None:
    """One carer's columns checked together (None when all are blank); ValueError names the column at fault."""
    prefix = f"carer{position}_"
    given = {name: (values.get(prefix + name) or "").strip() or None for name in CARER_FIELDS}
    if not any(given.values()):
        return None
    if given["name"] is None:
        raise ValueError(f"{prefix}name is needed with carer{position}'s other details")
    if len(given["name"]) > 100:
        raise ValueError(f"{prefix}name: must be at most 100 characters")
    checked: dict[str, str | None] = {"mobile": None, "email": None, "address": None}
    for name, check in (("mobile", uk_mobile_e164), ("email", notify_email), ("address", postal_address)):
        raw = given[name]
        if raw is not None:
            try:
                checked[name] = check(raw)
            except ValueError as error:
                raise ValueError(f"{prefix}{name}: {error}") from None
    channel = _channel(prefix, given["channel"])
    needed = _CHANNEL_NEEDS.get(channel) if channel is not None else None
    if needed is not None and checked[needed] is None:
        raise ValueError(f"{prefix}channel is {channel.value} but {prefix}{needed} is empty")  # type: ignore[union-attr]
    return CarerContact(position=position, name=given["name"], mobile_e164=checked["mobile"], email=checked["email"],
                        preferred_channel=channel, postal_address=checked["address"],
                        language=_language(prefix, given["language"]))


def contact_language(raw: str) -> str:
    """The catalog language ("en" or "pl") for a value such as "pl", "Polish" or "polski"; ValueError otherwise."""
    language = _LANGUAGES.get(raw.strip().lower())
    if language is None:
        raise ValueError("must be en or pl (English or Polish)")
    return language


def _language(prefix: str, raw: str | None) -> str | None:
    if raw is None:
        return None
    try:
        return contact_language(raw)
    except ValueError as error:
        raise ValueError(f"{prefix}language: {error}") from None


def _channel(prefix: str, raw: str | None) -> ContactChannel | None:
    if raw is None:
        return None
    try:
        return ContactChannel(raw.lower())
    except ValueError:
        raise ValueError(f"{prefix}channel: must be telegram, sms, email or letter") from None
