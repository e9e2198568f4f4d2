"""Notify's recipient checks: UK mobiles, email addresses, postal addresses (messages as the v2 API gives them)."""

from __future__ import annotations

import re
from typing import Any

import phonenumbers

from sandbox.notify.errors import NotifyApiError, bad_request, validation_error

_ALLOWED_PHONE_CHARACTERS = re.compile(r"^[0-9+()\-. \t]+$")
# notifications-utils: VALID_LOCAL_CHARS, hostname_part and tld_part.
_EMAIL = re.compile(r"^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~\-]+@([^.@][^@\s]+)$")
_HOSTNAME_PART = re.compile(r"^(xn|[a-z0-9]+)(-?-[a-z0-9]+)*$", re.IGNORECASE)
_TLD_PART = re.compile(r"^([a-z]{2,63}|xn--([a-z0-9]+-)*[a-z0-9]+)$", re.IGNORECASE)
# Ofcom's range for drama (07700 900000-900999): not valid to libphonenumber, used in Notify's own examples.
_DRAMA_MOBILE = re.compile(r"^(?:\+?44|0)7700900(\d{3})$")
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}|GIR0AA)$")


def normalise_uk_mobile(raw: str) -> str:
    """The number as +447..., or the error Notify gives for it."""
    if not _ALLOWED_PHONE_CHARACTERS.match(raw):
        raise validation_error("phone_number Must not contain letters or symbols")
    drama = _DRAMA_MOBILE.match(re.sub(r"[\s().\-]", "", raw))
    if drama:
        return f"+447700900{drama.group(1)}"
    digits = re.sub(r"\D", "", raw)
    national = digits[2:] if digits.startswith("44") else digits[1:] if digits.startswith("0") and not digits.startswith("00") else None
    if national is not None:  # a UK number: 10 digits after the 0 or +44, as notifications-utils counts them
        national = national.removeprefix("0")
        if len(national) < 10:
            raise validation_error("phone_number Not enough digits")
        if len(national) > 10:
            raise validation_error("phone_number Too many digits")
    try:
        number = phonenumbers.parse(raw, "GB")
    except phonenumbers.NumberParseException:
        raise validation_error("phone_number Not a valid country prefix") from None
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason == phonenumbers.ValidationResult.TOO_SHORT:
        raise validation_error("phone_number Not enough digits")
    if reason == phonenumbers.ValidationResult.TOO_LONG:
        raise validation_error("phone_number Too many digits")
    if not phonenumbers.is_valid_number(number):
        raise validation_error("phone_number Number is not valid – double check the phone number you entered")
    if number.country_code != 44:
        raise bad_request("Cannot send to international mobile numbers")
    if phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
        # Notify's handler names the exception class: InvalidPhoneError.
        raise NotifyApiError(400, "InvalidPhoneError", "Not a UK mobile number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_email_address(raw: str) -> str:
    """The address if Notify would accept it, else its ValidationError."""
    address = raw.strip()
    match = _EMAIL.match(address)
    if match is None or len(address) > 320 or ".." in address or not _is_hostname(match.group(1)):
        raise validation_error("email_address Not a valid email address")
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


def check_postal_address(personalisation: dict[str, Any]) -> list[str]:
    """address_line_1..7 as Notify checks them: 3 to 7 lines, the last a real UK postcode."""
    lines = [
        str(personalisation.get(f"address_line_{number}") or "").strip() for number in range(1, 8)
    ]
    lines = [line for line in lines if line]
    if len(lines) < 3:
        raise validation_error("Address must be at least 3 lines")
    postcode = "".join(lines[-1].upper().split())
    if not _POSTCODE.match(postcode):
        raise validation_error("Must be a real UK postcode")
    return lines
