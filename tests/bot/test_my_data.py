"""My data: what we hold, a copy as a file, and erasure that leaves no trace of the person anywhere."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import MetaData, select
from sqlmodel import select as model_select

from carerline.service import CarerlineService
from db.engine import Database
from db.models import Carer, Child, ConsentEvent, MessageRecord
from sandbox.emulator import BotApiEmulator, SentMessage
from services.carers.codes import IssuedCode
from tests.support.phone import Phone, label, visible
from tests.support.waiting import wait_for_condition

IssueCode = Callable[..., Awaitable[tuple[Child, IssuedCode]]]
CHAT_ID = 987_654_321
FIRST_NAME = "Zbigniewa"
FREE_TEXT = "Moja prywatna wiadomość o synu"


async def linked(emulator: BotApiEmulator, issued: IssuedCode, *, language: str) -> tuple[Phone, SentMessage]:
    phone = Phone(emulator, user_id=CHAT_ID, first_name=FIRST_NAME, language_code=language)
    menu = await phone.press(await phone.send(f"/start {issued.payload}"), label("consent.button.agree", language=language))
    return phone, menu


@pytest.mark.parametrize("language", ["en", "pl"])
async def test_my_data_shows_what_is_held_and_sends_a_readable_copy(
    language: str, emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode
) -> None:
    _, issued = await issue_code(display_name="Sam")
    phone, menu = await linked(emulator, issued, language=language)
    await phone.send(FREE_TEXT)
    held = await phone.press(menu, "menu:mydata")
    assert held.text.startswith(visible("data.intro", language=language))
    assert FIRST_NAME in held.text and "Sam (" in held.text
    copy = await phone.press(held, "data:export")
    assert copy.document is not None and copy.document.filename == "carerline-my-data.zip"
    assert copy.caption is not None and copy.caption.startswith(visible("data.export_caption", language=language, time="T").split("T")[0])
    with zipfile.ZipFile(io.BytesIO(copy.document.content)) as archive:
        exported = json.loads(archive.read("my-data.json"))
    assert exported["you"]["first_name"] == FIRST_NAME and exported["you"]["telegram_chat_id"] == CHAT_ID
    assert [child["name"] for child in exported["children_linked"]] == ["Sam"]
    assert [event["what"] for event in exported["consent_history"]] == ["given"]
    assert {"from": "you", "kind": "text", "text": FREE_TEXT} in [
        {key: message[key] for key in ("from", "kind", "text")} for message in exported["messages"]
    ]
    assert set(exported) == {
        "about", "created_at", "you", "settings", "children_linked", "consent_history", "messages", "feedback",
        "complaints", "problems_reported", "transport_change_notices", "surveys", "transport_applications",
        "how_we_contact_you", "contact_changes",
    }


async def _every_stored_value(database: Database) -> list[tuple[str, str, str]]:
    """Every value in every column of every table of the live schema, as text: (table, column, value)."""
    metadata = MetaData()
    async with database.engine.connect() as connection:
        await connection.run_sync(metadata.reflect)
        found = []
        for table in metadata.sorted_tables:
            for row in (await connection.execute(select(table))).mappings():
                for column, value in row.items():
                    if value is None:
                        continue
                    shown = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                    found.append((table.name, str(column), shown))
    return found


def _traces(values: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    needles = (str(CHAT_ID), FIRST_NAME, FREE_TEXT, "prywatna")
    return [(table, column, value) for table, column, value in values if any(needle in value for needle in needles)]


@pytest.mark.parametrize("language", ["en", "pl"])
async def test_erasure_leaves_no_trace_in_any_table_or_column(
    language: str, emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode, database: Database
) -> None:
    _, issued = await issue_code(display_name="Sam")
    phone, menu = await linked(emulator, issued, language=language)
    await phone.send(FREE_TEXT)
    settings = await phone.press(menu, "menu:settings")
    await phone.press(await phone.press(settings, "set:quiet"), "set:quiet:22-07")
    held = await phone.send("/mydata")
    await phone.press(held, "data:export")
    assert _traces(await _every_stored_value(database)), "the scan must see the person before erasure"

    confirm = await phone.press(held, "data:erase")
    assert confirm.text == visible("data.confirm_erase", language=language)
    kept = await phone.press(confirm, label("data.button.erase_no", language=language))
    assert kept.text.startswith(visible("data.intro", language=language))
    stale = await phone.press(confirm, label("data.button.erase_yes", language=language))
    assert stale.text == visible("bad_input.old_button", language=language)
    confirm = await phone.press(kept, "data:erase")
    erased = await phone.press(confirm, label("data.button.erase_yes", language=language))
    assert erased.text == visible("data.erased", language=language)

    async def erasure_recorded() -> bool:
        async with database.transaction() as session:
            return bool((await session.exec(model_select(MessageRecord).where(MessageRecord.kind == "erased"))).all())

    await wait_for_condition(erasure_recorded, description="the erasure reply in the message log")
    assert _traces(await _every_stored_value(database)) == []
    async with database.transaction() as session:
        carer = (await session.exec(model_select(Carer))).one()
        events = (await session.exec(model_select(ConsentEvent))).all()
        messages = (await session.exec(model_select(MessageRecord))).all()
    assert carer.erased_at is not None and carer.pseudonym.startswith("C-")  # de-identified, kept for statistics
    assert [(event.kind, event.carer_id) for event in events] == [("given", None)]
    assert {message.kind for message in messages} >= {"command", "text", "button", "erased"}
    assert all(message.chat_id is None and message.text is None for message in messages)
    # The way back: they can start again as someone new.
    again = await phone.press(erased, label("data.button.start_again", language=language))
    assert visible("consent.question", language=language) in again.text
