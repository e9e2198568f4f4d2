"""Erasing a carer de-identifies their outbox rows: no chat id, no words; states and times stay for the counts."""

from __future__ import annotations

from sqlmodel import select

from db.engine import Database
from db.models import OutboxMessage
from db.types import utc_now
from messaging.outbox import OutgoingMessage, enqueue_messages, seen_button_markup
from services.privacy.erasure import erase_carer, registered_erasers
from tests.support.factories import make_carer


async def test_erasure_removes_the_chat_and_the_words_from_the_outbox(database: Database) -> None:
    assert "delivery" in registered_erasers()
    async with database.transaction() as session:
        carer = await make_carer(session)
        other = await make_carer(session)
        await enqueue_messages(
            session,
            messages=[
                OutgoingMessage(carer=person, idempotency_key=f"k:{person.id}", purpose="transport_change", source_type="t",
                                text=f"Sam's bus, for {person.id}", reply_markup=seen_button_markup("Seen"))
                for person in (carer, other)
            ],
            now=utc_now(),
        )
        assert await erase_carer(session, carer_id=carer.id, now=utc_now())  # type: ignore[arg-type]
        rows = {row.carer_id: row for row in (await session.exec(select(OutboxMessage))).all()}
    erased, kept = rows[carer.id], rows[other.id]
    assert (erased.chat_id, erased.text, erased.reply_markup) == (None, None, None)
    assert erased.state == "queued" and erased.purpose == "transport_change" and erased.queued_at is not None
    assert kept.chat_id == other.chat_id and kept.text is not None
