"""Settings end to end: language, quiet hours, kinds of update, unlinking, withdrawing consent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import time

import pytest
from sqlmodel import select

from carerline.service import CarerlineService
from db.dao.delivery.message_log import fetch_messages_for_chat
from db.engine import Database
from db.models import Carer, CarerChildLink, Child, ConsentEvent
from sandbox.emulator import BotApiEmulator, SentMessage
from services.carers.codes import IssuedCode
from tests.support.phone import Phone, label, visible

IssueCode = Callable[..., Awaitable[tuple[Child, IssuedCode]]]


async def linked(emulator: BotApiEmulator, issued: IssuedCode, *, user_id: int, language: str = "en") -> tuple[Phone, SentMessage]:
    phone = Phone(emulator, user_id=user_id, first_name="Amira", language_code=language)
    menu = await phone.press(await phone.send(f"/start {issued.payload}"), label("consent.button.agree", language=language))
    return phone, menu


async def carer_of(database: Database, chat_id: int) -> Carer:
    async with database.transaction() as session:
        return (await session.exec(select(Carer).where(Carer.chat_id == chat_id))).one()


async def test_language_changes_from_english_to_polish_and_back(
    emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode, database: Database
) -> None:
    _, issued = await issue_code()
    phone, menu = await linked(emulator, issued, user_id=801)
    settings = await phone.press(menu, "menu:settings")
    choose = await phone.press(settings, "set:language")
    assert phone.labels(choose)[:2] == ["English", "Polski"]
    saved = await phone.press(choose, "set:lang:pl")
    assert saved.text.startswith(visible("settings.language_saved", language="pl"))
    assert (await carer_of(database, 801)).language == "pl"
    menu_pl = await phone.send("/menu")
    assert menu_pl.text == visible("menu.main", language="pl", name="Amira")
    back = await phone.press(await phone.press(await phone.send("/settings"), "set:language"), "set:lang:en")
    assert back.text.startswith(visible("settings.language_saved", language="en"))


@pytest.mark.parametrize("language", ["en", "pl"])
async def test_quiet_hours_and_kinds_of_update(
    language: str, emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode, database: Database
) -> None:
    _, issued = await issue_code()
    phone, menu = await linked(emulator, issued, user_id=802, language=language)
    choose = await phone.press(await phone.press(menu, "menu:settings"), "set:quiet")
    saved = await phone.press(choose, "set:quiet:21-07")
    assert saved.text.startswith(visible("settings.quiet_saved", language=language))
    carer = await carer_of(database, 802)
    assert (carer.quiet_hours_start, carer.quiet_hours_end) == (time(21), time(7))
    kinds = await phone.press(saved, "set:kinds")
    survey_off = await phone.press(kinds, "set:kind:surveys:0")
    assert label("settings.kind_off", language=language, kind=label("settings.kind.surveys", language=language)) in phone.labels(survey_off)
    assert (await carer_of(database, 802)).muted_update_kinds == ["surveys"]
    await phone.press(survey_off, "set:kind:surveys:1")
    off = await phone.press(await phone.press(await phone.send("/settings"), "set:quiet"), "set:quiet:off")
    carer = await carer_of(database, 802)
    assert (carer.quiet_hours_start, carer.muted_update_kinds) == (None, [])
    assert visible("settings.quiet_off", language=language) in off.text


async def test_unlink_a_child_after_confirming(
    emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode, database: Database
) -> None:
    child, issued = await issue_code(display_name="Sam")
    phone, menu = await linked(emulator, issued, user_id=803)
    choose = await phone.press(await phone.press(menu, "menu:settings"), "set:unlink")
    confirm = await phone.press(choose, f"set:unlink:{child.id}")
    assert confirm.text == visible("settings.confirm_unlink", language="en", child="Sam")
    done = await phone.press(confirm, label("settings.button.unlink_yes", language="en", child="Sam"))
    assert done.text == visible("settings.unlinked", language="en", child="Sam")
    async with database.transaction() as session:
        assert (await session.exec(select(CarerChildLink))).all() == []
    again = await phone.press(confirm, label("settings.button.unlink_yes", language="en", child="Sam"))
    assert again.text == visible("bad_input.old_button", language="en")


async def test_withdrawing_consent_stops_updates_and_says_so(
    emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode, database: Database
) -> None:
    _, issued = await issue_code()
    phone, menu = await linked(emulator, issued, user_id=804)
    confirm = await phone.press(await phone.press(menu, "menu:settings"), "set:withdraw")
    assert confirm.text == visible("settings.confirm_withdraw", language="en")
    withdrawn = await phone.press(confirm, "Yes, withdraw")
    assert withdrawn.text == visible("settings.withdrawn", language="en")
    carer = await carer_of(database, 804)
    assert carer.consent_withdrawn_at is not None and not carer.has_consent
    async with database.transaction() as session:
        kinds = [event.kind for event in (await session.exec(select(ConsentEvent).order_by(ConsentEvent.id))).all()]
    assert kinds == ["given", "withdrawn"]
    # Without consent the menu leads back to the notice, the words typed are no longer kept, My data still works.
    notice = await phone.send("/transport")
    assert notice.text.startswith(visible("consent.withdrawn_reminder", language="en"))
    await phone.send("my private words")
    my_data = await phone.press(withdrawn, "menu:mydata")
    assert "withdrew your consent" in my_data.text
    async with database.transaction() as session:
        texts = [m.text for m in await fetch_messages_for_chat(session, chat_id=804)]
    assert "my private words" not in texts
    back = await phone.press(notice, label("consent.button.agree", language="en"))
    assert back.text == visible("consent.thanks", language="en", name="Amira")
    assert (await carer_of(database, 804)).has_consent
