"""A family member's channel plan: preferred first, then the others held; a letter only in time and when nothing else is."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from db.models import Carer, ContactChannel, FamilyContact, OutboxChannel
from services.carers.channel_plans import (
    MAX_SUBJECT_CHARACTERS,
    channel_text,
    held_channels,
    letter_allowed,
    plan_recipients,
)

TELEGRAM, SMS, EMAIL, LETTER = OutboxChannel.TELEGRAM, OutboxChannel.SMS, OutboxChannel.EMAIL, OutboxChannel.LETTER
NOW = datetime(2026, 12, 17, 10, 0, tzinfo=UTC)
ADDRESS = "12 Northdown Road\nMargate\nCT9 2RN"


def _carer(carer_id: int = 1, **fields: object) -> Carer:
    return Carer(id=carer_id, chat_id=5000 + carer_id, first_name="Amira", language="pl", **fields)


def _contact(contact_id: int, child_id: int = 1, **fields: object) -> FamilyContact:
    return FamilyContact(id=contact_id, child_id=child_id, position=1, **fields)


@pytest.mark.parametrize(
    ("carer", "contact", "plan"),
    [
        (_carer(), _contact(1, mobile_e164="+447700900001", email="a@example.org"), (TELEGRAM, SMS, EMAIL)),
        (_carer(), _contact(1, mobile_e164="+447700900001", preferred_channel=ContactChannel.SMS), (SMS, TELEGRAM)),
        (_carer(unreachable_since=NOW), _contact(1, email="a@example.org"), (EMAIL,)),
        (None, _contact(1, mobile_e164="+447700900001", email="a@example.org", preferred_channel=ContactChannel.EMAIL), (EMAIL, SMS)),
        (None, _contact(1, email="a@example.org", postal_address=ADDRESS, preferred_channel=ContactChannel.LETTER), (EMAIL,)),
        (None, _contact(1, postal_address=ADDRESS), (LETTER,)),
        (None, _contact(1, name="Tom"), ()),
        (None, _contact(1, mobile_e164="+447700900001", erased_at=NOW), ()),
    ],
)
def test_the_preferred_channel_leads_then_the_others_held(carer: Carer | None, contact: FamilyContact, plan: tuple) -> None:  # type: ignore[type-arg]
    assert held_channels(carer=carer, contact=contact, allow_letter=True) == plan


def test_a_letter_needs_five_working_days_and_nothing_else_held() -> None:
    monday = datetime(2026, 12, 21, 10, 0, tzinfo=UTC)
    # Tue 22, Wed 23, Thu 24, then Christmas Day and Boxing Day's Monday off, Tue 29: four; Wed 30: five.
    assert not letter_allowed(effective_at=datetime(2026, 12, 29, 6, 0, tzinfo=UTC), now=monday)
    assert letter_allowed(effective_at=datetime(2026, 12, 30, 6, 0, tzinfo=UTC), now=monday)
    assert held_channels(carer=None, contact=_contact(1, postal_address=ADDRESS), allow_letter=False) == ()


def test_working_days_skip_weekends_and_bank_holidays_for_letters() -> None:
    thursday = datetime(2026, 11, 19, 10, 0, tzinfo=UTC)
    assert not letter_allowed(effective_at=datetime(2026, 11, 25, 6, 0, tzinfo=UTC), now=thursday)  # Fri, Mon, Tue, Wed: 4
    assert letter_allowed(effective_at=datetime(2026, 11, 26, 6, 0, tzinfo=UTC), now=thursday)  # and Thursday: 5
    assert not letter_allowed(effective_at=None, now=thursday)


def test_an_email_subject_is_the_heading_or_a_short_first_line() -> None:
    heading = channel_text("New driver for Sam\n\nRoute MA-101\nCall us.", channel=EMAIL)
    assert (heading.subject, heading.text) == ("New driver for Sam", "Route MA-101\nCall us.")
    long_line = "word " * 60
    broadcast = channel_text(long_line.strip() + "\nQuestions? Call us.", channel=EMAIL)
    assert broadcast.text.startswith("word word") and broadcast.text.endswith("Questions? Call us.")
    assert broadcast.subject is not None and len(broadcast.subject) <= MAX_SUBJECT_CHARACTERS and broadcast.subject.endswith("…")
    assert channel_text("Hello", channel=SMS).subject is None


def test_contacts_sharing_a_mobile_hear_once_and_a_linked_carers_contact_is_theirs() -> None:
    amira = _carer(7)
    contacts = [
        _contact(1, child_id=1, mobile_e164="+447700900001", carer_id=7),
        _contact(2, child_id=1, mobile_e164="+447700900002"),
        _contact(3, child_id=2, mobile_e164="+447700900002"),  # the same parent, a second child
        _contact(4, child_id=3, name="Tom"),
    ]
    recipients = plan_recipients(carers=[(amira, 1)], contacts=contacts, allow_letter=False)
    summary = [
        (r.carer.id if r.carer else None, r.contact.id if r.contact else None, r.child_ids, r.channels, r.language)
        for r in recipients
    ]
    assert summary == [
        (7, 1, (1,), (TELEGRAM, SMS), "pl"),
        (None, 2, (1, 2), (SMS,), "en"),
        (None, 4, (3,), (), "en"),
    ]
    assert [r.is_reachable for r in recipients] == [True, True, False]
