"""Linking a chat to a child with the council's code: deep link, typed code, several children and carers, lock-out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.formatting import uk_time_of_day
from carerline.service import CarerlineService
from db.engine import Database
from db.models import Carer, CarerChildLink, Child, ConsentEvent, LinkingFailure
from db.types import utc_now
from sandbox.emulator import BotApiEmulator
from services.carers.codes import IssuedCode
from tests.support.phone import Phone, label, visible

IssueCode = Callable[..., Awaitable[tuple[Child, IssuedCode]]]
LANGUAGES = ["en", "pl"]
PHONE = {"phone": "03000 41 00 00", "hours": "Monday to Friday, 8:30am to 5pm"}


async def _agree(phone: Phone, notice: object, language: str) -> object:
    return await phone.press(notice, label("consent.button.agree", language=language))  # type: ignore[arg-type]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_deep_link_shows_the_notice_then_links_after_consent(
    language: str, emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode, database: Database
) -> None:
    child, issued = await issue_code(display_name="Sam")
    phone = Phone(emulator, user_id=601, first_name="Amira", language_code=language)
    notice = await phone.send(f"/start {issued.payload}")
    assert visible("consent.question", language=language) in notice.text
    async with database.transaction() as session:
        assert (await session.exec(select(Carer))).all() == []  # nothing beyond the chat id before consent
    linked = await _agree(phone, notice, language)
    assert linked.text == visible("linking.linked", language=language, child="Sam")  # type: ignore[attr-defined]
    assert label("menu.button.transport", language=language) in phone.labels(linked)  # type: ignore[arg-type]
    async with database.transaction() as session:
        carer = (await session.exec(select(Carer))).one()
        links = (await session.exec(select(CarerChildLink))).all()
        events = (await session.exec(select(ConsentEvent))).all()
    assert (carer.chat_id, carer.first_name, carer.language) == (601, "Amira", language)
    assert carer.consent_notice_version == service.settings.privacy_notice_version and carer.consent_given_at
    assert [(link.carer_id, link.child_id) for link in links] == [(carer.id, child.id)]
    assert [(event.kind, event.notice_version) for event in events] == [("given", service.settings.privacy_notice_version)]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_plain_start_then_typed_code_with_spaces_and_lower_case(
    language: str, emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode
) -> None:
    _, issued = await issue_code(display_name="Maya")
    phone = Phone(emulator, user_id=602, language_code=language)
    notice = await phone.send("/start")
    ask = await _agree(phone, notice, language)
    assert ask.text == visible("consent.thanks_ask_code", language=language)  # type: ignore[attr-defined]
    typed = issued.display.lower().replace("-", " ")
    linked = await phone.send(typed)
    assert linked.text == visible("linking.linked", language=language, child="Maya")


async def test_code_typed_before_consent_is_kept_until_consent(
    emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode, database: Database
) -> None:
    _, issued = await issue_code(display_name="Ola")
    phone = Phone(emulator, user_id=603)
    notice = await phone.send(issued.display)
    assert notice.text.startswith(visible("consent.code_kept_until_consent", language="en"))
    linked = await _agree(phone, notice, "en")
    assert linked.text == visible("linking.linked", language="en", child="Ola")  # type: ignore[attr-defined]


async def test_one_carer_links_two_children_and_two_carers_share_a_code(
    emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode, database: Database
) -> None:
    child_one, first = await issue_code(display_name="Sam")
    child_two, second = await issue_code(display_name="Lily")
    mum = Phone(emulator, user_id=604, first_name="Amira")
    await _agree(mum, await mum.send(f"/start {first.payload}"), "en")
    linked = await mum.send(f"/start {second.payload}")
    assert linked.text == visible("linking.linked", language="en", child="Lily")
    again = await mum.send(second.display)
    assert again.text == visible("linking.already_linked", language="en", child="Lily")
    dad = Phone(emulator, user_id=605, first_name="Tomasz", language_code="pl")
    dad_linked = await _agree(dad, await dad.send(f"/start {first.payload}"), "pl")
    assert dad_linked.text == visible("linking.linked", language="pl", child="Sam")  # type: ignore[attr-defined]
    async with database.transaction() as session:
        pairs = {(link.carer_id, link.child_id) for link in (await session.exec(select(CarerChildLink))).all()}
        carers = {carer.chat_id: carer.id for carer in (await session.exec(select(Carer))).all()}
    assert pairs == {(carers[604], child_one.id), (carers[604], child_two.id), (carers[605], child_one.id)}


async def test_expired_code_says_so_and_how_to_get_a_new_one(
    emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode
) -> None:
    _, issued = await issue_code(now=utc_now() - timedelta(days=61), ttl_days=60)
    phone = Phone(emulator, user_id=606)
    reply = await _agree(phone, await phone.send(f"/start {issued.payload}"), "en")
    assert reply.text == visible("linking.no_longer_valid", language="en", **PHONE)  # type: ignore[attr-defined]
    assert phone.labels(reply) == [label("menu.button.back", language="en")]  # type: ignore[arg-type]


async def test_a_code_used_by_as_many_carers_as_allowed_says_only_that_it_did_not_work(
    emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode, database: Database
) -> None:
    _, issued = await issue_code()
    for user_id in (611, 612, 613, 614):
        phone = Phone(emulator, user_id=user_id)
        await _agree(phone, await phone.send(f"/start {issued.payload}"), "en")
    fifth = Phone(emulator, user_id=615)
    reply = await _agree(fifth, await fifth.send(f"/start {issued.payload}"), "en")
    assert reply.text == visible("linking.not_recognised", language="en", **PHONE)  # type: ignore[attr-defined]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_five_wrong_codes_lock_the_chat_out_for_an_hour(
    language: str, emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode, database: Database
) -> None:
    _, issued = await issue_code(display_name="Sam")
    phone = Phone(emulator, user_id=620, language_code=language)
    await _agree(phone, await phone.send("/start"), language)
    wrong = ["AAAA-AAAA-A1", "BBBB-BBBB-B2", "CCCC-CCCC-C3", "DDDD-DDDD-D4"]
    for code in wrong:
        reply = await phone.send(code)
        assert reply.text == visible("linking.not_recognised", language=language, **PHONE)
    not_a_code = await phone.send("hello")  # not code-shaped: a gentle hint, and no strike against the chat
    assert not_a_code.text == visible("linking.not_a_code", language=language, **PHONE)
    locked = await phone.send("EEEE-EEEE-E5")
    refused = await phone.send(issued.display)  # even the right code, while locked out
    async with database.transaction() as session:
        failures = (await session.exec(select(LinkingFailure).order_by(LinkingFailure.id))).all()
        links = (await session.exec(select(CarerChildLink))).all()
    assert len(failures) == 5 and links == []
    lock = failures[-1].locks_until
    assert lock is not None and lock - failures[-1].failed_at == timedelta(hours=1)
    expected = visible("linking.locked_out", language=language, time=uk_time_of_day(lock, language=language), **PHONE)
    assert locked.text == expected
    assert refused.text == expected
