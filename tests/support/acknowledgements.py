"""A family told of a change in Telegram and then by text (the fallback row), for acknowledgement tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.engine import Database
from db.models import Carer, ChangeNotice, FamilyContact, OutboxChannel, OutboxMessage, TransportChange
from messaging.outbox import OutgoingMessage, enqueue_messages
from tests.support.factories import make_carer, make_child, make_route, make_transport_change

SMS_TEXT = (
    "Sam's pick-up time is changing. Route {route}: the bus will come at 7:55am, not 7:40am.\n"
    "From Thursday 26 November.\n\n"
    "Tell us you have read this: {{ack_link}}\n"
    "Questions? Call the transport team on 03000 41 00 00."
)


@dataclass(frozen=True)
class TextedFamily:
    """One carer, their contact (a UK mobile), the change, their notice, and the text sent to them."""

    carer: Carer
    contact: FamilyContact
    change: TransportChange
    notice_id: int
    sms_row_id: int


async def texted_family(
    database: Database, *, now: datetime, effective_from: date, expires_at: datetime | None,
    mobile: str = "+447700900111", language: str = "en", route_code: str = "MA-101",
) -> TextedFamily:
    """A change recorded through the real service; the notice's text row queued as the fallback would, and sent."""
    async with database.transaction() as session:
        route = await make_route(session, code=route_code)
        child = await make_child(session, route=route, display_name="Sam")
        carer = await make_carer(session, language=language, children=[child], first_name="Amira")
        contact = FamilyContact(child_id=child.id or 0, position=1, name="Amira", mobile_e164=mobile, carer_id=carer.id)
        session.add(contact)
        await session.flush()
        recorded = await make_transport_change(session, route=route, now=now, effective_from=effective_from)
        change = recorded.change  # type: ignore[attr-defined]
        notice = (await session.exec(
            select(ChangeNotice).where(ChangeNotice.change_id == change.id, ChangeNotice.carer_id == carer.id)
        )).one()
        first = await session.get(OutboxMessage, notice.outbox_message_id)
        assert first is not None and first.notice_key is not None
        sms_id = await _sent_text(session, carer=carer, contact=contact, notice_key=first.notice_key, change=change,
                                  now=now, expires_at=expires_at, route_code=route_code)
    return TextedFamily(carer=carer, contact=contact, change=change, notice_id=notice.id or 0, sms_row_id=sms_id)


async def _sent_text(
    session: AsyncSession, *, carer: Carer, contact: FamilyContact, notice_key: str, change: TransportChange,
    now: datetime, expires_at: datetime | None, route_code: str,
) -> int:
    message = OutgoingMessage(
        carer=carer, contact=contact, channel=OutboxChannel.SMS, idempotency_key=notice_key, purpose="change_notice",
        source_type="transport_change", source_id=change.id, text=SMS_TEXT.format(route=route_code), reply_markup={},
        update_kind="transport_changes", must_send=True, is_urgent=True, ack_expires_at=expires_at,
    )
    result = await enqueue_messages(session, messages=[message], now=now)
    row_id = result.outbox_ids[notice_key]
    row = await session.get(OutboxMessage, row_id)
    assert row is not None and row.channel == "sms", "the notice's first row is not Telegram"
    row.state, row.sent_at = "sent", now
    session.add(row)
    await session.flush()
    return row_id
