"""Carers' contact details in the route-planning export: checked as Notify will, stored in E.164, idempotent, erasable."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sqlmodel import select

from db.dao.delivery.notify_receipts import count_inbound_texts
from db.engine import Database
from db.models import Child, ContactChannel, FamilyContact
from db.types import utc_now
from messaging.notify_receipts import record_inbound_text
from services.privacy.erasure import erase_carer
from services.transport.imports import import_transport_data
from tests.support.factories import make_carer

SAMPLE = (Path(__file__).resolve().parents[3] / "docs" / "samples" / "transport_export.csv").read_text()
HEADER, *ROWS = SAMPLE.splitlines()


async def _import(database: Database, data: str):  # type: ignore[no-untyped-def]
    async with database.transaction() as session:
        return await import_transport_data(session, data=data, now=utc_now())


async def _contacts(database: Database) -> dict[tuple[str, int], FamilyContact]:
    async with database.transaction() as session:
        result = await session.exec(select(FamilyContact, Child).where(FamilyContact.child_id == Child.id))
        return {(child.council_reference, contact.position): contact for contact, child in result.all()}


async def test_the_samples_carers_are_stored_in_e164_and_a_second_import_changes_nothing(database: Database) -> None:
    first = await _import(database, SAMPLE)
    assert first.is_ok, first.errors
    assert first.counts.created["contacts"] == 5
    contacts = await _contacts(database)
    anna, piotr = contacts[("KCC-100001", 1)], contacts[("KCC-100001", 2)]
    assert (anna.name, anna.mobile_e164, anna.email, anna.preferred_channel) == (
        "Anna", "+447700900001", "anna.k@example.org", ContactChannel.SMS
    )
    assert piotr.mobile_e164 == "+447700900002"
    assert contacts[("KCC-100004", 1)].postal_address == "12 Northdown Road\nMargate\nCT9 2RN"
    assert contacts[("KCC-100002", 1)].preferred_channel == ContactChannel.EMAIL
    assert ("KCC-100005", 1) not in contacts
    second = await _import(database, SAMPLE)
    assert second.is_ok and second.counts.created["contacts"] == 0 and second.counts.updated["contacts"] == 0
    assert second.counts.unchanged["contacts"] == 5


async def test_a_changed_number_updates_and_blank_columns_remove_a_carer(database: Database) -> None:
    await _import(database, SAMPLE)
    changed = SAMPLE.replace("07700 900001", "+44 7700 900011").replace("Piotr,07700 900002,,sms,,,pl", ",,,,,,")
    report = await _import(database, changed)
    assert report.is_ok, report.errors
    assert report.counts.updated["contacts"] == 2 and report.counts.unchanged["contacts"] == 3
    contacts = await _contacts(database)
    assert contacts[("KCC-100001", 1)].mobile_e164 == "+447700900011" and ("KCC-100001", 2) not in contacts


async def test_a_file_without_carer_columns_leaves_contacts_alone(database: Database) -> None:
    await _import(database, SAMPLE)
    rows = list(csv.reader(io.StringIO(SAMPLE)))
    legacy = io.StringIO()
    csv.writer(legacy, lineterminator="\n").writerows(row[:15] for row in rows)  # the export before carer columns
    report = await _import(database, legacy.getvalue())
    assert report.is_ok, report.errors
    assert report.counts.updated["contacts"] == 0 and len(await _contacts(database)) == 5


async def test_every_bad_contact_is_a_line_error_and_nothing_is_saved(database: Database) -> None:
    rows = list(ROWS)
    rows[0] = rows[0].replace("07700 900001", "01622 000111")  # line 2: a landline
    rows[1] = rows[1].replace("emma.jones@example.org", "emma.jones@example")  # line 3: no top-level domain
    rows[2] = rows[2].replace("Ola's mum,07700 900003", "Ola's mum,")  # line 4: fine (telegram needs nothing)
    rows[3] = rows[3].replace("CT9 2RN", "Kent")  # line 5: no postcode
    rows.append("KCC-100006,Li,SCH-BAY,Bayview Academy,Thanet,primary,,,,,,,,,,,,,,,Dad,,,sms,")  # line 7: sms without mobile
    rows.append("KCC-100007,Jo,SCH-BAY,Bayview Academy,Thanet,primary,,,,,,,,,,,07700 900005,,,,,,,,")  # line 8: no name
    rows.append("KCC-100008,Al,SCH-BAY,Bayview Academy,Thanet,primary,,,,,,,,,,Mum,,,pigeon,,,,,,")  # line 9: channel
    report = await _import(database, "\n".join([HEADER, *rows]) + "\n")
    assert not report.is_ok
    reasons = {error.line: error.reason for error in report.errors}
    assert sorted(reasons) == [2, 3, 5, 7, 8, 9]
    assert "carer1_mobile: must be a UK mobile number" in reasons[2]
    assert "carer1_email: is not an email address GOV.UK Notify can send to" in reasons[3]
    assert "carer1_address: must end with a real UK postcode" in reasons[5]
    assert "carer2_channel is sms but carer2_mobile is empty" in reasons[7]
    assert "carer1_name is needed with carer1's other details" in reasons[8]
    assert "carer1_channel: must be telegram, sms, email or letter" in reasons[9]
    assert [str(error) for error in report.errors][0].startswith("line 2: ")
    assert await _contacts(database) == {}


async def test_erasure_empties_a_linked_carers_contacts_and_texts_and_a_reimport_leaves_them_empty(
    database: Database,
) -> None:
    await _import(database, SAMPLE)
    now = utc_now()
    async with database.transaction() as session:
        carer = await make_carer(session, first_name="Anna")
        contact = (await session.exec(select(FamilyContact).where(FamilyContact.mobile_e164 == "+447700900001"))).one()
        contact.carer_id = carer.id  # the link the Telegram side will make (issue 13, next part)
        session.add(contact)
        await record_inbound_text(session, now=now, payload={
            "id": "2b6d0f5e-7c1a-4a55-9e8e-0a3c3f1b2c01", "source_number": "447700900001",
            "destination_number": "07700900123", "message": "YES", "date_received": "2026-12-07T09:30:00.000000Z",
        })
    async with database.transaction() as session:
        assert await erase_carer(session, carer_id=carer.id, now=now)  # type: ignore[arg-type]
        assert await count_inbound_texts(session) == 0
    erased = (await _contacts(database))[("KCC-100001", 1)]
    assert (erased.name, erased.mobile_e164, erased.email, erased.postal_address) == (None, None, None, None)
    assert erased.erased_at is not None
    again = await _import(database, SAMPLE)
    assert again.is_ok and again.counts.updated["contacts"] == 0
    assert (await _contacts(database))[("KCC-100001", 1)].mobile_e164 is None


async def test_each_carers_language_is_en_or_pl_in_any_usual_spelling_and_anything_else_is_a_line_error(
    database: Database,
) -> None:
    assert (await _import(database, SAMPLE)).is_ok
    contacts = await _contacts(database)
    assert (contacts[("KCC-100001", 2)].language, contacts[("KCC-100001", 1)].language) == ("pl", None)
    spelled = SAMPLE.replace("Piotr,07700 900002,,sms,,,pl", "Piotr,07700 900002,,sms,,ENGLISH,Polski")
    assert (await _import(database, spelled)).is_ok
    contacts = await _contacts(database)
    assert (contacts[("KCC-100001", 1)].language, contacts[("KCC-100001", 2)].language) == ("en", "pl")
    rows = list(ROWS)
    rows[1] = rows[1] + "de"  # line 3: carer2_language (Emma's row has no carer 2, so the name is missing too)
    rows[2] = rows[2][: -len(",,")] + ",Français,"  # line 4: carer1_language
    report = await _import(database, "\n".join([HEADER, *rows]) + "\n")
    reasons = {error.line: error.reason for error in report.errors}
    assert sorted(reasons) == [3, 4]
    assert "carer2_name is needed with carer2's other details" in reasons[3]
    assert reasons[4] == "carer1_language: must be en or pl (English or Polish)"


async def test_a_carer_who_linked_keeps_the_language_they_chose_when_the_file_says_otherwise(database: Database) -> None:
    await _import(database, SAMPLE)
    async with database.transaction() as session:
        carer = await make_carer(session, first_name="Piotr")
        carer.language = "en"
        contact = (await session.exec(select(FamilyContact).where(FamilyContact.mobile_e164 == "+447700900002"))).one()
        contact.carer_id, contact.language = carer.id, "en"  # attached at linking with the bot's language
        session.add_all([carer, contact])
    report = await _import(database, SAMPLE)  # the file still says pl
    assert report.is_ok and report.counts.updated["contacts"] == 0
    assert (await _contacts(database))[("KCC-100001", 2)].language == "en"
