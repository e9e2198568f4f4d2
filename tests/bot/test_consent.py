"""Consent: nothing beyond the chat id before it, declining keeps nothing, old notice buttons are recognised."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlmodel import select

from carerline.service import CarerlineService
from db.dao.delivery.message_log import fetch_messages_for_chat
from db.engine import Database
from db.models import Carer, Child, ConversationState
from sandbox.emulator import BotApiEmulator
from services.carers.codes import IssuedCode
from tests.support.phone import Phone, label, visible

IssueCode = Callable[..., Awaitable[tuple[Child, IssuedCode]]]


async def test_before_consent_only_the_kind_of_message_is_kept(
    emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode, database: Database
) -> None:
    _, issued = await issue_code()
    phone = Phone(emulator, user_id=901, first_name="Amira")
    await phone.send(f"/start {issued.payload}")
    await phone.send("my name is Amira Khan and I live at 4 Mill Lane")
    async with database.transaction() as session:
        inbound = [m for m in await fetch_messages_for_chat(session, chat_id=901) if m.direction == "in"]
        everything = " ".join(m.text or "" for m in await fetch_messages_for_chat(session, chat_id=901))
        carers = (await session.exec(select(Carer))).all()
        state = (await session.exec(select(ConversationState))).one()
    assert [(m.kind, m.text) for m in inbound] == [("command", None), ("text", None)]
    assert "Amira" not in everything and "Mill Lane" not in everything
    assert carers == []
    assert state.data == {"code": issued.payload}  # the pending code, until consent


async def test_declining_keeps_nothing_and_offers_the_way_back(
    emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode, database: Database
) -> None:
    _, issued = await issue_code()
    phone = Phone(emulator, user_id=902, language_code="pl")
    notice = await phone.send(f"/start {issued.payload}")
    declined = await phone.press(notice, label("consent.button.decline", language="pl"))
    assert declined.text.startswith(visible("consent.declined", language="pl", phone="x", hours="y").split("\n")[0])
    async with database.transaction() as session:
        state = (await session.exec(select(ConversationState))).one()
        assert (await session.exec(select(Carer))).all() == []
    assert state.data == {}  # the pending code is gone
    old = await phone.press(notice, label("consent.button.agree", language="pl"))
    assert old.text.startswith(visible("consent.old_button", language="pl"))
    again = await phone.press(declined, label("consent.button.read_again", language="pl"))
    assert visible("consent.question", language="pl") in again.text
    agreed = await phone.press(again, label("consent.button.agree", language="pl"))
    assert agreed.text == visible("consent.thanks_ask_code", language="pl")
