"""A linked carer and the council's family contacts: matching at linking, the carer's changes, the import, erasure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, func, select

from db.engine import Database
from db.models import Child, ContactChange, ContactChannel, FamilyContact
from services.carers.contact_details import DetailRefused, MobileProblem, masked_email, masked_mobile, name_key
from services.carers.contacts import (
    ContactRefused,
    answer_contact_choice,
    change_email,
    change_mobile,
    choose_channel,
    pending_choices,
    read_held_contact,
)
from services.carers.linking import LinkOutcome, redeem_code
from services.carers.settings import set_language
from services.privacy.erasure import erase_carer
from services.transport.imports import import_transport_data
from tests.support.factories import make_carer, make_linking_code
from tests.support.schema import every_stored_value

NOW = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
HEADER = (
    "council_reference,child_name,school_code,school_name,district,phase,route_code,operator_code,operator_name,"
    "operator_phone,vehicle_type,stop_sequence,stop_name,pickup_from,pickup_to,"
    "carer1_name,carer1_mobile,carer1_email,carer1_channel,carer1_address,"
    "carer2_name,carer2_mobile,carer2_email,carer2_channel,carer2_address\n"
)


def _row(reference: str, carer1: str = ",,,,", carer2: str = ",,,,") -> str:
    return f"{reference},Sam,SCH-OAK,Oakwood Park School,Maidstone,primary,,,,,,,,,,{carer1},{carer2}\n"


async def _import(database: Database, *rows: str) -> list[int]:
    async with database.transaction() as session:
        report = await import_transport_data(session, data=HEADER + "".join(rows), now=NOW)
    assert report.errors == [], report.errors
    return report.child_ids


async def _contacts(database: Database, child_id: int) -> list[FamilyContact]:
    async with database.transaction() as session:
        result = await session.exec(select(FamilyContact).where(FamilyContact.child_id == child_id).order_by(col(FamilyContact.position)))
        return list(result.all())


async def _link(database: Database, *, child_id: int, first_name: str, carer_id: int | None = None) -> tuple[int, object]:
    """A consenting carer (new unless given) uses a real code for the child."""
    async with database.transaction() as session:
        child = await session.get(Child, child_id)
        carer = await make_carer(session, first_name=first_name) if carer_id is None else None
        issued = await make_linking_code(session, child=child, now=NOW)
    async with database.transaction() as session:
        the_id = carer_id if carer_id is not None else carer.id  # type: ignore[union-attr]
        result = await redeem_code(session, carer_id=the_id, chat_id=70_000 + the_id, raw_code=issued.display, now=NOW)  # type: ignore[arg-type]
    assert result.outcome == LinkOutcome.LINKED
    return the_id, result.contact_choice  # type: ignore[return-value]


def test_names_match_on_their_first_word_in_any_case_and_without_accents() -> None:
    assert name_key("Łucja Kowalska") == name_key("LUCJA") == "lucja"
    assert name_key("Zoë Smith") == name_key("zoe") and name_key("  ") == ""
    assert masked_mobile("+447700900123") == "07••• ••• 123" and masked_email("amira@example.com") == "am•••@example.com"


async def test_the_only_unattached_contact_is_attached_when_a_carer_links(database: Database) -> None:
    [child_id] = await _import(database, _row("KCC-1", "Amira Khan,07700 900001,,sms,"))
    carer_id, choice = await _link(database, child_id=child_id, first_name="Mum")
    assert choice is None
    [contact] = await _contacts(database, child_id)
    assert contact.carer_id == carer_id and contact.mobile_e164 == "+447700900001"
    # A second carer: nothing free, so nothing is attached and no second family appears.
    other_id, choice = await _link(database, child_id=child_id, first_name="Dad")
    assert choice is None and [c.carer_id for c in await _contacts(database, child_id)] == [carer_id]
    async with database.transaction() as session:
        assert (await session.exec(select(func.count()).select_from(Child))).one() == 1
        changes = (await session.exec(select(ContactChange))).all()
    assert [(c.carer_id, c.action, c.notice_version) for c in changes] == [(carer_id, "attached", "test")]


async def test_of_two_contacts_the_one_whose_first_name_matches_is_attached(database: Database) -> None:
    [child_id] = await _import(database, _row("KCC-2", "Łucja Nowak,,,,", "Piotr Nowak,,,,"))
    carer_id, choice = await _link(database, child_id=child_id, first_name="lucja")
    assert choice is None
    first, second = await _contacts(database, child_id)
    assert (first.carer_id, second.carer_id) == (carer_id, None)
    dad_id, choice = await _link(database, child_id=child_id, first_name="P")  # one left: attached by elimination
    assert choice is None and (await _contacts(database, child_id))[1].carer_id == dad_id


async def test_when_we_cannot_tell_we_ask_and_record_the_answer(database: Database) -> None:
    [child_id, twin_id] = await _import(
        database, _row("KCC-3", "Sam Green,,,,", "Sam Brown,,,,"), _row("KCC-4", "Alex Green,,,,", "Jo Green,,,,")
    )
    carer_id, choice = await _link(database, child_id=child_id, first_name="Sam")  # both are Sam
    assert choice is not None and [name for _, name in choice.options] == ["Sam", "Sam"]
    brown_id = choice.options[1][0]
    async with database.transaction() as session:
        assert [c.child_id for c in await pending_choices(session, carer_id=carer_id, now=NOW)] == [child_id]
        with pytest.raises(ContactRefused):  # a contact of another child is never taken
            await answer_contact_choice(session, carer_id=carer_id, child_id=child_id, contact_id=999_999, now=NOW)
    async with database.transaction() as session:
        assert await answer_contact_choice(session, carer_id=carer_id, child_id=child_id, contact_id=brown_id, now=NOW) == "Sam"
    assert [c.carer_id for c in await _contacts(database, child_id)] == [None, carer_id]
    # Linked to a second child too: attached to a contact of each; "neither" adds them to that child's family.
    _, choice = await _link(database, child_id=twin_id, first_name="Sam", carer_id=carer_id)
    assert choice is not None
    async with database.transaction() as session:
        await answer_contact_choice(session, carer_id=carer_id, child_id=twin_id, contact_id=None, now=NOW)
        with pytest.raises(ContactRefused):  # answered: an old button cannot attach them twice
            await answer_contact_choice(session, carer_id=carer_id, child_id=twin_id, contact_id=choice.options[0][0], now=NOW)
    twins = await _contacts(database, twin_id)
    assert [(c.position, c.name, c.carer_id) for c in twins] == [(1, "Alex Green", None), (2, "Jo Green", None), (3, "Sam", carer_id)]
    async with database.transaction() as session:
        assert await pending_choices(session, carer_id=carer_id, now=NOW) == []


async def test_a_carers_changes_are_checked_recorded_per_channel_and_kept_from_the_import(database: Database) -> None:
    rows = (_row("KCC-5", "Amira Khan,07700 900001,,sms,"), _row("KCC-6"))
    child_ids = await _import(database, *rows)
    carer_id, _ = await _link(database, child_id=child_ids[0], first_name="Amira")
    await _link(database, child_id=child_ids[1], first_name="Amira", carer_id=carer_id)  # no contact held for this child
    async with database.transaction() as session:
        for raw, problem in (("01622 690000", MobileProblem.LANDLINE), ("x" * 5000, MobileProblem.TOO_LONG),
                             ("<b>07700</b>", MobileProblem.NOT_A_NUMBER), ("+48 601 234 567", MobileProblem.NOT_UK)):
            with pytest.raises(DetailRefused) as refused:
                await change_mobile(session, carer_id=carer_id, raw=raw, now=NOW)
            assert refused.value.reason == problem
        held = await change_mobile(session, carer_id=carer_id, raw="07700 900 222", now=NOW)
        assert (held.mobile_e164, held.channel) == ("+447700900222", ContactChannel.SMS)
        held = await change_email(session, carer_id=carer_id, raw=" amira@example.com ", now=NOW)
        held = await choose_channel(session, carer_id=carer_id, channel=ContactChannel.EMAIL, now=NOW)
        with pytest.raises(ContactRefused):  # no postal address held: letters cannot come first
            await choose_channel(session, carer_id=carer_id, channel=ContactChannel.LETTER, now=NOW)
        held = await change_email(session, carer_id=carer_id, raw=None, now=NOW)
        assert (held.email, held.channel) == (None, ContactChannel.TELEGRAM)  # removing it falls back to the chat
    imported, added = (await _contacts(database, child_ids[0]))[0], (await _contacts(database, child_ids[1]))[0]
    assert (imported.mobile_e164, imported.changed_by, added.position, added.mobile_e164) == ("+447700900222", "carer", 3, "+447700900222")
    await _import(database, *rows)  # the council's file still has the old number: the carer's is newer
    assert (await _contacts(database, child_ids[0]))[0].mobile_e164 == "+447700900222"
    async with database.transaction() as session:
        changes = (await session.exec(select(ContactChange).where(ContactChange.child_id == child_ids[0]))).all()
    assert [(c.action, c.channel) for c in changes] == [
        ("attached", None), ("added", "sms"), ("added", "email"), ("preferred", "email"), ("removed", "email"), ("preferred", "telegram"),
    ]
    assert {(c.actor, c.notice_version, c.carer_id) for c in changes} == {("carer", "test", carer_id)}


async def test_erasure_leaves_no_number_or_email_and_keeps_the_changes_unnamed(database: Database) -> None:
    [child_id] = await _import(database, _row("KCC-7", "Bernadette Okafor,07700 900123,b.okafor@example.com,sms,"))
    carer_id, _ = await _link(database, child_id=child_id, first_name="Bernadette")
    async with database.transaction() as session:
        await change_mobile(session, carer_id=carer_id, raw="07700 900456", now=NOW)
        await change_email(session, carer_id=carer_id, raw="bern@example.org", now=NOW)
    needles = ("+447700900123", "+447700900456", "07700 900456", "b.okafor@example.com", "bern@example.org", "Okafor")
    assert any(needle in value for _t, _c, value in await every_stored_value(database) for needle in needles)
    async with database.transaction() as session:
        assert await erase_carer(session, carer_id=carer_id, now=NOW + timedelta(days=1))
    assert [row for row in await every_stored_value(database) if any(needle in row[2] for needle in needles)] == []
    async with database.transaction() as session:
        changes = (await session.exec(select(ContactChange))).all()
        held = await read_held_contact(session, carer_id=carer_id)
    assert len(changes) == 3 and {change.carer_id for change in changes} == {None}
    assert (held.mobile_e164, held.email) == (None, None)
    await _import(database, _row("KCC-7", "Bernadette Okafor,07700 900123,b.okafor@example.com,sms,"))  # stays erased
    [contact] = await _contacts(database, child_id)
    assert (contact.erased_at is not None, contact.mobile_e164, contact.name) == (True, None, None)


async def test_a_carer_who_links_brings_their_language_to_their_contact_and_a_later_choice_follows(database: Database) -> None:
    [child_id] = await _import(database, _row("KCC-9", "Ewa Nowak,07700 900001,,sms,"))
    async with database.transaction() as session:
        carer = await make_carer(session, first_name="Ewa", language="pl")
    carer_id, _ = await _link(database, child_id=child_id, first_name="Ewa", carer_id=carer.id)
    [contact] = await _contacts(database, child_id)
    assert (contact.carer_id, contact.language) == (carer_id, "pl")
    async with database.transaction() as session:
        await set_language(session, carer_id=carer_id, language="en")
    assert [c.language for c in await _contacts(database, child_id)] == ["en"]
