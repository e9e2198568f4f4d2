"""A family's mobile number and email as a person types them: checked as the import checks them, with the reason why not."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import phonenumbers

from db.models import ContactChange, ContactChangeAction, ContactChangeActor, ContactChannel, FamilyContact
from services.transport.contacts import notify_email, uk_mobile_e164

# Longer than any phone number or email address anyone types; longer input is refused before it is parsed.
MAX_MOBILE_INPUT = 40
MAX_EMAIL_INPUT = 320
_MARKUP = ("<", ">")
# Letters that do not come apart into a base letter and an accent.
_UNACCENTED = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss"})


class DetailRefused(ValueError):
    """A mobile number or email we cannot use; `reason` names which explanation to give."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MobileProblem(StrEnum):
    """Why a typed mobile number cannot be used."""

    TOO_LONG = "mobile_too_long"
    NOT_A_NUMBER = "mobile_not_a_number"
    LANDLINE = "mobile_landline"
    NOT_UK = "mobile_not_uk"
    NOT_VALID = "mobile_not_valid"


class EmailProblem(StrEnum):
    """Why a typed email address cannot be used."""

    TOO_LONG = "email_too_long"
    NOT_VALID = "email_not_valid"


def checked_mobile(raw: str) -> str:
    """A UK mobile number in E.164, or DetailRefused saying why not (a landline, abroad, not a number)."""
    typed = raw.strip()
    if len(typed) > MAX_MOBILE_INPUT:
        raise DetailRefused(MobileProblem.TOO_LONG)
    if not typed or any(mark in typed for mark in _MARKUP) or not any(ch.isdigit() for ch in typed):
        raise DetailRefused(MobileProblem.NOT_A_NUMBER)
    try:
        return uk_mobile_e164(typed)
    except ValueError:
        raise DetailRefused(_mobile_problem(typed)) from None


def _mobile_problem(typed: str) -> MobileProblem:
    try:
        number = phonenumbers.parse(typed, "GB")
    except phonenumbers.NumberParseException:
        return MobileProblem.NOT_A_NUMBER
    if not phonenumbers.is_valid_number(number):
        return MobileProblem.NOT_VALID
    if number.country_code != 44:
        return MobileProblem.NOT_UK
    return MobileProblem.LANDLINE


def checked_email(raw: str) -> str:
    """An email address GOV.UK Notify would accept, or DetailRefused."""
    typed = raw.strip()
    if len(typed) > MAX_EMAIL_INPUT:
        raise DetailRefused(EmailProblem.TOO_LONG)
    if any(mark in typed for mark in _MARKUP):
        raise DetailRefused(EmailProblem.NOT_VALID)
    try:
        return notify_email(typed)
    except ValueError:
        raise DetailRefused(EmailProblem.NOT_VALID) from None


def masked_mobile(e164: str) -> str:
    """07••• ••• 123: enough for the carer to recognise their number, not enough to read it off a screen."""
    national = "0" + e164[3:] if e164.startswith("+44") else e164
    return f"{national[:2]}••• ••• {national[-3:]}"


def masked_email(address: str) -> str:
    """am•••@example.com: the first two letters and the domain."""
    local, _, domain = address.partition("@")
    return f"{local[:2]}•••@{domain}"


def name_key(name: str | None) -> str:
    """The first word of a name, in any case and without accents, for matching a Telegram first name."""
    words = (name or "").split()
    if not words:
        return ""
    decomposed = unicodedata.normalize("NFKD", words[0].translate(_UNACCENTED))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def needed_detail(channel: ContactChannel) -> str | None:
    """What a channel needs held before we can use it first: 'mobile', 'email', 'address' or nothing."""
    return {ContactChannel.SMS: "mobile", ContactChannel.EMAIL: "email", ContactChannel.LETTER: "address"}.get(channel)


def has_detail(contact: FamilyContact, detail: str | None) -> bool:
    """True when the contact holds what the channel needs."""
    held = {"mobile": contact.mobile_e164, "email": contact.email, "address": contact.postal_address}
    return detail is None or bool(held[detail])


@dataclass(frozen=True)
class ChangeRecorder:
    """Who is changing contacts, and under which privacy notice: makes each ContactChange row."""

    actor: ContactChangeActor
    notice_version: str
    now: datetime
    carer_id: int | None = None

    def record(self, contact: FamilyContact, action: ContactChangeAction, channel: ContactChannel | None) -> ContactChange:
        """One change to one contact (never the value)."""
        return ContactChange(
            contact_id=contact.id,
            child_id=contact.child_id,
            carer_id=self.carer_id if self.carer_id is not None else contact.carer_id,
            actor=self.actor,
            action=action,
            channel=channel,
            notice_version=self.notice_version,
            occurred_at=self.now,
        )

    def touch(self, contact: FamilyContact) -> None:
        """Mark the contact as changed in Carerline, so the import leaves it alone."""
        contact.changed_by = self.actor.value
        contact.changed_at = self.now
        contact.updated_at = self.now


def apply_mobile(contact: FamilyContact, mobile_e164: str | None, recorder: ChangeRecorder) -> list[ContactChange]:
    """Set or remove the mobile; a removed mobile cannot stay the channel used first."""
    return _apply_detail(contact, "mobile_e164", mobile_e164, channel=ContactChannel.SMS, recorder=recorder)


def apply_email(contact: FamilyContact, email: str | None, recorder: ChangeRecorder) -> list[ContactChange]:
    """Set or remove the email; a removed email cannot stay the channel used first."""
    return _apply_detail(contact, "email", email, channel=ContactChannel.EMAIL, recorder=recorder)


def _apply_detail(
    contact: FamilyContact, field: str, value: str | None, *, channel: ContactChannel, recorder: ChangeRecorder
) -> list[ContactChange]:
    if getattr(contact, field) == value:
        return []
    setattr(contact, field, value)
    recorder.touch(contact)
    changes = [recorder.record(contact, ContactChangeAction.ADDED if value else ContactChangeAction.REMOVED, channel)]
    if value is None and contact.preferred_channel == channel:
        changes.extend(_fall_back(contact, recorder))
    return changes


def apply_channel(contact: FamilyContact, channel: ContactChannel | None, recorder: ChangeRecorder) -> list[ContactChange]:
    """Make `channel` the one used first (the caller has checked the contact holds what it needs)."""
    if contact.preferred_channel == channel:
        return []
    contact.preferred_channel = channel
    recorder.touch(contact)
    return [recorder.record(contact, ContactChangeAction.PREFERRED, channel)]


def _fall_back(contact: FamilyContact, recorder: ChangeRecorder) -> list[ContactChange]:
    # Telegram when the carer linked; otherwise the next channel still held, in Notify's order.
    if contact.carer_id is not None:
        return apply_channel(contact, ContactChannel.TELEGRAM, recorder)
    for channel in (ContactChannel.SMS, ContactChannel.EMAIL, ContactChannel.LETTER):
        if has_detail(contact, needed_detail(channel)):
            return apply_channel(contact, channel, recorder)
    return apply_channel(contact, None, recorder)
