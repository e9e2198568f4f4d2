"""The menu: every entry as a button and as a command, in English and Polish; commands registered."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest
from sqlmodel import select

from bot.menu import COMMANDS, MENU_ROWS
from carerline.service import CarerlineService
from db.engine import Database
from db.models import Child, RouteStop
from sandbox.emulator import BotApiEmulator, SentMessage
from services.carers.codes import IssuedCode
from tests.support.factories import make_child, make_operator, make_route
from tests.support.phone import Phone, label, visible

IssueCode = Callable[..., Awaitable[tuple[Child, IssuedCode]]]
LANGUAGES = ["en", "pl"]
COUNCIL = {"phone": "03000 41 00 00", "hours": "Monday to Friday, 8:30am to 5pm"}


async def linked_phone(emulator: BotApiEmulator, issued: IssuedCode, *, user_id: int, language: str, first_name: str = "Amira") -> tuple[Phone, SentMessage]:
    """A parent who opened the deep link and agreed; the menu they got."""
    phone = Phone(emulator, user_id=user_id, first_name=first_name, language_code=language)
    notice = await phone.send(f"/start {issued.payload}")
    return phone, await phone.press(notice, label("consent.button.agree", language=language))


async def test_commands_are_registered_in_english_and_polish(emulator: BotApiEmulator, service: CarerlineService) -> None:
    english = emulator.commands[("default", "")]
    polish = emulator.commands[("default", "pl")]
    assert [command["command"] for command in english] == [name for name, _ in COMMANDS]
    assert [command["command"] for command in polish] == [name for name, _ in COMMANDS]
    assert english[0]["description"] == label("command.menu", language="en")
    assert polish[0]["description"] == label("command.menu", language="pl")


@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_menu_entry_answers_by_button_and_by_command(
    language: str, emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode
) -> None:
    _, issued = await issue_code(display_name="Sam")
    phone, menu = await linked_phone(emulator, issued, user_id=701, language=language)
    assert phone.labels(menu) == [label(entry.label_key, language=language) for row in MENU_ROWS for entry in row]
    settings = service.settings
    expected_start = {
        "transport": "Sam, ",
        "application": "",  # its flow belongs to the application-status issue; here: it answers, with a way back
        "problem": visible("casework_bot.problem.choose_category", language=language, child="Sam").split("\n")[0],
        "feedback": visible("casework_bot.feedback.choose_topic", language=language).split("\n")[0],
        "complaint": visible("complaints_bot.choose_category", language=language).split("\n")[0],
        "complaints": visible("casework.my.no_complaints", language=language),
        "settings": visible("settings.summary", language=language, language_name="x", quiet="x", updates="x").split("\n")[0],
        "mydata": visible("data.intro", language=language).split("\n")[0],
        "help": visible(
            "menu.help", language=language, council_phone=settings.council_transport_phone,
            council_hours=settings.council_transport_hours, pact_phone=settings.pact_phone,
            pact_hours=settings.pact_hours, url=settings.privacy_notice_url,
        ),
    }
    for row in MENU_ROWS:
        for entry in row:
            by_button = await phone.press(menu, entry.callback_data)
            by_command = await phone.send(f"/{entry.command}")
            assert by_button.text.startswith(expected_start[entry.command]), entry.command
            # The same answer either way (My data counts messages, so compare without numbers).
            assert re.sub(r"\d+", "#", by_command.text) == re.sub(r"\d+", "#", by_button.text), entry.command
            assert by_button.inline_keyboard, f"{entry.command} left the parent without a way back"
            back = await phone.press(by_button, "menu:main")
            assert back.text == visible("menu.main", language=language, name="Amira")


async def test_my_transport_shows_route_pickup_operator_and_phone(
    emulator: BotApiEmulator, service: CarerlineService, database: Database, issue_code: IssueCode
) -> None:
    async with database.transaction() as session:
        operator = await make_operator(session, name="Garden Cars <Kent> & Co", public_phone="01622 000 111")
        route = await make_route(session, operator=operator, code="R-77", vehicle_type="Minibus")
        child = await make_child(session, route=route, display_name="Sam")
        stop = (await session.exec(select(RouteStop).where(RouteStop.route_id == route.id, RouteStop.sequence == 1))).one()
        child.stop_id = stop.id
    _, issued = await issue_code(child=child)
    phone, menu = await linked_phone(emulator, issued, user_id=702, language="en")
    reply = await phone.press(menu, "menu:transport")
    assert "Route R-77: Minibus" in reply.text
    assert "Pick-up: Stop 1, High Street, between 7:35am and 7:45am" in reply.text
    assert "Transport company: Garden Cars <Kent> & Co, phone 01622 000 111" in reply.text
    assert reply.text.endswith(visible("transport.footer", language="en", **COUNCIL))


async def test_help_works_before_consent(emulator: BotApiEmulator, service: CarerlineService) -> None:
    phone = Phone(emulator, user_id=703, language_code="pl")
    reply = await phone.send("/help")
    assert reply.text.startswith("Pomoc")
    assert service.settings.pact_phone in reply.text


async def test_menu_before_consent_shows_the_privacy_notice(emulator: BotApiEmulator, service: CarerlineService) -> None:
    phone = Phone(emulator, user_id=704)
    reply = await phone.send("/transport")
    assert visible("consent.question", language="en") in reply.text


async def test_a_carer_without_children_is_told_how_to_link(
    emulator: BotApiEmulator, service: CarerlineService
) -> None:
    phone = Phone(emulator, user_id=705)
    await phone.press(await phone.send("/start"), label("consent.button.agree", language="en"))
    menu = await phone.send("/menu")
    assert visible("menu.no_children_hint", language="en") in menu.text
    transport = await phone.press(menu, "menu:transport")
    assert transport.text == visible("transport.none", language="en")
    ask = await phone.press(transport, "link:another")
    assert ask.text == visible("linking.ask_code", language="en")
