"""Conversation state lives in the database: a restart half-way through carries on where it was."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlmodel import select

from carerline.service import CarerlineService
from db.engine import Database
from db.models import CarerChildLink, Child
from sandbox.emulator import BotApiEmulator
from services.carers.codes import IssuedCode
from tests.support.phone import Phone, label, visible

IssueCode = Callable[..., Awaitable[tuple[Child, IssuedCode]]]
StartService = Callable[..., Awaitable[CarerlineService]]


async def test_a_restart_between_the_link_and_consent_keeps_the_pending_code(
    emulator: BotApiEmulator, start_service: StartService, issue_code: IssueCode, database: Database
) -> None:
    _, issued = await issue_code(display_name="Sam")
    phone = Phone(emulator, user_id=1101, language_code="pl")
    first = await start_service()
    notice = await phone.send(f"/start {issued.payload}")
    await first.stop()
    await start_service()
    linked = await phone.press(notice, label("consent.button.agree", language="pl"))
    assert linked.text == visible("linking.linked", language="pl", child="Sam")


async def test_a_restart_while_waiting_for_a_code_and_during_a_confirmation(
    emulator: BotApiEmulator, start_service: StartService, issue_code: IssueCode, database: Database
) -> None:
    child, issued = await issue_code(display_name="Lily")
    phone = Phone(emulator, user_id=1102)
    first = await start_service()
    asked = await phone.press(await phone.send("/start"), label("consent.button.agree", language="en"))
    assert asked.text == visible("consent.thanks_ask_code", language="en")
    await first.stop()
    second = await start_service()
    linked = await phone.send(issued.display)  # a new process still knows the next text is a code
    assert linked.text == visible("linking.linked", language="en", child="Lily")
    confirm = await phone.press(await phone.press(await phone.send("/settings"), "set:unlink"), f"set:unlink:{child.id}")
    await second.stop()
    await start_service()
    done = await phone.press(confirm, label("settings.button.unlink_yes", language="en", child="Lily"))
    assert done.text == visible("settings.unlinked", language="en", child="Lily")
    async with database.transaction() as session:
        assert (await session.exec(select(CarerChildLink))).all() == []
