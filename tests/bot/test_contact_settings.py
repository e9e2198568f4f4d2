"""How we contact you, end to end on the emulator: which carer you are, the channel first, mobile and email, bad input."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlmodel import col, select

from carerline.service import CarerlineService
from db.engine import Database
from db.models import Carer, Child, ContactChange, FamilyContact
from sandbox.emulator import BotApiEmulator, SentMessage
from services.carers.codes import IssuedCode
from tests.support.phone import Phone, label, visible

IssueCode = Callable[..., Awaitable[tuple[Child, IssuedCode]]]


async def _hold_contacts(database: Database, child: Child, *names: str) -> list[int]:
    """The council's import holds these carers for the child."""
    async with database.transaction() as session:
        contacts = [FamilyContact(child_id=child.id, position=n, name=name) for n, name in enumerate(names, start=1)]  # type: ignore[arg-type]
        session.add_all(contacts)
        await session.flush()
        return [contact.id for contact in contacts]  # type: ignore[misc]


async def _contacts(database: Database, child: Child) -> list[FamilyContact]:
    async with database.transaction() as session:
        query = select(FamilyContact).where(FamilyContact.child_id == child.id).order_by(col(FamilyContact.position))
        return list((await session.exec(query)).all())


async def _link(emulator: BotApiEmulator, issued: IssuedCode, *, user_id: int, first_name: str, language: str = "en") -> tuple[Phone, SentMessage]:
    phone = Phone(emulator, user_id=user_id, first_name=first_name, language_code=language)
    linked = await phone.press(await phone.send(f"/start {issued.payload}"), label("consent.button.agree", language=language))
    return phone, linked


async def test_a_carer_we_cannot_match_is_asked_which_carer_they_are(
    emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode, database: Database
) -> None:
    child, issued = await issue_code(display_name="Sam")
    await _hold_contacts(database, child, "Anna Kowalska", "Piotr Kowalski")
    phone, linked = await _link(emulator, issued, user_id=901, first_name="Mum")
    assert linked.text == visible("linking.linked", language="en", child="Sam")
    question = await phone.reply_after(linked.message_id)
    assert question.text == visible("contact.choose_who", language="en", child="Sam")
    assert phone.labels(question) == ["Anna", "Piotr", label("contact.button.neither", language="en"), label("menu.button.back", language="en")]
    # Not answered yet: How we contact you asks first, since the details we hold depend on the answer.
    asked_again = await phone.press(await phone.send("/settings"), "set:contact")
    assert asked_again.text == question.text and phone.labels(asked_again) == phone.labels(question)
    saved = await phone.press(asked_again, "Piotr")
    assert saved.text == visible("contact.who_saved", language="en", child="Sam")
    carer_ids = [contact.carer_id for contact in await _contacts(database, child)]
    assert carer_ids[0] is None and carer_ids[1] is not None
    again = await phone.press(question, "Anna")  # the old question: answered already
    assert again.text == visible("bad_input.old_button", language="en")
    assert [contact.carer_id for contact in await _contacts(database, child)] == carer_ids


async def test_a_matching_first_name_is_attached_without_a_question(
    emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode, database: Database
) -> None:
    child, issued = await issue_code(display_name="Sam")
    await _hold_contacts(database, child, "Anna Kowalska", "Łukasz Kowalski")
    phone, linked = await _link(emulator, issued, user_id=902, first_name="LUKASZ", language="pl")
    assert linked.text == visible("linking.linked", language="pl", child="Sam")
    contacts = await _contacts(database, child)
    assert contacts[0].carer_id is None and contacts[1].carer_id is not None
    menu = await phone.send("/settings")
    contact = await phone.press(menu, label("settings.button.contact", language="pl"))
    assert contact.text.startswith(visible("contact.summary", language="pl", channel="Telegram", mobile="brak", email="brak")[:20])


@pytest.mark.parametrize("language", ["en", "pl"])
async def test_mobile_and_email_are_checked_kindly_and_saved_in_e164(
    language: str, emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode, database: Database
) -> None:
    child, issued = await issue_code(display_name="Sam")  # nothing held: a contact is added for this family
    phone, linked = await _link(emulator, issued, user_id=903, first_name="Amira", language=language)
    contact = await phone.press(await phone.press(linked, "menu:settings"), "set:contact")
    none = label("contact.none_held", language=language)
    channel = label("contact.channel.telegram", language=language)
    assert contact.text == visible("contact.summary", language=language, channel=channel, mobile=none, email=none)
    ask = await phone.press(contact, "cont:ask:mobile")
    assert ask.text == visible("contact.ask_mobile", language=language)
    for typed, key in (
        ("01622 690000", "contact.mobile_landline"),
        ("x" * 5000, "contact.mobile_too_long"),
        ("<b>hello</b>", "contact.mobile_not_a_number"),
        ("+48 601 234 567", "contact.mobile_not_uk"),
        ("07700 90012", "contact.mobile_not_valid"),
    ):
        answer = await phone.send(typed)
        assert answer.text == visible(key, language=language), typed
        assert "set:contact" in [button["callback_data"] for row in answer.inline_keyboard for button in row]
    sticker = await phone.act(emulator.send_sticker(user_id=903))
    assert sticker.text == visible("contact.media_mobile", language=language)
    saved = await phone.send("07700 900 123")
    assert saved.text.startswith(visible("contact.mobile_saved", language=language, mobile="07••• ••• 123"))
    [held] = await _contacts(database, child)
    assert (held.mobile_e164, held.position, held.name, held.changed_by) == ("+447700900123", 3, "Amira", "carer")
    assert (await phone.send("12345")).text == visible("common.not_understood", language=language)  # the step is over
    channels = await phone.press(await phone.send("/settings"), "set:contact")
    choose = await phone.press(channels, "cont:channels")
    assert [b["callback_data"] for row in choose.inline_keyboard for b in row][:2] == ["cont:chan:telegram", "cont:chan:sms"]
    texted = await phone.press(choose, "cont:chan:sms")
    sms = label("contact.channel.sms", language=language)
    assert texted.text.startswith(visible("contact.channel_saved", language=language, channel=sms))
    email_ask = await phone.press(texted, "cont:ask:email")
    assert (await phone.send("amira@@example")).text == visible("contact.email_not_valid", language=language)
    assert (await phone.send("a" * 400 + "@example.com")).text == visible("contact.email_too_long", language=language)
    back = await phone.press(email_ask, "set:contact")  # the way back from the question works at any time
    assert back.text.startswith(visible("contact.summary", language=language, channel=sms, mobile="x", email="x")[:10])
    removed = await phone.press(back, "cont:rm:mobile")
    assert removed.text.startswith(visible("contact.mobile_removed", language=language))
    [held] = await _contacts(database, child)
    assert (held.mobile_e164, held.preferred_channel) == (None, "telegram")  # no mobile: texts cannot come first
    async with database.transaction() as session:
        carer = (await session.exec(select(Carer).where(Carer.chat_id == 903))).one()
        changes = (await session.exec(select(ContactChange).where(ContactChange.carer_id == carer.id))).all()
    assert [(c.action, c.channel) for c in changes] == [("added", "sms"), ("preferred", "sms"), ("removed", "sms"), ("preferred", "telegram")]
    assert {c.notice_version for c in changes} == {carer.consent_notice_version}


async def test_my_data_shows_the_channel_and_the_details_we_hold(
    emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode, database: Database
) -> None:
    child, issued = await issue_code(display_name="Sam")
    async with database.transaction() as session:
        session.add(FamilyContact(child_id=child.id, position=1, name="Amira Khan", mobile_e164="+447700900555",  # type: ignore[arg-type]
                                  email="amira.k@example.org", preferred_channel="email", postal_address="1 A Road\nMaidstone\nME14 1XQ"))
    phone, linked = await _link(emulator, issued, user_id=904, first_name="Amira")
    held = await phone.press(linked, "menu:mydata")
    email = label("contact.channel.email", language="en")
    assert visible("data.contact", language="en", channel=email, mobile="07••• ••• 555", email="am•••@example.org") in held.text
    assert visible("data.contact_address", language="en") in held.text
