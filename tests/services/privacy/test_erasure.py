"""Erasure: every registered data area erases in the same transaction; the carer row keeps only a pseudonym."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from db.dao.delivery.message_log import save_inbound_message
from db.dao.incoming_updates import mark_update_handled, save_incoming_update
from db.engine import Database
from db.models import Carer, CarerChildLink, IncomingUpdate, MessageRecord
from services.privacy.erasure import erase_carer, register_eraser, registered_erasers
from services.privacy.targets import ErasureTarget
from tests.support.factories import make_carer, make_child

NOW = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


def test_core_areas_are_registered() -> None:
    assert {"message_log", "conversation", "links", "consent"} <= set(registered_erasers())


async def test_erasure_runs_every_eraser_and_rolls_back_together(database: Database) -> None:
    seen: list[ErasureTarget] = []

    async def failing_eraser(session: object, target: ErasureTarget) -> None:
        seen.append(target)
        raise RuntimeError("an area failed")

    async with database.transaction() as session:
        carer = await make_carer(session, chat_id=4242, first_name="Jo", children=[await make_child(session)])
        await save_inbound_message(session, update_id=1, chat_id=4242, kind="text", text="hello", telegram_message_id=1)
    register_eraser("test_failing", failing_eraser)
    try:
        with pytest.raises(RuntimeError):
            async with database.transaction() as session:
                await erase_carer(session, carer_id=carer.id, now=NOW)  # type: ignore[arg-type]
    finally:
        from services.privacy import erasure

        erasure._erasers.pop("test_failing")
    assert seen == [ErasureTarget(carer_id=carer.id, chat_id=4242, known_names=("Jo", "Sam"))]  # type: ignore[arg-type]
    async with database.transaction() as session:
        kept = (await session.exec(select(Carer))).one()
        assert kept.chat_id == 4242 and kept.first_name == "Jo"  # nothing half-erased
    async with database.transaction() as session:
        assert await erase_carer(session, carer_id=carer.id, now=NOW) is True  # type: ignore[arg-type]
        assert await erase_carer(session, carer_id=carer.id, now=NOW) is False  # type: ignore[arg-type]
    async with database.transaction() as session:
        erased = (await session.exec(select(Carer))).one()
        message = (await session.exec(select(MessageRecord))).one()
        links = (await session.exec(select(CarerChildLink))).all()
    assert (erased.chat_id, erased.first_name, erased.erased_at) == (None, None, NOW)
    assert (message.chat_id, message.text, message.kind) == (None, None, "text")
    assert links == []


async def test_erasure_deletes_the_carers_recorded_webhook_updates_handled_or_not(database: Database) -> None:
    async with database.transaction() as session:
        carer = await make_carer(session, chat_id=4343, first_name="Jo")
        for update_id, chat_id in ((11, 4343), (12, 4343), (13, 5555)):
            payload = f'{{"update_id": {update_id}, "message": {{"text": "my words", "chat": {{"id": {chat_id}}}}}}}'
            await save_incoming_update(session, update_id=update_id, chat_id=chat_id, payload=payload, received_at=NOW)
        await mark_update_handled(session, update_id=11, handled_at=NOW)
    async with database.transaction() as session:
        assert await erase_carer(session, carer_id=carer.id, now=NOW) is True  # type: ignore[arg-type]
    async with database.transaction() as session:
        left = (await session.exec(select(IncomingUpdate))).all()
    assert [(row.update_id, row.chat_id) for row in left] == [(13, 5555)]  # another family's update stays
