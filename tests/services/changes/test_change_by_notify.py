"""End to end over HTTP: a change reaches families with no Telegram through the Notify emulator, and a link settles it."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlmodel import select

from db.engine import Database
from db.models import ChangeNotice, Route
from db.types import utc_now
from messaging.ack_links import read_ack_token
from messaging.delivery.notify_worker import NotifyDeliveryWorker
from sandbox.emulator import BotApiEmulator
from sandbox.notify import NotifyEmulator
from services.calendar.working_days import add_working_days
from services.changes.acknowledgements import acknowledge_outbox_row
from services.changes.staff import change_summary
from services.transport.imports import import_transport_data
from tests.messaging import conftest as _messaging  # noqa: F401 - loads notify_support's fixtures in the right order
from tests.messaging.notify_support import notify, notify_settings, start_notify_worker  # noqa: F401 - fixtures
from tests.services.changes.test_recipients import EXPORT
from tests.support.factories import make_transport_change
from tests.support.waiting import wait_for_condition

AMIRA, ANNA, EMMA = "+447700900001", "+447700900002", "emma@example.org"
LINK = re.compile(r"https://carerline\.example\.org/seen/(\S+)")


async def test_texts_emails_and_a_letter_go_by_notify_and_the_texts_link_acknowledges_the_notice(
    database: Database, database_url: str, emulator: BotApiEmulator, notify: NotifyEmulator,  # noqa: F811
    start_notify_worker: Callable[..., Awaitable[NotifyDeliveryWorker]],  # noqa: F811
) -> None:
    now = utc_now()
    async with database.transaction() as session:
        assert (await import_transport_data(session, data=EXPORT, now=now)).is_ok
        route = (await session.exec(select(Route).where(Route.code == "MA-101"))).one()
        in_a_fortnight = add_working_days(now.date(), 10)
        recorded = await make_transport_change(session, route=route, now=now, effective_from=in_a_fortnight)
    change_id = recorded.change.id  # type: ignore[attr-defined]
    await start_notify_worker()

    async def all_recorded_as_sent() -> bool:
        async with database.transaction() as session:
            figures = {row.channel: row.sent for row in (await change_summary(session, change_id=change_id)).channels}
        return (figures["sms"], figures["email"], figures["letter"]) == (2, 1, 1)

    async def all_three_sent() -> bool:
        sent = (notify.messages_for(AMIRA), notify.messages_for(ANNA), notify.messages_for(EMMA))
        return all(sent) and notify.sent_count("letter") == 1 and await all_recorded_as_sent()

    await wait_for_condition(all_three_sent, timeout_s=20, description="a text, an email and a letter sent by Notify")
    [text] = notify.messages_for(ANNA)
    [email] = notify.messages_for(EMMA)
    assert text.type == "sms" and "New pick-up time for Ola" in text.body and "{ack_link}" not in text.body
    assert email.subject == "New pick-up time for Kit" and "Route MA-101" in email.body
    assert text.reference is not None and text.reference.endswith("#sms")
    match = LINK.search(text.body)
    assert match is not None, text.body

    settings = notify_settings(database_url=database_url, emulator=emulator, notify=notify)
    seen_at = utc_now()
    outbox_id = read_ack_token(match.group(1), now=seen_at, settings=settings)
    async with database.transaction() as session:
        assert await acknowledge_outbox_row(session, outbox_id=outbox_id, now=seen_at) == "recorded"
        notices = (await session.exec(select(ChangeNotice).where(ChangeNotice.change_id == change_id))).all()
        summary = await change_summary(session, change_id=change_id, now=seen_at)
    acknowledged = [n for n in notices if n.acknowledged_at is not None]
    assert len(acknowledged) == 1 and acknowledged[0].family_contact_id is not None
    figures = {row.channel: row for row in summary.channels}
    # Nobody linked in Telegram here: Amira and Anna by text, Emma by email, Kim by letter, Tom nothing.
    assert (figures["sms"].sent, figures["sms"].acknowledged) == (2, 1)
    assert (figures["email"].sent, figures["letter"].sent, figures["telegram"].sent, figures["telegram"].waiting) == (1, 1, 0, 0)
    assert summary.figures.acknowledged == 1 and summary.to_call == 1  # Tom holds nothing
    assert summary.change.effective_at - seen_at > timedelta(days=7)
